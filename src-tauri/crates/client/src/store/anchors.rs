//! Anchors into long inbox lists, so that a page at any offset costs about what the first page costs
//! (issue 15, item 6; README.md, "Benchmarks").
//!
//! SQLite reaches `OFFSET n` by walking n entries of the index. For each list asked for deeply (its
//! filters and sort order), the store keeps the sort key of every `stride`-th row from the end the
//! page is nearer to, read by hopping `stride` entries at a time through the list's index, and the
//! list's total; a page then seeks just past the anchor before it (`WHERE (sort key) > (anchor)`,
//! one index seek, migrations/0014_deep_pages.sql) and walks fewer than `stride` entries.
//!
//! The anchors are as good as the snapshot they were read in: every change that can move a row in,
//! out of or within a list bumps a generation in the database, in the writer's own transaction
//! (0014's triggers, whoever writes). A page from kept anchors is one statement that returns rows
//! only while the generation in its own snapshot is the one the anchors were read at. Otherwise the page is read again in one transaction that reads the generation, the
//! total and, as far as the page needs them, the anchors.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use countersign_domain::{Risk, Stage};
use sqlx::sqlite::SqliteRow;
use sqlx::{QueryBuilder, Row, Sqlite, SqliteConnection};

use super::codec::{SUMMARY_COLUMNS, read_summary};
use super::inbox::{KeyType, Walk, count_sql, page_sql, sort_index};
use super::{Store, StoreError};
use crate::model::{AssignmentStatus, AssignmentSummary, ListQuery, SortOrder};

/// Rows between two anchors: a deep page walks fewer than this many of its list's index entries
/// past its anchor, and the first deep page after a change hops `offset / stride` times (from the
/// nearer end), each a walk of this many.
pub const ANCHOR_STRIDE: u32 = 256;

/// How many lists keep anchors at once; past it, all are dropped and read again on demand, so memory
/// stays bounded whatever filters the reviewer combines.
const KEPT_LISTS: usize = 16;

/// One column of a sort key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum KeyPart {
    Integer(i64),
    Text(String),
}

/// The values of a row's sort key, in its index's order (see [`sort_index`]).
pub(super) type SortKey = Vec<KeyPart>;

/// Reads the sort key columns `row` starts with.
fn read_key(row: &SqliteRow, sort: SortOrder) -> Result<SortKey, StoreError> {
    sort_index(sort)
        .key
        .iter()
        .enumerate()
        .map(|(i, (_, key_type))| {
            Ok(match key_type {
                KeyType::Integer => KeyPart::Integer(row.try_get(i)?),
                KeyType::Text => KeyPart::Text(row.try_get(i)?),
            })
        })
        .collect()
}

/// A list as its anchors are kept: a [`ListQuery`] without its page.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct ListKey {
    status: Option<AssignmentStatus>,
    kind: Option<String>,
    stage: Option<Stage>,
    risk: Option<Risk>,
    sort: SortOrder,
}

impl ListKey {
    fn of(query: &ListQuery) -> Self {
        Self {
            status: query.status,
            kind: query.kind.clone(),
            stage: query.stage,
            risk: query.risk,
            sort: query.sort,
        }
    }
}

/// Where a page is read in a list of a known length: walked from the nearer end, past `block`
/// anchors (none: from that end), then `skip` rows, `take` rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Placement {
    walk: Walk,
    block: usize,
    skip: u32,
    take: u32,
}

fn place(query: &ListQuery, total: i64, stride: u32) -> Placement {
    let offset = query.offset;
    let page = query.page_size();
    let after = u64::try_from(total)
        .unwrap_or(0)
        .saturating_sub(u64::from(offset));
    let (walk, start, take) = if u64::from(offset) <= after || after == 0 {
        (Walk::FromFirst, offset, page)
    } else {
        // Fewer rows after the offset than before it, so fewer than `offset`: it fits.
        let take = u32::try_from(after.min(u64::from(page))).unwrap_or(page);
        let start = u32::try_from(after - u64::from(take)).unwrap_or(offset);
        (Walk::FromLast, start, take)
    };
    Placement {
        walk,
        block: (start / stride) as usize,
        skip: start % stride,
        take,
    }
}

/// One list's total and anchors at the kept generation.
#[derive(Debug, Default)]
struct KeptList {
    total: i64,
    /// From each end, the sort keys of its rows `stride - 1`, `2 * stride - 1`, ... in walking order.
    anchors: HashMap<Walk, Vec<SortKey>>,
}

/// The anchors known at one generation of the assignments' order.
#[derive(Debug, Default)]
struct Kept {
    generation: i64,
    lists: HashMap<ListKey, KeptList>,
}

/// The anchors this process keeps; shared by every clone of a [`Store`].
#[derive(Debug)]
pub(super) struct Anchors {
    stride: u32,
    kept: Mutex<Kept>,
}

impl Anchors {
    pub(super) fn new(stride: u32) -> Self {
        Self {
            stride: stride.max(1),
            kept: Mutex::new(Kept::default()),
        }
    }

    pub(super) fn stride(&self) -> u32 {
        self.stride
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Kept> {
        // The map is whole after a panic elsewhere (every change to it is one insert or one clear).
        self.kept.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Where `query`'s page is, from what is kept of its list: the kept generation, the page's
    /// placement in the list's kept total, and the anchor it starts after (none from an end). `None`
    /// when the list, or that anchor, is not kept.
    fn kept_place(
        &self,
        list: &ListKey,
        query: &ListQuery,
    ) -> Option<(i64, Placement, Option<SortKey>)> {
        let kept = self.lock();
        let kept_list = kept.lists.get(list)?;
        let place = place(query, kept_list.total, self.stride);
        let anchor = match place.block {
            0 => None,
            block => Some(kept_list.anchors.get(&place.walk)?.get(block - 1)?.clone()),
        };
        Some((kept.generation, place, anchor))
    }

    /// The kept anchors of `list` walked `walk`, read at `generation`: all of them, up to `block`.
    /// None for a reader on another snapshot than the kept one.
    fn known(&self, generation: i64, list: &ListKey, walk: Walk, block: usize) -> Vec<SortKey> {
        let kept = self.lock();
        if generation != kept.generation {
            return Vec::new();
        }
        kept.lists
            .get(list)
            .and_then(|kept| kept.anchors.get(&walk))
            .map(|anchors| anchors[..block.min(anchors.len())].to_vec())
            .unwrap_or_default()
    }

    /// Keeps `list`'s `total` and `anchors` walked `walk`, read at `generation`, dropping any of an
    /// older one; unless newer or longer ones are kept.
    fn keep(&self, generation: i64, list: ListKey, total: i64, walk: Walk, anchors: Vec<SortKey>) {
        let mut kept = self.lock();
        if generation > kept.generation {
            kept.lists.clear();
            kept.generation = generation;
        }
        if generation < kept.generation {
            return;
        }
        if kept.lists.len() >= KEPT_LISTS && !kept.lists.contains_key(&list) {
            kept.lists.clear();
        }
        let entry = kept.lists.entry(list).or_default();
        entry.total = total;
        let longest = entry.anchors.entry(walk).or_default();
        if anchors.len() > longest.len() {
            *longest = anchors;
        }
    }
}

/// The page at `place` past `anchor`; with `generation`, only if the order is still at it in the
/// statement's own snapshot (no rows otherwise). That check is the LIMIT, which SQLite evaluates
/// once before it walks: as a WHERE term it would be tested on every entry, and a changed order
/// would walk the whole list to return nothing.
fn page_statement<'q>(
    query: &ListQuery,
    place: Placement,
    anchor: Option<&SortKey>,
    generation: Option<i64>,
) -> QueryBuilder<'q, Sqlite> {
    let mut sql = page_sql("SELECT", SUMMARY_COLUMNS, query, place.walk, anchor);
    sql.push(" LIMIT ");
    match generation {
        Some(generation) => {
            sql.push(
                "CASE WHEN (SELECT generation FROM assignment_order_generation WHERE id = 1) = ",
            )
            .push_bind(generation)
            .push(" THEN ")
            .push_bind(i64::from(place.take))
            .push(" ELSE 0 END");
        }
        None => {
            sql.push_bind(i64::from(place.take));
        }
    }
    sql.push(" OFFSET ").push_bind(i64::from(place.skip));
    sql
}

/// The page's rows in the list's order.
fn in_order(rows: &[SqliteRow], walk: Walk) -> Result<Vec<AssignmentSummary>, StoreError> {
    let mut page = rows
        .iter()
        .map(read_summary)
        .collect::<Result<Vec<_>, _>>()?;
    if walk == Walk::FromLast {
        page.reverse();
    }
    Ok(page)
}

impl Store {
    /// A page past the first anchor of its list (no due filter).
    pub(super) async fn deep_page(
        &self,
        query: &ListQuery,
    ) -> Result<Vec<AssignmentSummary>, StoreError> {
        let list = ListKey::of(query);
        if let Some(page) = self.page_from_kept(query, &list).await? {
            return Ok(page);
        }
        let stride = self.anchors.stride();
        let mut read = self.pool.begin().await?;
        let generation = read_generation(&mut read).await?;
        let total: i64 = count_sql(query)
            .build_query_scalar()
            .fetch_one(&mut *read)
            .await?;
        let place = place(query, total, stride);
        let mut anchors = self
            .anchors
            .known(generation, &list, place.walk, place.block);
        let mut ended = false;
        while anchors.len() < place.block && !ended {
            let mut hop = page_sql(
                "SELECT",
                &sort_index(query.sort).columns(),
                query,
                place.walk,
                anchors.last(),
            );
            hop.push(" LIMIT 1 OFFSET ")
                .push_bind(i64::from(stride - 1));
            match hop.build().fetch_optional(&mut *read).await? {
                Some(row) => anchors.push(read_key(&row, query.sort)?),
                None => ended = true,
            }
        }
        let anchor = match place.block {
            0 => None,
            block => anchors.get(block - 1).cloned(),
        };
        // Past the end of the list (only a page from the first row can start there).
        let rows = if place.block > 0 && anchor.is_none() {
            Vec::new()
        } else {
            page_statement(query, place, anchor.as_ref(), None)
                .build()
                .fetch_all(&mut *read)
                .await?
        };
        read.commit().await?;
        self.anchors
            .keep(generation, list, total, place.walk, anchors);
        in_order(&rows, place.walk)
    }

    /// The page from the kept total and anchors, in one statement, if they are kept and still of the
    /// generation that statement reads; `None` when it cannot tell (an empty page included: a
    /// changed order returns no rows).
    async fn page_from_kept(
        &self,
        query: &ListQuery,
        list: &ListKey,
    ) -> Result<Option<Vec<AssignmentSummary>>, StoreError> {
        let Some((generation, place, anchor)) = self.anchors.kept_place(list, query) else {
            return Ok(None);
        };
        let rows = page_statement(query, place, anchor.as_ref(), Some(generation))
            .build()
            .fetch_all(&self.pool)
            .await?;
        if rows.is_empty() {
            return Ok(None);
        }
        in_order(&rows, place.walk).map(Some)
    }
}

async fn read_generation(read: &mut SqliteConnection) -> Result<i64, StoreError> {
    Ok(
        sqlx::query_scalar("SELECT generation FROM assignment_order_generation WHERE id = 1")
            .fetch_one(read)
            .await?,
    )
}

#[cfg(test)]
mod tests {
    //! The model test of deep pages: on random lists, every page read from an anchor is exactly the
    //! page `LIMIT ... OFFSET` gives over the list's order as migration 0002 spelled it, for every
    //! sort and filter, ties included, and stays so across inserts, changes and deletes between reads
    //! (so a stale anchor would show). A stride of a few rows makes almost every read an anchored one.

    use chrono::{DateTime, Duration, Utc};
    use proptest::prelude::*;
    use sqlx::{QueryBuilder, Sqlite};

    use super::*;
    use crate::store::codec::{risk_rank, timestamp};
    use crate::store::inbox::push_filters;

    const STATUSES: [AssignmentStatus; 3] = [
        AssignmentStatus::Open,
        AssignmentStatus::Decided,
        AssignmentStatus::Uploaded,
    ];
    const STAGES: [Stage; 3] = [Stage::Review, Stage::Escalation, Stage::SecondApproval];
    const RISKS: [Risk; 4] = [Risk::Low, Risk::Medium, Risk::High, Risk::Critical];
    const KINDS: [&str; 2] = ["transaction", "content_draft"];
    const SORTS: [SortOrder; 3] = [SortOrder::Priority, SortOrder::Due, SortOrder::Risk];

    /// The fields that place a row in lists: few values each, so that ties are common.
    #[derive(Debug, Clone)]
    struct Placed {
        priority: i64,
        /// Hours after [`epoch`]; none for an item without a due date.
        due: Option<i64>,
        risk: usize,
        status: usize,
        kind: usize,
        stage: usize,
    }

    fn placed() -> impl Strategy<Value = Placed> {
        (
            0i64..4,
            proptest::option::of(0i64..4),
            0usize..4,
            0usize..3,
            0usize..2,
            0usize..3,
        )
            .prop_map(|(priority, due, risk, status, kind, stage)| Placed {
                priority,
                due,
                risk,
                status,
                kind,
                stage,
            })
    }

    #[derive(Debug, Clone)]
    enum Step {
        Read {
            sort: usize,
            filter: usize,
            offset: u32,
            limit: u32,
        },
        Insert(Placed),
        /// The n-th row (by item id, modulo the rows) gets the status, priority and due date given.
        Change(usize, usize, i64, Option<i64>),
        Delete(usize),
    }

    fn step() -> impl Strategy<Value = Step> {
        prop_oneof![
            // Mostly a few lists, so that reads of the same list have changes between them.
            4 => (0usize..3, prop_oneof![3 => Just(0usize), 2 => Just(1), 1 => 2usize..6], 0u32..140, 1u32..12).prop_map(
                |(sort, filter, offset, limit)| Step::Read { sort, filter, offset, limit }
            ),
            1 => placed().prop_map(Step::Insert),
            1 => (any::<usize>(), 0usize..3, 0i64..4, proptest::option::of(0i64..4))
                .prop_map(|(n, status, priority, due)| Step::Change(n, status, priority, due)),
            1 => any::<usize>().prop_map(Step::Delete),
        ]
    }

    fn epoch() -> DateTime<Utc> {
        DateTime::<Utc>::UNIX_EPOCH + Duration::days(20_000)
    }

    fn due_at(due: Option<i64>) -> Option<String> {
        due.map(|hours| timestamp(epoch() + Duration::hours(hours)))
    }

    fn filter(n: usize) -> ListQuery {
        match n {
            0 => ListQuery::default(),
            1 => ListQuery {
                status: Some(AssignmentStatus::Open),
                ..ListQuery::default()
            },
            2 => ListQuery {
                kind: Some(KINDS[0].into()),
                risk: Some(Risk::High),
                ..ListQuery::default()
            },
            3 => ListQuery {
                status: Some(AssignmentStatus::Open),
                stage: Some(Stage::Escalation),
                ..ListQuery::default()
            },
            4 => ListQuery {
                risk: Some(Risk::Critical),
                ..ListQuery::default()
            },
            // Open items due within two hours of the epoch (the due filter's own path).
            _ => ListQuery {
                due_within_minutes: Some(120),
                ..ListQuery::default()
            }
            .at(epoch()),
        }
    }

    async fn insert(store: &Store, n: usize, row: &Placed) {
        let risk = RISKS[row.risk];
        // Item ids in an order unrelated to insertion, so that the last sort key does some work.
        let id = format!(
            "{:08x}-0000-7000-8000-{n:012x}",
            (n as u32).wrapping_mul(2_654_435_761)
        );
        sqlx::query(
            "INSERT INTO assignments (item_id, item_json, kind, title, stage, priority, risk, \
             risk_rank, confidence, due_at, status, lease_id, lease_epoch, lease_expires_at, \
             pulled_at) VALUES (?, '{}', ?, 'title', ?, ?, ?, ?, 0.5, ?, ?, ?, 1, ?, ?)",
        )
        .bind(&id)
        .bind(KINDS[row.kind])
        .bind(STAGES[row.stage].as_str())
        .bind(row.priority)
        .bind(crate::store::codec::wire_name(&risk))
        .bind(risk_rank(risk))
        .bind(due_at(row.due))
        .bind(STATUSES[row.status].as_str())
        .bind(&id)
        .bind(timestamp(epoch()))
        .bind(timestamp(epoch()))
        .execute(&store.pool)
        .await
        .expect("insert");
    }

    /// The n-th row by item id, modulo the rows; `None` in an empty store.
    async fn nth(store: &Store, n: usize) -> Option<String> {
        let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM assignments")
            .fetch_one(&store.pool)
            .await
            .expect("count");
        let rows = usize::try_from(rows).expect("count");
        if rows == 0 {
            return None;
        }
        sqlx::query_scalar("SELECT item_id FROM assignments ORDER BY item_id LIMIT 1 OFFSET ?")
            .bind(i64::try_from(n % rows).expect("offset"))
            .fetch_optional(&store.pool)
            .await
            .expect("nth")
    }

    /// The page as plain `LIMIT ... OFFSET` gives it: the order, and the due filter that migration
    /// 0014 moved to its sort columns, written out again on the table's own columns, as migration
    /// 0002 and the model define them (the other filters are the inbox's, unchanged by anchors).
    async fn expected(store: &Store, query: &ListQuery) -> Vec<String> {
        let mut sql = QueryBuilder::<Sqlite>::new("SELECT item_id FROM assignments WHERE 1 = 1");
        push_filters(
            &mut sql,
            &ListQuery {
                due_within_minutes: None,
                ..query.clone()
            },
        );
        if let Some(by) = query.due_by() {
            sql.push(" AND status = 'open' AND due_at <= ")
                .push_bind(timestamp(by));
        }
        sql.push(match query.sort {
            SortOrder::Priority => " ORDER BY priority DESC, due_at IS NULL, due_at, item_id",
            SortOrder::Due => " ORDER BY due_at IS NULL, due_at, priority DESC, item_id",
            SortOrder::Risk => " ORDER BY risk_rank DESC, priority DESC, item_id",
        });
        sql.push(" LIMIT ")
            .push_bind(i64::from(query.page_size()))
            .push(" OFFSET ")
            .push_bind(i64::from(query.offset));
        sql.build_query_scalar()
            .fetch_all(&store.pool)
            .await
            .expect("expected page")
    }

    async fn run(rows: Vec<Placed>, steps: Vec<Step>, stride: u32) -> Result<(), TestCaseError> {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open(dir.path()).await.expect("open");
        let store = Store {
            anchors: std::sync::Arc::new(Anchors::new(stride)),
            ..store
        };
        for (n, row) in rows.iter().enumerate() {
            insert(&store, n, row).await;
        }
        let mut inserted = rows.len();
        for step in steps {
            match step {
                Step::Read {
                    sort,
                    filter: which,
                    offset,
                    limit,
                } => {
                    let query = ListQuery {
                        sort: SORTS[sort],
                        offset,
                        limit,
                        ..filter(which)
                    };
                    let page: Vec<String> = store
                        .list(&query)
                        .await
                        .expect("page")
                        .iter()
                        .map(|row| row.item_id.to_string())
                        .collect();
                    prop_assert_eq!(page, expected(&store, &query).await, "{:?}", query);
                }
                Step::Insert(row) => {
                    insert(&store, inserted, &row).await;
                    inserted += 1;
                }
                Step::Change(n, status, priority, due) => {
                    if let Some(id) = nth(&store, n).await {
                        sqlx::query(
                            "UPDATE assignments SET status = ?, priority = ?, due_at = ? \
                             WHERE item_id = ?",
                        )
                        .bind(STATUSES[status].as_str())
                        .bind(priority)
                        .bind(due_at(due))
                        .bind(id)
                        .execute(&store.pool)
                        .await
                        .expect("change");
                    }
                }
                Step::Delete(n) => {
                    if let Some(id) = nth(&store, n).await {
                        sqlx::query("DELETE FROM assignments WHERE item_id = ?")
                            .bind(id)
                            .execute(&store.pool)
                            .await
                            .expect("delete");
                    }
                }
            }
        }
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(96))]
        #[test]
        fn deep_pages_are_the_pages_limit_offset_gives(
            rows in proptest::collection::vec(placed(), 0..160),
            steps in proptest::collection::vec(step(), 1..60),
            stride in 1u32..9,
        ) {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(run(rows, steps, stride))?;
        }
    }

    /// A page in the default stride's range, with a list long enough to have anchors, and a change
    /// between reads that moves every row after the anchor: the kept anchor is not used again.
    #[tokio::test]
    async fn a_change_between_reads_is_never_read_through_an_old_anchor() {
        let rows: Vec<Placed> = (0..(2 * ANCHOR_STRIDE as usize + 50))
            .map(|n| Placed {
                priority: (n % 3) as i64,
                due: (n % 5 != 0).then_some((n % 4) as i64),
                risk: n % 4,
                status: n % 3,
                kind: n % 2,
                stage: n % 3,
            })
            .collect();
        let read = |offset| Step::Read {
            sort: 0,
            filter: 0,
            offset,
            limit: 100,
        };
        let steps = vec![
            read(ANCHOR_STRIDE + 10),
            read(2 * ANCHOR_STRIDE),
            Step::Change(7, 0, 3, Some(0)),
            read(ANCHOR_STRIDE + 10),
            Step::Delete(0),
            read(2 * ANCHOR_STRIDE),
            Step::Insert(Placed {
                priority: 3,
                due: None,
                risk: 0,
                status: 0,
                kind: 0,
                stage: 0,
            }),
            read(ANCHOR_STRIDE),
            read(3 * ANCHOR_STRIDE),
        ];
        run(rows, steps, ANCHOR_STRIDE).await.expect("pages agree");
    }
}

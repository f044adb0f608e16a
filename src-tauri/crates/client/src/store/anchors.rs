//! Anchors into long inbox lists, so that a page at any offset costs about what the first page costs
//! (issue 15, item 6; README.md, "Benchmarks").
//!
//! SQLite reaches `OFFSET n` by walking n entries of the index. For each list asked for deeply (its
//! filters and sort order), the store keeps the list's total and, from the end a page is nearer to,
//! anchors: sort keys, each with the number of the list's rows at or before it. They are read by
//! hopping `stride` entries at a time through the list's index; a page then seeks just past the last
//! anchor at or before it (`WHERE (sort key) > (anchor)`, one index seek, migrations/0014_deep_pages.sql)
//! and walks the rest.
//!
//! The anchors are as good as the snapshot they were read in: every change that can move a row in,
//! out of or within a list bumps a generation in the database, in the writer's own transaction
//! (0014's triggers, whoever writes), and records the row's filter columns and sort key before and
//! after (migrations/0015_deep_pages_kept_across_changes.sql). A page from kept anchors is one
//! statement that returns rows only while the generation in its own snapshot is the one the anchors
//! were kept at. Otherwise the page is read in one transaction that reads the generation and the
//! moves since the kept one, and shifts each anchor's count by the rows that left or joined its list
//! at or before it (its key stays a valid seek point whether or not its own row still exists); then
//! the total and, as far as the page needs them beyond the kept ones, the anchors. When the moves
//! are not all recorded, more than a stride of generations have passed, or rows that joined have
//! put two of a list's anchors more than two strides apart, that list's anchors are read again.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use countersign_domain::{Risk, Stage};
use sqlx::sqlite::SqliteRow;
use sqlx::{QueryBuilder, Row, Sqlite, SqliteConnection};

use super::codec::{SUMMARY_COLUMNS, read_summary};
use super::inbox::{KeyType, Walk, count_sql, page_sql, push_filters, sort_index};
use super::{Store, StoreError};
use crate::model::{AssignmentStatus, AssignmentSummary, ListQuery, SortOrder};

/// Rows between two anchors as they are read: a deep page walks fewer than this many of its list's
/// index entries past its anchor (a few more after changes have shifted them), and the first deep
/// page of a list hops `offset / stride` times (from the nearer end), each a walk of this many.
pub const ANCHOR_STRIDE: u32 = 256;

/// How many lists keep anchors at once; past it, all are dropped and read again on demand, so memory
/// stays bounded whatever filters the reviewer combines.
const KEPT_LISTS: usize = 16;

/// One column of a sort key. Compared as SQLite compares the index's columns: integers by value,
/// text byte by byte (the BINARY collation); a column holds one of the two in every row.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum KeyPart {
    Integer(i64),
    Text(String),
}

/// The values of a row's sort key, in its index's order (see [`sort_index`]).
pub(super) type SortKey = Vec<KeyPart>;

/// Reads the sort key columns of `row`, by their names.
fn read_key(row: &SqliteRow, sort: SortOrder) -> Result<SortKey, StoreError> {
    sort_index(sort)
        .key
        .iter()
        .map(|(column, key_type)| {
            Ok(match key_type {
                KeyType::Integer => KeyPart::Integer(row.try_get(*column)?),
                KeyType::Text => KeyPart::Text(row.try_get(*column)?),
            })
        })
        .collect()
}

/// Whether a row with sort key `row` comes at or before `anchor` in a list walked `walk`.
fn at_or_before(row: &SortKey, anchor: &SortKey, walk: Walk) -> bool {
    match (walk, row.cmp(anchor)) {
        (_, Ordering::Equal)
        | (Walk::FromFirst, Ordering::Less)
        | (Walk::FromLast, Ordering::Greater) => true,
        (Walk::FromFirst, Ordering::Greater) | (Walk::FromLast, Ordering::Less) => false,
    }
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

    /// The list's first page: its filters and order, for statements about the whole list.
    fn query(&self) -> ListQuery {
        ListQuery {
            status: self.status,
            kind: self.kind.clone(),
            stage: self.stage,
            risk: self.risk,
            sort: self.sort,
            ..ListQuery::default()
        }
    }
}

/// Where a page is in a list of a known length: `take` rows from the row `start` rows from the nearer
/// end, walked from that end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Placement {
    walk: Walk,
    start: u32,
    take: u32,
}

fn place(query: &ListQuery, total: i64) -> Placement {
    let offset = query.offset;
    let page = query.page_size();
    let after = u64::try_from(total)
        .unwrap_or(0)
        .saturating_sub(u64::from(offset));
    if u64::from(offset) <= after || after == 0 {
        return Placement {
            walk: Walk::FromFirst,
            start: offset,
            take: page,
        };
    }
    // Fewer rows after the offset than before it, so fewer than `offset`: it fits.
    let take = u32::try_from(after.min(u64::from(page))).unwrap_or(page);
    Placement {
        walk: Walk::FromLast,
        start: u32::try_from(after - u64::from(take)).unwrap_or(offset),
        take,
    }
}

/// A sort key in a list and how many of the list's rows come at or before it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Anchor {
    key: SortKey,
    rows: i64,
}

/// Where a page's walk starts: just past `after` (from the list's end: none), skipping `skip` rows.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Seek {
    after: Option<SortKey>,
    skip: u32,
}

/// The seek to `start` from the last of `anchors` (in walking order) at or before it.
fn seek(anchors: &[Anchor], start: u32) -> Seek {
    let before = anchors.partition_point(|anchor| anchor.rows <= i64::from(start));
    match before.checked_sub(1).and_then(|last| anchors.get(last)) {
        Some(anchor) => Seek {
            after: Some(anchor.key.clone()),
            skip: u32::try_from(i64::from(start) - anchor.rows).unwrap_or(start),
        },
        None => Seek {
            after: None,
            skip: start,
        },
    }
}

/// Whether `anchors` reach `start`: the walk past the last of them is shorter than a stride.
fn reach(anchors: &[Anchor], start: u32, stride: u32) -> bool {
    anchors.last().map_or(0, |anchor| anchor.rows) + i64::from(stride) > i64::from(start)
}

/// One list's total and anchors at the kept generation.
#[derive(Debug, Default)]
struct KeptList {
    total: i64,
    /// From each end, anchors in walking order, as read (`stride` rows apart) and shifted since.
    anchors: HashMap<Walk, Vec<Anchor>>,
}

impl KeptList {
    /// Counts a row with sort key `key` joining (`delta` 1) or leaving (-1) the list.
    fn shift(&mut self, key: &SortKey, delta: i64) {
        self.total += delta;
        for (walk, anchors) in &mut self.anchors {
            for anchor in anchors.iter_mut() {
                if at_or_before(key, &anchor.key, *walk) {
                    anchor.rows += delta;
                }
            }
        }
    }

    /// The most rows between two neighbouring anchors (or before the first): the longest walk a
    /// page of this list makes from its seek. Exact, since the counts are shifted exactly: a row
    /// that joins lengthens the gap it lands in, one that leaves shortens its own, and one that
    /// moves within a gap changes nothing.
    fn longest_gap(&self) -> i64 {
        self.anchors
            .values()
            .flat_map(|anchors| {
                anchors.iter().scan(0, |before, anchor| {
                    let gap = anchor.rows - *before;
                    *before = anchor.rows;
                    Some(gap)
                })
            })
            .max()
            .unwrap_or(0)
    }
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
        // The map is whole after a panic elsewhere (every change to it is made under one lock).
        self.kept.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Where `query`'s page is, from what is kept of its list: the kept generation, the page's
    /// placement in the list's kept total, and its seek. `None` when the list is not kept or its
    /// anchors do not reach the page.
    fn kept_place(&self, list: &ListKey, query: &ListQuery) -> Option<(i64, Placement, Seek)> {
        let kept = self.lock();
        let kept_list = kept.lists.get(list)?;
        let place = place(query, kept_list.total);
        let anchors = kept_list
            .anchors
            .get(&place.walk)
            .map_or(&[][..], Vec::as_slice);
        reach(anchors, place.start, self.stride)
            .then(|| (kept.generation, place, seek(anchors, place.start)))
    }

    /// The kept anchors of `list` walked `walk`, if kept at `generation` (a reader on another
    /// snapshot gets none).
    fn known(&self, generation: i64, list: &ListKey, walk: Walk) -> Vec<Anchor> {
        let kept = self.lock();
        if generation != kept.generation {
            return Vec::new();
        }
        kept.lists
            .get(list)
            .and_then(|kept| kept.anchors.get(&walk))
            .cloned()
            .unwrap_or_default()
    }

    /// Keeps `list`'s `total` and `anchors` walked `walk`, read at `generation`, dropping any of an
    /// older one; unless newer or longer ones are kept.
    fn keep(&self, generation: i64, list: ListKey, total: i64, walk: Walk, anchors: Vec<Anchor>) {
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

    /// The kept generation and lists, if any are kept.
    fn kept_lists(&self) -> Option<(i64, Vec<ListKey>)> {
        let kept = self.lock();
        (!kept.lists.is_empty()).then(|| (kept.generation, kept.lists.keys().cloned().collect()))
    }

    /// Moves the lists kept at generation `from` to `to`, each by its rows that joined or left in
    /// between (`moves`, read in one snapshot at `to`); a list whose anchors are now more than two
    /// strides apart somewhere (at most twice a fresh read's walk), or not in `moves`, is dropped.
    /// Nothing changes if another reader moved them first.
    fn shift(&self, from: i64, to: i64, moves: Vec<(ListKey, Vec<(SortKey, i64)>)>) {
        let mut kept = self.lock();
        if kept.generation != from {
            return;
        }
        let mut lists = std::mem::take(&mut kept.lists);
        for (list, moved) in moves {
            let Some(mut kept_list) = lists.remove(&list) else {
                continue;
            };
            for (key, delta) in &moved {
                kept_list.shift(key, *delta);
            }
            if kept_list.longest_gap() <= 2 * i64::from(self.stride) {
                kept.lists.insert(list, kept_list);
            }
        }
        kept.generation = to;
    }
}

/// The page at `place`, walking from `seek`; with `generation`, only if the order is still at it in
/// the statement's own snapshot (no rows otherwise). That check is the LIMIT, which SQLite evaluates
/// once before it walks: as a WHERE term it would be tested on every entry, and a changed order
/// would walk the whole list to return nothing.
fn page_statement<'q>(
    query: &ListQuery,
    place: Placement,
    seek: &Seek,
    generation: Option<i64>,
) -> QueryBuilder<'q, Sqlite> {
    let mut sql = page_sql(
        "SELECT",
        SUMMARY_COLUMNS,
        query,
        place.walk,
        seek.after.as_ref(),
    );
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
    sql.push(" OFFSET ").push_bind(i64::from(seek.skip));
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
        self.move_kept_anchors(&mut read, generation).await?;
        let total: i64 = count_sql(query)
            .build_query_scalar()
            .fetch_one(&mut *read)
            .await?;
        let place = place(query, total);
        let mut anchors = self.anchors.known(generation, &list, place.walk);
        let mut ended = false;
        while !reach(&anchors, place.start, stride) && !ended {
            let last = anchors.last();
            let mut hop = page_sql(
                "SELECT",
                &sort_index(query.sort).columns(),
                query,
                place.walk,
                last.map(|anchor| &anchor.key),
            );
            hop.push(" LIMIT 1 OFFSET ")
                .push_bind(i64::from(stride - 1));
            match hop.build().fetch_optional(&mut *read).await? {
                Some(row) => {
                    let rows = last.map_or(0, |anchor| anchor.rows) + i64::from(stride);
                    anchors.push(Anchor {
                        key: read_key(&row, query.sort)?,
                        rows,
                    });
                }
                None => ended = true,
            }
        }
        // Past the end of the list, the walk from the last anchor ends within a stride, empty.
        let rows = page_statement(query, place, &seek(&anchors, place.start), None)
            .build()
            .fetch_all(&mut *read)
            .await?;
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
        let Some((generation, place, seek)) = self.anchors.kept_place(list, query) else {
            return Ok(None);
        };
        let rows = page_statement(query, place, &seek, Some(generation))
            .build()
            .fetch_all(&self.pool)
            .await?;
        if rows.is_empty() {
            return Ok(None);
        }
        in_order(&rows, place.walk).map(Some)
    }

    /// Brings the kept anchors to generation `to`, the one `read` sees, by the moves recorded since
    /// (migrations/0015), if they are all recorded and fewer than a stride; otherwise leaves them
    /// (they are then of another generation, and the page reads its anchors again).
    async fn move_kept_anchors(
        &self,
        read: &mut SqliteConnection,
        to: i64,
    ) -> Result<(), StoreError> {
        let Some((from, lists)) = self.anchors.kept_lists() else {
            return Ok(());
        };
        let missed = to - from;
        if missed <= 0 || missed > i64::from(self.anchors.stride()) {
            return Ok(());
        }
        let recorded: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM assignment_order_changes WHERE generation > ?",
        )
        .bind(from)
        .fetch_one(&mut *read)
        .await?;
        if recorded != missed {
            return Ok(());
        }
        // Each list's moves, picked by its own filters, in one statement.
        let mut sql = QueryBuilder::<Sqlite>::new("");
        for (n, list) in lists.iter().enumerate() {
            if n > 0 {
                sql.push(" UNION ALL ");
            }
            sql.push(format!(
                "SELECT {n} AS list, * FROM assignment_order_moves WHERE generation > "
            ))
            .push_bind(from);
            push_filters(&mut sql, &list.query());
        }
        let rows = sql.build().fetch_all(&mut *read).await?;
        let mut moves: Vec<_> = lists.into_iter().map(|list| (list, Vec::new())).collect();
        for row in &rows {
            let n: i64 = row.try_get("list")?;
            if let Some((list, moved)) = usize::try_from(n).ok().and_then(|n| moves.get_mut(n)) {
                moved.push((read_key(row, list.sort)?, row.try_get("delta")?));
            }
        }
        self.anchors.shift(from, to, moves);
        Ok(())
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

    /// The item ids of the page the store reads.
    async fn page(store: &Store, query: &ListQuery) -> Vec<String> {
        store
            .list(query)
            .await
            .expect("page")
            .iter()
            .map(|row| row.item_id.to_string())
            .collect()
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
                    prop_assert_eq!(
                        page(&store, &query).await,
                        expected(&store, &query).await,
                        "{:?}",
                        query
                    );
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

    /// A few changes between two reads of a deep page shift the kept anchors by the recorded moves
    /// (migrations/0015); rows joining one gap until two anchors are more than two strides apart,
    /// more than a stride of generations, or a generation without its moves, make the page read its
    /// anchors again. Either way the page is the one `LIMIT ... OFFSET` gives.
    #[tokio::test]
    async fn a_few_changes_shift_the_kept_anchors_and_many_read_them_again() {
        const STRIDE: u32 = 4;
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open(dir.path()).await.expect("open");
        let store = Store {
            anchors: std::sync::Arc::new(Anchors::new(STRIDE)),
            ..store
        };
        let row = |priority: i64, n: usize| Placed {
            priority,
            due: Some((n % 3) as i64),
            risk: n % 4,
            status: 0,
            kind: 0,
            stage: 0,
        };
        for n in 0..60 {
            insert(&store, n, &row((n % 4) as i64, n)).await;
        }
        let query = ListQuery {
            status: Some(AssignmentStatus::Open),
            offset: 13,
            limit: 5,
            ..ListQuery::default()
        };
        let list = ListKey::of(&query);
        // The page, checked; then what is kept of its list: its total, and how many rows come at or
        // before each anchor (read again, they are a stride apart).
        let read_and_check = || async {
            assert_eq!(page(&store, &query).await, expected(&store, &query).await);
            let kept = store.anchors.lock();
            let kept = kept.lists.get(&list).expect("the list is kept");
            let anchors: Vec<i64> = kept.anchors[&Walk::FromFirst]
                .iter()
                .map(|anchor| anchor.rows)
                .collect();
            (kept.total, anchors)
        };
        // The list's first row: every anchor comes after it.
        let first = expected(
            &store,
            &ListQuery {
                offset: 0,
                limit: 1,
                ..query.clone()
            },
        )
        .await
        .remove(0);
        let set_status = |status: AssignmentStatus| {
            let (store, first) = (&store, &first);
            async move {
                sqlx::query("UPDATE assignments SET status = ? WHERE item_id = ?")
                    .bind(status.as_str())
                    .bind(first)
                    .execute(&store.pool)
                    .await
                    .expect("change");
            }
        };
        assert_eq!(read_and_check().await, (60, vec![4, 8, 12]));
        // A decision takes the first row out of the open list: each anchor shifted by one.
        set_status(AssignmentStatus::Decided).await;
        assert_eq!(read_and_check().await, (59, vec![3, 7, 11]));
        // A change that leaves the list as it was (another status of a row already out of it).
        set_status(AssignmentStatus::Uploaded).await;
        assert_eq!(read_and_check().await, (59, vec![3, 7, 11]));
        // Open again: it joins the list.
        set_status(AssignmentStatus::Open).await;
        assert_eq!(read_and_check().await, (60, vec![4, 8, 12]));
        // New rows ahead of every other (the highest priority) join the first gap: shifted while
        // it is at most two strides long.
        for n in 60..63 {
            insert(&store, n, &row(9, n)).await;
            let joined = n as i64 - 59;
            assert_eq!(
                read_and_check().await,
                (60 + joined, vec![4 + joined, 8 + joined, 12 + joined])
            );
        }
        // A row leaving and joining within a gap, however often, lengthens no walk: still shifted.
        for _ in 0..=STRIDE {
            set_status(AssignmentStatus::Decided).await;
            set_status(AssignmentStatus::Open).await;
            assert_eq!(read_and_check().await, (63, vec![7, 11, 15]));
        }
        // Two more make the first gap longer than two strides: read again.
        insert(&store, 63, &row(9, 63)).await;
        assert_eq!(read_and_check().await, (64, vec![8, 12, 16]));
        insert(&store, 64, &row(9, 64)).await;
        assert_eq!(read_and_check().await, (65, vec![4, 8, 12]));
        // More generations than a stride since the anchors were read: read again.
        for status in [AssignmentStatus::Decided, AssignmentStatus::Uploaded]
            .into_iter()
            .cycle()
            .take(STRIDE as usize + 1)
        {
            set_status(status).await;
        }
        assert_eq!(read_and_check().await, (64, vec![4, 8, 12]));
        // The first row joins again, among the first five: the anchors after it shifted by one.
        set_status(AssignmentStatus::Open).await;
        assert_eq!(read_and_check().await, (65, vec![4, 9, 13]));
        // A generation whose moves are not recorded (as if more had happened than the record
        // keeps): read again, so the anchors are a stride apart in the shorter list.
        set_status(AssignmentStatus::Decided).await;
        sqlx::query("UPDATE assignment_order_generation SET generation = generation + 1")
            .execute(&store.pool)
            .await
            .expect("an unrecorded generation");
        assert_eq!(read_and_check().await, (64, vec![4, 8, 12]));
    }
}

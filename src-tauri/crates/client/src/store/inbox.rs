//! Reading the inbox: pages, counts and one assignment in full.

use countersign_domain::{Action, Item, ItemId, Stage};
use sqlx::{QueryBuilder, Row, Sqlite};

use super::anchors::{KeyPart, SortKey};
use super::codec::{
    SUMMARY_COLUMNS, from_json, from_wire_name, read_decision, read_summary, risk_rank, timestamp,
    wire_name,
};
use super::{Store, StoreError};
use crate::model::{
    AssignmentDetail, AssignmentStatus, AssignmentSummary, ListQuery, MAX_PAGE_SIZE, SortOrder,
    StageCounts,
};

/// The WHERE conditions of a [`ListQuery`], shared by the page and its count so they always agree (the
/// count reads `assignment_counts`, which has the same filter columns).
pub(super) fn push_filters(sql: &mut QueryBuilder<'_, Sqlite>, query: &ListQuery) {
    if let Some(status) = query.status {
        sql.push(" AND status = ").push_bind(status.as_str());
    }
    if let Some(kind) = &query.kind {
        sql.push(" AND kind = ").push_bind(kind.clone());
    }
    if let Some(stage) = query.stage {
        sql.push(" AND stage = ").push_bind(stage.as_str());
    }
    if let Some(risk) = query.risk {
        sql.push(" AND risk_rank = ").push_bind(risk_rank(risk));
    }
    push_due_filter(sql, query);
}

/// `due_within_minutes`: open items due by then. Apart from [`push_filters`]' other conditions because
/// the kept counts have no due column: a count with it reads the rows. Written on the sort column of
/// migrations/0014, which every page index carries: `due_at <= by`, where no due date is '' there and
/// never matches. (An equality on `sort_due_missing` instead makes SQLite sort the page.)
fn push_due_filter(sql: &mut QueryBuilder<'_, Sqlite>, query: &ListQuery) {
    if let Some(by) = query.due_by() {
        sql.push(" AND status = ")
            .push_bind(AssignmentStatus::Open.as_str())
            .push(" AND sort_due > '' AND sort_due <= ")
            .push_bind(timestamp(by));
    }
}

/// The number of rows matching `query`'s filters, from the counts kept by migrations/0002's triggers;
/// with a due filter, which those counts lack, from the rows.
pub(super) fn count_sql<'q>(query: &ListQuery) -> QueryBuilder<'q, Sqlite> {
    let mut sql = QueryBuilder::<Sqlite>::new(if query.due_within_minutes.is_some() {
        "SELECT COUNT(*) FROM assignments WHERE 1 = 1"
    } else {
        "SELECT COALESCE(SUM(n), 0) FROM assignment_counts WHERE 1 = 1"
    });
    push_filters(&mut sql, query);
    sql
}

/// How a sort key column is read back.
#[derive(Debug, Clone, Copy)]
pub(super) enum KeyType {
    Integer,
    Text,
}

/// The index a sort order is read through and its key, every column ascending, in the index's order,
/// ending with `item_id` so that no two rows tie (migrations/0014_deep_pages.sql).
pub(super) struct SortIndex {
    pub(super) name: &'static str,
    pub(super) key: &'static [(&'static str, KeyType)],
}

impl SortIndex {
    /// The key's columns, comma-separated: an ORDER BY, a row value, a select list.
    pub(super) fn columns(&self) -> String {
        self.key
            .iter()
            .map(|(column, _)| *column)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

pub(super) fn sort_index(sort: SortOrder) -> &'static SortIndex {
    use KeyType::{Integer, Text};
    match sort {
        // priority DESC, due_at IS NULL, due_at, item_id
        SortOrder::Priority => &SortIndex {
            name: "assignments_seek_by_priority",
            key: &[
                ("sort_priority", Integer),
                ("sort_due_missing", Integer),
                ("sort_due", Text),
                ("item_id", Text),
            ],
        },
        // due_at IS NULL, due_at, priority DESC, item_id
        SortOrder::Due => &SortIndex {
            name: "assignments_seek_by_due",
            key: &[
                ("sort_due_missing", Integer),
                ("sort_due", Text),
                ("sort_priority", Integer),
                ("item_id", Text),
            ],
        },
        // risk_rank DESC, priority DESC, item_id
        SortOrder::Risk => &SortIndex {
            name: "assignments_seek_by_risk",
            key: &[
                ("sort_risk", Integer),
                ("sort_priority", Integer),
                ("item_id", Text),
            ],
        },
    }
}

/// Which end of its sort order a list is walked from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum Walk {
    FromFirst,
    /// The order reversed: a deep page near the end of its list walks from the near end.
    FromLast,
}

/// `verb` (SELECT, or EXPLAIN QUERY PLAN SELECT) `columns` of `query`'s list walked `walk`, from just
/// past the row whose sort key is `after` (one index seek) or from that end; the caller adds LIMIT
/// and OFFSET. Read through the index of its sort order, named, not left to the planner, which
/// without fresh statistics sorts every match instead (0.5 to 2 s a page at 100,000 rows): the list
/// walks the index, filters on the columns it carries and reads only the rows it returns.
pub(super) fn page_sql<'q>(
    verb: &str,
    columns: &str,
    query: &ListQuery,
    walk: Walk,
    after: Option<&SortKey>,
) -> QueryBuilder<'q, Sqlite> {
    let index = sort_index(query.sort);
    let key = index.columns();
    let mut sql = QueryBuilder::<Sqlite>::new(format!(
        "{verb} {columns} FROM assignments INDEXED BY {} WHERE 1 = 1",
        index.name
    ));
    push_filters(&mut sql, query);
    let (past, order) = match walk {
        Walk::FromFirst => (">", key.clone()),
        Walk::FromLast => (
            "<",
            index
                .key
                .iter()
                .map(|(column, _)| format!("{column} DESC"))
                .collect::<Vec<_>>()
                .join(", "),
        ),
    };
    if let Some(after) = after {
        sql.push(format!(" AND ({key}) {past} ("));
        let mut values = sql.separated(", ");
        for part in after {
            match part {
                KeyPart::Integer(value) => values.push_bind(*value),
                KeyPart::Text(value) => values.push_bind(value.clone()),
            };
        }
        sql.push(")");
    }
    sql.push(format!(" ORDER BY {order}"));
    sql
}

/// A sort order's ORDER BY, for reads of the same rows that are not inbox pages (a search without
/// words), which leave the choice of index to the planner.
pub(super) fn order_by(sort: SortOrder) -> String {
    sort_index(sort).columns()
}

impl Store {
    /// One page of the inbox: the rows `LIMIT page OFFSET offset` gives in the list's order. A deep
    /// one is read from an anchor (store/anchors.rs).
    pub async fn list(&self, query: &ListQuery) -> Result<Vec<AssignmentSummary>, StoreError> {
        // A due filter's list changes with the clock, not with the table: nothing to keep for it.
        if query.offset >= self.anchors.stride() && query.due_within_minutes.is_none() {
            return self.deep_page(query).await;
        }
        let mut sql = page_sql("SELECT", SUMMARY_COLUMNS, query, Walk::FromFirst, None);
        sql.push(" LIMIT ")
            .push_bind(i64::from(query.page_size()))
            .push(" OFFSET ")
            .push_bind(i64::from(query.offset));
        let rows = sql.build().fetch_all(&self.pool).await?;
        rows.iter().map(read_summary).collect()
    }

    /// Every row matching `query`'s filters, read page by page (the query's limit and offset are ignored).
    pub async fn list_all(&self, query: &ListQuery) -> Result<Vec<AssignmentSummary>, StoreError> {
        let mut query = ListQuery {
            limit: MAX_PAGE_SIZE,
            offset: 0,
            ..query.clone()
        };
        let mut all = Vec::new();
        loop {
            let page = self.list(&query).await?;
            let done = page.len() < MAX_PAGE_SIZE as usize;
            all.extend(page);
            if done {
                return Ok(all);
            }
            query.offset += MAX_PAGE_SIZE;
        }
    }

    /// How many rows match `query`'s filters (its sort, limit and offset are ignored): the inbox's total,
    /// summed from the counts the triggers of migrations/0002 keep, whose columns the filters share.
    /// With a due filter it counts the matching rows instead.
    pub async fn count(&self, query: &ListQuery) -> Result<i64, StoreError> {
        Ok(count_sql(query)
            .build_query_scalar()
            .fetch_one(&self.pool)
            .await?)
    }

    /// Open assignments per stage, from the kept counts.
    pub async fn stage_counts(&self) -> Result<StageCounts, StoreError> {
        let rows = sqlx::query(
            "SELECT stage, SUM(n) AS n FROM assignment_counts WHERE status = ? GROUP BY stage",
        )
        .bind(AssignmentStatus::Open.as_str())
        .fetch_all(&self.pool)
        .await?;
        let mut counts = StageCounts::default();
        for row in &rows {
            let n = u32::try_from(row.try_get::<i64, _>("n")?)
                .map_err(|e| StoreError::Corrupt(format!("count: {e}")))?;
            match from_wire_name::<Stage>("stage", row.try_get("stage")?)? {
                Stage::Review => counts.review = n,
                Stage::Escalation => counts.escalation = n,
                Stage::SecondApproval => counts.second_approval = n,
                Stage::Audit => counts.audit = n,
            }
        }
        Ok(counts)
    }

    pub async fn count_assignments(&self) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM assignments")
            .fetch_one(&self.pool)
            .await?)
    }

    pub async fn get(&self, item_id: ItemId) -> Result<Option<AssignmentDetail>, StoreError> {
        let Some(row) = sqlx::query(&format!(
            "SELECT {SUMMARY_COLUMNS}, item_json FROM assignments WHERE item_id = ?"
        ))
        .bind(item_id.to_string())
        .fetch_optional(&self.pool)
        .await?
        else {
            return Ok(None);
        };
        let summary = read_summary(&row)?;
        let mut item: Item = from_json("item", row.try_get("item_json")?)?;
        let blind_read =
            super::blind::blind_read_in(&mut *self.pool.acquire().await?, item_id).await?;
        if summary.blind_pending {
            super::blind::withhold_proposal(&mut item);
        }
        let decision = sqlx::query(
            "SELECT * FROM outbox WHERE item_id = ? AND action <> ? ORDER BY seq DESC LIMIT 1",
        )
        .bind(item_id.to_string())
        .bind(wire_name(&Action::Comment))
        .fetch_optional(&self.pool)
        .await?
        .map(|row| read_decision(&row))
        .transpose()?;
        let draft = self.draft(item_id).await?;
        Ok(Some(AssignmentDetail {
            summary,
            item,
            decision,
            draft,
            blind_read,
        }))
    }
}

#[cfg(test)]
mod tests {
    use countersign_domain::Risk;

    use super::*;

    /// Guards the inbox at scale (100,000 cached items), where a page used to sort the whole table
    /// (0.5 to 2 s a page before migration 0002): whatever the filters, a page walks the index of its
    /// sort order and sorts nothing, so each ORDER BY must stay spelled as its index, and a page after
    /// an anchor starts with one seek into that index (migration 0014). Plans depend on the schema, not
    /// on the rows, so an empty store shows them; the benchmark has the timings.
    #[tokio::test]
    async fn inbox_pages_walk_the_index_of_their_sort_order() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open(dir.path()).await.expect("open");

        let filters = [
            ListQuery::default(),
            ListQuery {
                status: Some(AssignmentStatus::Open),
                ..ListQuery::default()
            },
            ListQuery {
                status: Some(AssignmentStatus::Open),
                kind: Some("transaction".into()),
                stage: Some(Stage::Escalation),
                ..ListQuery::default()
            },
            ListQuery {
                risk: Some(Risk::High),
                offset: 500,
                ..ListQuery::default()
            },
            ListQuery {
                due_within_minutes: Some(60),
                ..ListQuery::default()
            },
        ];
        for sort in [SortOrder::Priority, SortOrder::Due, SortOrder::Risk] {
            let anchor: SortKey = sort_index(sort)
                .key
                .iter()
                .map(|(_, key_type)| match key_type {
                    KeyType::Integer => KeyPart::Integer(3),
                    KeyType::Text => KeyPart::Text("2026".into()),
                })
                .collect();
            for filter in &filters {
                let query = ListQuery {
                    sort,
                    ..filter.clone()
                };
                for (walk, after) in [Walk::FromFirst, Walk::FromLast]
                    .into_iter()
                    .flat_map(|walk| [(walk, None), (walk, Some(&anchor))])
                {
                    let plan: Vec<String> = page_sql(
                        "EXPLAIN QUERY PLAN SELECT",
                        SUMMARY_COLUMNS,
                        &query,
                        walk,
                        after,
                    )
                    .build()
                    .fetch_all(&store.pool)
                    .await
                    .expect("explain")
                    .iter()
                    .map(|row| row.try_get::<String, _>("detail").expect("detail"))
                    .collect();
                    let past = if walk == Walk::FromFirst { ">" } else { "<" };
                    let seeks =
                        format!("(({}){past}(", sort_index(sort).columns().replace(' ', ""));
                    assert!(
                        plan.iter().all(|step| !step.contains("TEMP B-TREE"))
                            && plan
                                .iter()
                                .any(|step| step.contains("INDEX assignments_seek_by_"))
                            // A due filter's pages never seek (`Store::list`).
                            && (after.is_none()
                                || query.due_within_minutes.is_some()
                                || plan.iter().any(|step| step.contains(&seeks))),
                        "{query:?} {walk:?} after {after:?} is read as {plan:?}"
                    );
                }
            }
        }
    }
}

//! Reading the inbox: pages, counts and one assignment in full.

use countersign_domain::{Action, Item, ItemId, Stage};
use sqlx::{QueryBuilder, Row, Sqlite};

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
/// the kept counts have no due column: a count with it reads the rows.
fn push_due_filter(sql: &mut QueryBuilder<'_, Sqlite>, query: &ListQuery) {
    if let Some(by) = query.due_by() {
        sql.push(" AND status = ")
            .push_bind(AssignmentStatus::Open.as_str())
            .push(" AND due_at <= ")
            .push_bind(timestamp(by));
    }
}

/// The number of rows matching `query`'s filters, from the counts kept by migrations/0002's triggers;
/// with a due filter, which those counts lack, from the rows.
fn count_sql<'q>(query: &ListQuery) -> QueryBuilder<'q, Sqlite> {
    let mut sql = QueryBuilder::<Sqlite>::new(if query.due_within_minutes.is_some() {
        "SELECT COUNT(*) FROM assignments WHERE 1 = 1"
    } else {
        "SELECT COALESCE(SUM(n), 0) FROM assignment_counts WHERE 1 = 1"
    });
    push_filters(&mut sql, query);
    sql
}

/// Which end of its sort order a page is read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Direction {
    /// From the first row: `LIMIT page OFFSET offset`.
    Forward,
    /// From the last row, the order reversed: a page past the middle walks the index from the near
    /// end (`skip` rows) instead of from the far one, and is turned back in memory.
    Backward { skip: u32, take: u32 },
}

/// `verb` (SELECT, or EXPLAIN QUERY PLAN SELECT) one page of the inbox, read through the index of its
/// sort order (migrations/0002, each ORDER BY spelled exactly as its index, or exactly reversed): the
/// page walks the index, filters on the columns it carries and reads only the rows it returns. Named,
/// not left to the planner, which without fresh statistics sorts every match instead: 0.5 to 2 s a
/// page at 100,000 rows.
fn page_sql<'q>(verb: &str, query: &ListQuery, direction: Direction) -> QueryBuilder<'q, Sqlite> {
    let (index, forward, backward) = match query.sort {
        SortOrder::Priority => (
            "assignments_page_by_priority",
            "priority DESC, due_at IS NULL, due_at, item_id",
            "priority ASC, due_at IS NULL DESC, due_at DESC, item_id DESC",
        ),
        SortOrder::Due => (
            "assignments_page_by_due",
            "due_at IS NULL, due_at, priority DESC, item_id",
            "due_at IS NULL DESC, due_at DESC, priority ASC, item_id DESC",
        ),
        SortOrder::Risk => (
            "assignments_page_by_risk",
            "risk_rank DESC, priority DESC, item_id",
            "risk_rank ASC, priority ASC, item_id DESC",
        ),
    };
    let mut sql = QueryBuilder::<Sqlite>::new(format!(
        "{verb} {SUMMARY_COLUMNS} FROM assignments INDEXED BY {index} WHERE 1 = 1"
    ));
    push_filters(&mut sql, query);
    let (order, limit, offset) = match direction {
        Direction::Forward => (forward, query.page_size(), query.offset),
        Direction::Backward { skip, take } => (backward, take, skip),
    };
    sql.push(format!(" ORDER BY {order}"));
    sql.push(" LIMIT ")
        .push_bind(i64::from(limit))
        .push(" OFFSET ")
        .push_bind(i64::from(offset));
    sql
}

/// How to read `query`'s page when `total` rows match: from the nearer end of the sort order.
fn direction(query: &ListQuery, total: i64) -> Direction {
    let offset = i64::from(query.offset);
    let after = total - offset;
    if offset <= after || after <= 0 {
        return Direction::Forward;
    }
    let take = after.min(i64::from(query.page_size()));
    match (u32::try_from(after - take), u32::try_from(take)) {
        (Ok(skip), Ok(take)) => Direction::Backward { skip, take },
        _ => Direction::Forward,
    }
}

impl Store {
    /// One page of the inbox.
    pub async fn list(&self, query: &ListQuery) -> Result<Vec<AssignmentSummary>, StoreError> {
        // A due filter's total reads the rows, which would cost what reading from the end saves.
        if query.offset == 0 || query.due_within_minutes.is_some() {
            let rows = page_sql("SELECT", query, Direction::Forward)
                .build()
                .fetch_all(&self.pool)
                .await?;
            return rows.iter().map(read_summary).collect();
        }
        // The total and the page from one snapshot, so a backward page ends where the list does.
        let mut read = self.pool.begin().await?;
        let total = count_sql(query)
            .build_query_scalar::<i64>()
            .fetch_one(&mut *read)
            .await?;
        let direction = direction(query, total);
        let rows = page_sql("SELECT", query, direction)
            .build()
            .fetch_all(&mut *read)
            .await?;
        read.commit().await?;
        let mut page = rows
            .iter()
            .map(read_summary)
            .collect::<Result<Vec<_>, _>>()?;
        if direction != Direction::Forward {
            page.reverse();
        }
        Ok(page)
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

    #[test]
    fn pages_past_the_middle_are_read_from_the_end() {
        let page = |offset: u32| ListQuery {
            offset,
            limit: 100,
            ..ListQuery::default()
        };
        assert_eq!(direction(&page(0), 1_000), Direction::Forward);
        assert_eq!(direction(&page(500), 1_000), Direction::Forward);
        assert_eq!(
            direction(&page(600), 1_000),
            Direction::Backward {
                skip: 300,
                take: 100
            }
        );
        assert_eq!(
            direction(&page(950), 1_000),
            Direction::Backward { skip: 0, take: 50 }
        );
        assert_eq!(direction(&page(1_000), 1_000), Direction::Forward);
        assert_eq!(direction(&page(5_000), 1_000), Direction::Forward);
    }

    /// Guards the inbox at scale (100,000 cached items), where a page used to sort the whole table
    /// (0.5 to 2 s a page before migration 0002): whatever the filters, a page walks the index of its
    /// sort order and sorts nothing, so each ORDER BY must stay spelled as its index. Plans depend on
    /// the schema, not on the rows, so an empty store shows them; the benchmark has the timings.
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
        ];
        for sort in [SortOrder::Priority, SortOrder::Due, SortOrder::Risk] {
            for filter in &filters {
                let query = ListQuery {
                    sort,
                    ..filter.clone()
                };
                for direction in [Direction::Forward, Direction::Backward { skip: 7, take: 3 }] {
                    let plan: Vec<String> =
                        page_sql("EXPLAIN QUERY PLAN SELECT", &query, direction)
                            .build()
                            .fetch_all(&store.pool)
                            .await
                            .expect("explain")
                            .iter()
                            .map(|row| row.try_get::<String, _>("detail").expect("detail"))
                            .collect();
                    assert!(
                        plan.iter().all(|step| !step.contains("TEMP B-TREE"))
                            && plan
                                .iter()
                                .any(|step| step.contains("INDEX assignments_page_by_")),
                        "{query:?} {direction:?} is read as {plan:?}"
                    );
                }
            }
        }
    }
}

//! Reading the inbox: pages, counts and one assignment in full.

use countersign_domain::{ItemId, Stage};
use sqlx::{QueryBuilder, Row, Sqlite};

use super::codec::{
    SUMMARY_COLUMNS, from_json, from_wire_name, read_decision, read_summary, risk_rank, timestamp,
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

/// `verb` (SELECT, or EXPLAIN QUERY PLAN SELECT) one page of the inbox, read through the index of its
/// sort order (migrations/0002, each ORDER BY spelled exactly as its index): the page walks the index,
/// filters on the columns it carries and reads only the rows it returns. Named, not left to the planner,
/// which without fresh statistics sorts every match instead: 0.5 to 2 s a page at 100,000 rows.
fn page_sql<'q>(verb: &str, query: &ListQuery) -> QueryBuilder<'q, Sqlite> {
    let (index, order) = match query.sort {
        SortOrder::Priority => (
            "assignments_page_by_priority",
            "priority DESC, due_at IS NULL, due_at, item_id",
        ),
        SortOrder::Due => (
            "assignments_page_by_due",
            "due_at IS NULL, due_at, priority DESC, item_id",
        ),
        SortOrder::Risk => (
            "assignments_page_by_risk",
            "risk_rank DESC, priority DESC, item_id",
        ),
    };
    let mut sql = QueryBuilder::<Sqlite>::new(format!(
        "{verb} {SUMMARY_COLUMNS} FROM assignments INDEXED BY {index} WHERE 1 = 1"
    ));
    push_filters(&mut sql, query);
    sql.push(format!(" ORDER BY {order}"));
    sql.push(" LIMIT ")
        .push_bind(i64::from(query.page_size()))
        .push(" OFFSET ")
        .push_bind(i64::from(query.offset));
    sql
}

impl Store {
    /// One page of the inbox.
    pub async fn list(&self, query: &ListQuery) -> Result<Vec<AssignmentSummary>, StoreError> {
        let rows = page_sql("SELECT", query)
            .build()
            .fetch_all(&self.pool)
            .await?;
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
        let mut sql = QueryBuilder::<Sqlite>::new(if query.due_within_minutes.is_some() {
            "SELECT COUNT(*) FROM assignments WHERE 1 = 1"
        } else {
            "SELECT COALESCE(SUM(n), 0) FROM assignment_counts WHERE 1 = 1"
        });
        push_filters(&mut sql, query);
        Ok(sql.build_query_scalar().fetch_one(&self.pool).await?)
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
        let item = from_json("item", row.try_get("item_json")?)?;
        let decision =
            sqlx::query("SELECT * FROM outbox WHERE item_id = ? ORDER BY seq DESC LIMIT 1")
                .bind(item_id.to_string())
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
        }))
    }
}

#[cfg(test)]
mod tests {
    use countersign_domain::Risk;

    use super::*;

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
                let plan: Vec<String> = page_sql("EXPLAIN QUERY PLAN SELECT", &query)
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
                    "{query:?} is read as {plan:?}"
                );
            }
        }
    }
}

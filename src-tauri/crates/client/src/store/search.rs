//! Searching the cache: the full-text index of migrations/0007_search.sql (every write marks its item
//! stale in its own transaction; [`Store::index_stale`] indexes them all at once), a parsed
//! [`SearchQuery`], the kinds' field filters and the inbox's filters.

use sqlx::{QueryBuilder, Row, Sqlite};

use countersign_domain::ItemId;

use super::codec::{SUMMARY_COLUMNS, from_json, read_summary};
use super::inbox::{order_by, push_filters};
use super::{Store, StoreError};
use crate::model::{AssignmentSummary, ListQuery, MAX_PAGE_SIZE, SortOrder};
use crate::search::{
    FieldFilter, FieldPath, IdentifierFields, SearchQuery, Term, TextSegment, segments,
};

/// Relative weight of a match in the title, the payload and AI text, and the reviewer's notes (bm25).
const BM25_WEIGHTS: &str = "10.0, 1.0, 5.0";
/// Words of context an excerpt shows around its match.
const EXCERPT_WORDS: u32 = 12;
/// Up to this many matches are ranked by relevance; a search matching more (a word in every third
/// item) lists the most recently received first instead. bm25 reads each match's statistics, about
/// 10 to 30 µs a match: ranking 30,000 matches took 150 to 400 ms, past the 50 ms a keystroke may take
/// (README.md, Benchmarks), while listing in the index's own order stops after one page.
pub const RANKED_MATCHES: u32 = 1_000;

/// One result, best first: the row as the inbox shows it, its title and an excerpt around the match,
/// in segments with the matched words marked.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SearchHit {
    pub summary: AssignmentSummary,
    pub title: Vec<TextSegment>,
    pub excerpt: Vec<TextSegment>,
}

/// One page of results and how many items match in all.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SearchPage {
    pub hits: Vec<SearchHit>,
    pub total: u32,
}

/// An assignment related to another: the identifying values the two share.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RelatedItem {
    pub summary: AssignmentSummary,
    pub shared: Vec<FieldFilter>,
}

impl Store {
    /// Indexes every item a write marked stale since the last call, in one transaction and one
    /// set-based statement per step (migrations/0007_search.sql says why). The sync engine calls it
    /// right after a pull; every search calls it before it reads. Cheap when nothing is stale.
    pub async fn index_stale(&self) -> Result<(), StoreError> {
        let stale: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM search_stale)")
            .fetch_one(&self.pool)
            .await?;
        if !stale {
            return Ok(());
        }
        let mut tx = self.begin_immediate().await?;
        sqlx::query(
            "DELETE FROM search_index WHERE rowid IN \
             (SELECT r.id FROM search_stale s JOIN search_rows r USING (item_id))",
        )
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO search_index (rowid, title_text, body_text, notes_text) \
             SELECT r.id, src.title_text, src.body_text, src.notes_text \
             FROM search_stale s JOIN search_rows r USING (item_id) \
             JOIN search_source src ON src.item_id = s.item_id",
        )
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM search_stale")
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Searches the assignments held here for the user's `text` (src/search.rs has its syntax), among
    /// those `filters` lets through (kind, stage, status, risk; its limit and offset page the results;
    /// its sort is replaced by relevance). `fields` says where each `name:value` filter looks.
    pub async fn search(
        &self,
        text: &str,
        fields: &IdentifierFields,
        filters: &ListQuery,
    ) -> Result<SearchPage, StoreError> {
        self.run_search(&SearchQuery::parse(text)?, fields, filters)
            .await
    }

    /// The other assignments held here that share an identifying field's value with `item_id` (the
    /// same merchant, card, customer, patient: the kinds' identifiers, through `fields`), each with
    /// the values it shares, in the inbox's priority order. Works offline.
    pub async fn related(
        &self,
        item_id: ItemId,
        fields: &IdentifierFields,
    ) -> Result<Vec<RelatedItem>, StoreError> {
        let Some(row) = sqlx::query("SELECT kind, item_json FROM assignments WHERE item_id = ?")
            .bind(item_id.to_string())
            .fetch_optional(&self.pool)
            .await?
        else {
            return Err(StoreError::NotHeld(item_id));
        };
        let kind: String = row.try_get("kind")?;
        let item: serde_json::Value = from_json("item", row.try_get("item_json")?)?;
        let mut related: Vec<RelatedItem> = Vec::new();
        for (filter, pointer) in fields.of_kind(&kind) {
            let value = match item.pointer(pointer) {
                Some(serde_json::Value::String(text)) => text.clone(),
                Some(number @ serde_json::Value::Number(_)) => number.to_string(),
                _ => continue,
            };
            let shared = FieldFilter {
                name: filter.to_owned(),
                value,
            };
            let query = SearchQuery {
                filters: vec![shared.clone()],
                ..SearchQuery::default()
            };
            let page = ListQuery {
                limit: MAX_PAGE_SIZE,
                ..ListQuery::default()
            };
            for hit in self.run_search(&query, fields, &page).await?.hits {
                if hit.summary.item_id == item_id {
                    continue;
                }
                match related
                    .iter_mut()
                    .find(|r| r.summary.item_id == hit.summary.item_id)
                {
                    Some(known) => known.shared.push(shared.clone()),
                    None => related.push(RelatedItem {
                        summary: hit.summary,
                        shared: vec![shared.clone()],
                    }),
                }
            }
        }
        related.sort_by(|a, b| {
            b.summary
                .priority
                .cmp(&a.summary.priority)
                .then(a.summary.item_id.cmp(&b.summary.item_id))
        });
        Ok(related)
    }

    async fn run_search(
        &self,
        query: &SearchQuery,
        fields: &IdentifierFields,
        filters: &ListQuery,
    ) -> Result<SearchPage, StoreError> {
        self.index_stale().await?;
        let resolved = query
            .filters
            .iter()
            .map(|filter| Ok((filter, fields.paths(&filter.name)?)))
            .collect::<Result<Vec<_>, crate::search::QueryError>>()?;

        // A filter on a field the index holds also narrows by the index: its value's words must be there.
        let mut narrowed = query.clone();
        for (filter, paths) in &resolved {
            if paths.iter().all(|path| path.indexed)
                && filter.value.chars().any(char::is_alphanumeric)
            {
                narrowed.groups.push(vec![Term {
                    text: filter.value.clone(),
                    prefix: false,
                }]);
            }
        }

        let expression = narrowed.fts_match();
        let ranked = match &expression {
            Some(expression) => {
                let matches: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM (SELECT rowid FROM search_index \
                     WHERE search_index MATCH ? LIMIT ?)",
                )
                .bind(expression)
                .bind(i64::from(RANKED_MATCHES) + 1)
                .fetch_one(&self.pool)
                .await?;
                matches <= i64::from(RANKED_MATCHES)
            }
            None => false,
        };
        let matching = |columns: &str| {
            let mut sql = match &expression {
                Some(expression) => {
                    let mut sql = QueryBuilder::<Sqlite>::new(format!(
                        "SELECT {columns} \
                         FROM search_index JOIN search_rows ON search_rows.id = search_index.rowid \
                         JOIN assignments USING (item_id) WHERE search_index MATCH "
                    ));
                    sql.push_bind(expression.clone());
                    sql
                }
                None => {
                    let mut sql = QueryBuilder::<Sqlite>::new(format!(
                        "SELECT {columns} FROM assignments WHERE 1 = 1"
                    ));
                    if let Some(excluded) = narrowed.fts_excluded() {
                        sql.push(
                            " AND item_id NOT IN (SELECT item_id FROM search_rows WHERE id IN \
                             (SELECT rowid FROM search_index WHERE search_index MATCH ",
                        )
                        .push_bind(excluded)
                        .push("))");
                    }
                    sql
                }
            };
            push_filters(&mut sql, filters);
            for (filter, paths) in &resolved {
                push_field_filter(&mut sql, paths, &filter.value);
            }
            sql
        };
        let total: i64 = matching("COUNT(*)")
            .build_query_scalar()
            .fetch_one(&self.pool)
            .await?;
        let mut sql = matching(&if expression.is_some() {
            format!(
                "{SUMMARY_COLUMNS}, highlight(search_index, 0, char(1), char(2)) AS title_marked, \
                 snippet(search_index, -1, char(1), char(2), '…', {EXCERPT_WORDS}) AS excerpt_marked"
            )
        } else {
            format!("{SUMMARY_COLUMNS}, NULL AS title_marked, NULL AS excerpt_marked")
        });
        if narrowed.groups.is_empty() {
            sql.push(format!(" ORDER BY {}", order_by(SortOrder::Priority)));
        } else if ranked {
            sql.push(format!(
                " ORDER BY bm25(search_index, {BM25_WEIGHTS}), item_id"
            ));
        } else {
            // The index's own order (search_rows.id grows as items arrive): read one page, sort nothing.
            sql.push(" ORDER BY search_index.rowid DESC");
        }
        sql.push(" LIMIT ")
            .push_bind(i64::from(filters.page_size()))
            .push(" OFFSET ")
            .push_bind(i64::from(filters.offset));

        let rows = sql.build().fetch_all(&self.pool).await?;
        let hits = rows
            .iter()
            .map(|row| {
                let summary = read_summary(row)?;
                let title = match row.try_get::<Option<String>, _>("title_marked")? {
                    Some(marked) => segments(&marked),
                    None => vec![TextSegment {
                        text: summary.title.clone(),
                        matched: false,
                    }],
                };
                // An excerpt may quote the AI's proposal: none before a blind read is recorded.
                let excerpt = row
                    .try_get::<Option<String>, _>("excerpt_marked")?
                    .filter(|_| !summary.blind_pending)
                    .map(|marked| segments(&marked))
                    .unwrap_or_default();
                Ok(SearchHit {
                    summary,
                    title,
                    excerpt,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        Ok(SearchPage {
            hits,
            total: u32::try_from(total).unwrap_or(u32::MAX),
        })
    }
}

/// `name:value`: for one of the kinds naming the filter, that field equals the value, ignoring ASCII
/// case. Items of other kinds never match.
fn push_field_filter(sql: &mut QueryBuilder<'_, Sqlite>, paths: &[FieldPath], value: &str) {
    sql.push(" AND (0");
    for path in paths {
        sql.push(" OR (kind = ")
            .push_bind(path.kind.clone())
            .push(" AND lower(json_extract(item_json, ")
            .push_bind(path.path.clone())
            .push(")) = lower(")
            .push_bind(value.to_owned())
            .push("))");
    }
    sql.push(")");
}

//! Saved views (migrations/0008_saved_views.sql): the reviewer's own kept here, the builtin ones added
//! for the role, each counted live against the held items.

use chrono::{DateTime, Utc};
use countersign_domain::Role;
use sqlx::Row;

use super::codec::{from_json, timestamp, to_json};
use super::{Store, StoreError};
use crate::search::IdentifierFields;
use crate::views::{
    self, BUILTIN_PREFIX, BuiltinView, SavedView, SavedViewCount, ViewError, ViewFilter,
};

impl Store {
    /// The builtin views of `role`, then the reviewer's own by name, each with how many held items it
    /// lists now (`now` is when "due within" counts from). A stored view whose search the synced kinds
    /// no longer support counts 0 (opening it shows why).
    pub async fn saved_views(
        &self,
        role: Option<Role>,
        fields: &IdentifierFields,
        now: DateTime<Utc>,
    ) -> Result<Vec<SavedViewCount>, StoreError> {
        let rows = sqlx::query("SELECT id, name, filter_json FROM saved_views ORDER BY name, id")
            .fetch_all(&self.pool)
            .await?;
        let mut all: Vec<SavedView> = BuiltinView::for_role(role)
            .into_iter()
            .map(BuiltinView::view)
            .collect();
        for row in &rows {
            all.push(SavedView {
                id: row.try_get("id")?,
                name: row.try_get("name")?,
                builtin: None,
                filter: from_json("saved view", row.try_get("filter_json")?)?,
            });
        }
        let mut counted = Vec::with_capacity(all.len());
        for view in all {
            let count = self.view_count(&view.filter, fields, now).await?;
            counted.push(SavedViewCount { view, count });
        }
        Ok(counted)
    }

    async fn view_count(
        &self,
        filter: &ViewFilter,
        fields: &IdentifierFields,
        now: DateTime<Utc>,
    ) -> Result<u32, StoreError> {
        let query = filter.list_query().at(now);
        let count = match &filter.search {
            None => self.count(&query).await?,
            Some(text) => match self.search(text, fields, &query).await {
                Ok(page) => i64::from(page.total),
                Err(StoreError::Query(error)) => {
                    tracing::debug!(%error, "a saved view's search no longer runs");
                    0
                }
                Err(error) => return Err(error),
            },
        };
        Ok(u32::try_from(count).unwrap_or(u32::MAX))
    }

    /// Keeps a view of the reviewer's under `name` (trimmed; unique, ignoring case).
    pub async fn save_view(
        &self,
        name: &str,
        filter: &ViewFilter,
        now: DateTime<Utc>,
    ) -> Result<SavedView, StoreError> {
        let name = views::check(name, filter)?;
        let view = SavedView {
            id: uuid::Uuid::now_v7().to_string(),
            name,
            builtin: None,
            filter: filter.clone(),
        };
        let inserted = sqlx::query(
            "INSERT INTO saved_views (id, name, filter_json, created_at) VALUES (?, ?, ?, ?) \
             ON CONFLICT (name) DO NOTHING",
        )
        .bind(&view.id)
        .bind(&view.name)
        .bind(to_json(&view.filter)?)
        .bind(timestamp(now))
        .execute(&self.pool)
        .await?;
        if inserted.rows_affected() == 0 {
            return Err(ViewError::DuplicateName(view.name).into());
        }
        Ok(view)
    }

    pub async fn delete_view(&self, id: &str) -> Result<(), StoreError> {
        if id.starts_with(BUILTIN_PREFIX) {
            return Err(ViewError::Builtin.into());
        }
        let deleted = sqlx::query("DELETE FROM saved_views WHERE id = ?")
            .bind(id)
            .execute(&self.pool)
            .await?;
        if deleted.rows_affected() == 0 {
            return Err(ViewError::Unknown(id.to_owned()).into());
        }
        Ok(())
    }
}

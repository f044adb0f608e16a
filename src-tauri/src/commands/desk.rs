//! The reviewer's desk at volume: search, related cases, bulk decisions and saved views.

use countersign_client::bulk::{BulkDecision, BulkOutcome, BulkSkip};
use countersign_client::model::ListQuery;
use countersign_client::related::{RelatedCases, related_cases};
use countersign_client::search::IdentifierFields;
use countersign_client::store::{SearchPage, Store};
use countersign_client::views::{SavedView, SavedViewCount, ViewFilter};
use countersign_client::{Clock, SystemClock};
use countersign_domain::{Action, ItemId};
use tauri::State;

use crate::error::AppError;
use crate::session::Shell;

/// The synced kinds' identifying fields, which `name:value` filters and related cases follow.
async fn identifier_fields(store: &Store) -> Result<IdentifierFields, AppError> {
    Ok(IdentifierFields::from_kinds(&store.kinds().await?.kinds))
}

/// Searches the held items (src/search.rs syntax), among those `query` filters in, best first.
#[tauri::command]
pub async fn search(
    shell: State<'_, Shell>,
    text: String,
    query: ListQuery,
) -> Result<SearchPage, AppError> {
    let store = shell.current().await?.core.store.clone();
    let fields = identifier_fields(&store).await?;
    Ok(store
        .search(&text, &fields, &query.at(SystemClock.now()))
        .await?)
}

/// Items sharing the open item's identifying values: the server's answer merged with the held ones,
/// the held ones alone when it cannot answer.
#[tauri::command]
pub async fn related(shell: State<'_, Shell>, item_id: ItemId) -> Result<RelatedCases, AppError> {
    let session = shell.current().await?;
    let store = &session.core.store;
    let fields = identifier_fields(store).await?;
    Ok(related_cases(store, session.core.remote.as_ref(), item_id, &fields).await?)
}

/// Decides the eligible items of `item_ids` (one transaction, one decision each); returns once they
/// are durable, the upload happens in the background.
#[tauri::command]
pub async fn decide_many(
    shell: State<'_, Shell>,
    item_ids: Vec<ItemId>,
    decision: BulkDecision,
) -> Result<BulkOutcome, AppError> {
    let session = shell.current().await?;
    let outcome = session
        .core
        .store
        .decide_many(&item_ids, &decision, SystemClock.now())
        .await?;
    shell.changed(true);
    Ok(outcome)
}

/// What `decide_many` would skip for `action`, without deciding.
#[tauri::command]
pub async fn bulk_eligibility(
    shell: State<'_, Shell>,
    item_ids: Vec<ItemId>,
    action: Action,
) -> Result<Vec<BulkSkip>, AppError> {
    let store = shell.current().await?.core.store.clone();
    Ok(store.bulk_eligibility(&item_ids, action).await?)
}

#[tauri::command]
pub async fn saved_views(shell: State<'_, Shell>) -> Result<Vec<SavedViewCount>, AppError> {
    let session = shell.current().await?;
    let store = &session.core.store;
    let role = session.core.me.as_ref().map(|me| me.role);
    let fields = identifier_fields(store).await?;
    Ok(store.saved_views(role, &fields, SystemClock.now()).await?)
}

#[tauri::command]
pub async fn save_view(
    shell: State<'_, Shell>,
    name: String,
    filter: ViewFilter,
) -> Result<SavedView, AppError> {
    let store = shell.current().await?.core.store.clone();
    Ok(store.save_view(&name, &filter, SystemClock.now()).await?)
}

#[tauri::command]
pub async fn delete_view(shell: State<'_, Shell>, id: String) -> Result<(), AppError> {
    let store = shell.current().await?.core.store.clone();
    Ok(store.delete_view(&id).await?)
}

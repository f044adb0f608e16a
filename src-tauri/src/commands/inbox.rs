//! The inbox, one assignment, deciding and undoing, drafts and conflicts, and the synced kinds.

use countersign_client::model::{ConflictRecord, Draft, ListQuery, RecordedDecision};
use countersign_client::{Clock, SystemClock};
use countersign_domain::ItemId;
use countersign_domain::kind::KindList;
use tauri::State;

use crate::error::{AppError, ErrorCode};
use crate::session::Shell;
use crate::view::{AssignmentView, BlindReadRequest, DecisionRequest, InboxPage};

#[tauri::command]
pub async fn list_assignments(
    shell: State<'_, Shell>,
    query: ListQuery,
) -> Result<InboxPage, AppError> {
    let store = shell.current().await?.core.store.clone();
    let query = query.at(SystemClock.now());
    Ok(InboxPage {
        rows: store.list(&query).await?,
        total: store.count(&query).await?,
        counts: store.stage_counts().await?,
    })
}

/// Opening an item records it, so the next pull reports it and its lease keeps renewing
/// (docs/protocol.md, "Pull").
#[tauri::command]
pub async fn get_assignment(
    shell: State<'_, Shell>,
    item_id: ItemId,
) -> Result<AssignmentView, AppError> {
    let detail = shell
        .current()
        .await?
        .core
        .store
        .open_assignment(item_id)
        .await?;
    detail.map(AssignmentView::from).ok_or_else(|| {
        AppError::new(
            ErrorCode::NotFound,
            format!("no assignment {item_id} is held here"),
        )
    })
}

/// Returns once the decision is durably in the store and the outbox; the upload happens in the
/// background.
#[tauri::command]
pub async fn decide(
    shell: State<'_, Shell>,
    item_id: ItemId,
    input: DecisionRequest,
) -> Result<RecordedDecision, AppError> {
    let (input, pin) = input.into_input();
    let session = shell.current().await?;
    let decision = session
        .core
        .decide(item_id, &input, pin.as_deref(), SystemClock.now())
        .await?;
    shell.changed(true);
    Ok(decision)
}

/// Records the reviewer's own verdict on an item read blind first, which reveals the AI's proposal;
/// returns the assignment as it now shows.
#[tauri::command]
pub async fn record_blind_read(
    shell: State<'_, Shell>,
    item_id: ItemId,
    read: BlindReadRequest,
) -> Result<AssignmentView, AppError> {
    let session = shell.current().await?;
    let store = &session.core.store;
    store
        .record_blind_read(
            item_id,
            read.verdict,
            read.confidence,
            read.note,
            SystemClock.now(),
        )
        .await?;
    let detail = store
        .get(item_id)
        .await?
        .ok_or_else(|| AppError::new(ErrorCode::NotFound, format!("no assignment {item_id}")))?;
    shell.changed(true);
    Ok(detail.into())
}

#[tauri::command]
pub async fn undo_decision(shell: State<'_, Shell>, item_id: ItemId) -> Result<(), AppError> {
    let session = shell.current().await?;
    session.core.store.undo(item_id, SystemClock.now()).await?;
    shell.changed(true);
    Ok(())
}

#[tauri::command]
pub async fn save_draft(
    shell: State<'_, Shell>,
    item_id: ItemId,
    text: String,
) -> Result<(), AppError> {
    let draft = Draft {
        note: Some(text),
        ..Draft::default()
    };
    let session = shell.current().await?;
    session
        .core
        .store
        .save_draft(item_id, &draft, SystemClock.now())
        .await?;
    Ok(())
}

#[tauri::command]
pub async fn list_conflicts(shell: State<'_, Shell>) -> Result<Vec<ConflictRecord>, AppError> {
    Ok(shell.current().await?.core.store.conflicts(false).await?)
}

#[tauri::command]
pub async fn resolve_conflict(shell: State<'_, Shell>, id: i64) -> Result<(), AppError> {
    let session = shell.current().await?;
    session
        .core
        .store
        .resolve_conflict(id, SystemClock.now())
        .await?;
    shell.changed(true);
    Ok(())
}

/// The kinds the server registered, as last synced (docs/protocol.md, "Kinds"): how to lay out each
/// kind's items and the reasons a reject may carry. Served from the local store, so it works offline.
#[tauri::command]
pub async fn kinds(shell: State<'_, Shell>) -> Result<KindList, AppError> {
    Ok(shell.current().await?.core.store.kinds().await?)
}

//! The inbox, one assignment, deciding and undoing, drafts and conflicts.

use countersign_client::store::{ConflictRecord, Draft, RecordedDecision};
use countersign_client::{Clock as _, SystemClock};
use countersign_domain::Action;
use serde_json::Value;
use tauri::State;

use super::item_id;
use crate::error::{AppError, ErrorCode};
use crate::session::Shell;
use crate::view::{AssignmentView, DecisionRequest, InboxPage, InboxQuery};

#[tauri::command]
pub async fn list_assignments(
    shell: State<'_, Shell>,
    query: InboxQuery,
) -> Result<InboxPage, AppError> {
    let store = shell.current().await.store.clone();
    let query = query.into();
    Ok(InboxPage {
        rows: store.list(&query).await?,
        total: store.count(&query).await?,
        counts: store.stage_counts().await?,
    })
}

#[tauri::command]
pub async fn get_assignment(
    shell: State<'_, Shell>,
    item_id: String,
) -> Result<AssignmentView, AppError> {
    let id = self::item_id(&item_id)?;
    let detail = shell.current().await.store.get(id).await?;
    detail.map(AssignmentView::from).ok_or_else(|| {
        AppError::new(
            ErrorCode::NotFound,
            format!("no assignment {id} is held here"),
        )
    })
}

/// Returns once the decision is durably in the store and the outbox; the upload happens in the
/// background.
#[tauri::command]
pub async fn decide(
    shell: State<'_, Shell>,
    item_id: String,
    input: DecisionRequest,
) -> Result<RecordedDecision, AppError> {
    let id = self::item_id(&item_id)?;
    let session = shell.current().await;
    let signs_off = matches!(input.action, Action::Approve | Action::ApproveWithEdits);
    if signs_off {
        let detail = session.store.get(id).await?;
        let asks = detail.is_some_and(|d| {
            d.item.payload.get("requires_attestation") == Some(&Value::Bool(true))
        });
        // A sign-off is only as good as the proof that the signed-in reviewer made it.
        if asks
            && !input
                .credential
                .as_deref()
                .is_some_and(|c| session.credential_matches(c))
        {
            return Err(AppError::new(
                ErrorCode::BadCredential,
                "the credential does not match the one you signed in with; re-enter it to sign off",
            ));
        }
    }
    let decision = session
        .store
        .decide(id, &input.into_input(), SystemClock.now())
        .await?;
    shell.changed(true);
    Ok(decision)
}

#[tauri::command]
pub async fn undo_decision(shell: State<'_, Shell>, item_id: String) -> Result<(), AppError> {
    let id = self::item_id(&item_id)?;
    shell
        .current()
        .await
        .store
        .undo(id, SystemClock.now())
        .await?;
    shell.changed(true);
    Ok(())
}

#[tauri::command]
pub async fn save_draft(
    shell: State<'_, Shell>,
    item_id: String,
    text: String,
) -> Result<(), AppError> {
    let id = self::item_id(&item_id)?;
    let draft = Draft {
        note: Some(text),
        ..Draft::default()
    };
    shell
        .current()
        .await
        .store
        .save_draft(id, &draft, SystemClock.now())
        .await?;
    Ok(())
}

#[tauri::command]
pub async fn list_conflicts(shell: State<'_, Shell>) -> Result<Vec<ConflictRecord>, AppError> {
    Ok(shell.current().await.store.conflicts(false).await?)
}

#[tauri::command]
pub async fn resolve_conflict(shell: State<'_, Shell>, id: i64) -> Result<(), AppError> {
    shell
        .current()
        .await
        .store
        .resolve_conflict(id, SystemClock.now())
        .await?;
    shell.changed(true);
    Ok(())
}

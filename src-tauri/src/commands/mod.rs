//! The commands the UI invokes (contract/desktop-api.md): a few lines each over the desktop core.

pub mod inbox;
pub mod session;

use countersign_domain::ItemId;

use crate::error::{AppError, ErrorCode};

fn item_id(text: &str) -> Result<ItemId, AppError> {
    text.parse()
        .map_err(|_| AppError::new(ErrorCode::NotFound, format!("{text:?} is not an item id")))
}

/// Every command the UI may call; build.rs names the same list for the capability permissions.
#[macro_export]
macro_rules! command_handler {
    () => {
        tauri::generate_handler![
            $crate::commands::session::app_status,
            $crate::commands::session::sync_now,
            $crate::commands::session::sign_in,
            $crate::commands::session::sign_out,
            $crate::commands::session::use_embedded_demo,
            $crate::commands::inbox::list_assignments,
            $crate::commands::inbox::get_assignment,
            $crate::commands::inbox::decide,
            $crate::commands::inbox::undo_decision,
            $crate::commands::inbox::save_draft,
            $crate::commands::inbox::list_conflicts,
            $crate::commands::inbox::resolve_conflict,
        ]
    };
}

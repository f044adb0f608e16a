/// Every command the UI may call. Naming them here makes Tauri generate an `allow-<command>` permission
/// for each and refuse any command a capability does not grant (least privilege), instead of allowing
/// all app commands by default. Keep in step with `command_handler!` in src/commands/mod.rs.
const COMMANDS: &[&str] = &[
    "app_status",
    "sync_now",
    "sign_in",
    "sign_out",
    "use_embedded_demo",
    "list_assignments",
    "get_assignment",
    "decide",
    "undo_decision",
    "save_draft",
    "list_conflicts",
    "resolve_conflict",
];

fn main() {
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .expect("the Tauri configuration and capabilities are valid");
}

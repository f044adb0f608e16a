// Every command the UI may call, written once: build.rs includes this list to make Tauri generate an
// `allow-<command>` permission for each and refuse any command a capability does not grant (least
// privilege), and the test in commands/mod.rs proves the handler and capabilities/main.json name the
// same commands. (Plain comments: build.rs includes this file, where inner doc comments cannot go.)
const COMMANDS: &[&str] = &[
    "app_status",
    "sync_now",
    "sign_in",
    "sign_out",
    "use_embedded_demo",
    "set_undo_window",
    "notification_preferences",
    "set_notification_preferences",
    "list_assignments",
    "get_assignment",
    "decide",
    "undo_decision",
    "save_draft",
    "list_conflicts",
    "resolve_conflict",
    "admin_directory",
    "change_user",
    "rotate_token",
    "queue_health",
    "shift_items",
    "end_shift",
    "kinds",
];

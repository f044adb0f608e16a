//! The commands the UI invokes: a few lines each over the desktop core, taking typed ids.

pub mod admin;
pub mod desk;
pub mod fatigue;
pub mod inbox;
pub mod session;
/// The analytics view's reports (seniors and admins).
pub mod stats;
pub mod story;

/// Declares the handler and, for the test below, the names it answers, from one list of commands.
macro_rules! commands {
    ($($module:ident :: $name:ident),+ $(,)?) => {
        /// Every command the UI may call (the same list as `names.rs`, which the test checks).
        pub fn handler<R: tauri::Runtime>(
        ) -> impl Fn(tauri::ipc::Invoke<R>) -> bool + Send + Sync + 'static {
            tauri::generate_handler![$($module::$name),+]
        }

        #[cfg(test)]
        const HANDLED: &[&str] = &[$(stringify!($name)),+];
    };
}

commands!(
    session::app_status,
    session::sync_now,
    session::sign_in,
    session::sign_out,
    session::use_embedded_demo,
    session::set_undo_window,
    session::notification_preferences,
    session::set_notification_preferences,
    inbox::list_assignments,
    inbox::get_assignment,
    inbox::decide,
    inbox::undo_decision,
    inbox::save_draft,
    inbox::list_conflicts,
    inbox::resolve_conflict,
    admin::admin_directory,
    admin::change_user,
    admin::rotate_token,
    admin::queue_health,
    admin::shift_items,
    admin::end_shift,
    inbox::kinds,
    desk::search,
    desk::related,
    desk::decide_many,
    desk::bulk_eligibility,
    desk::saved_views,
    desk::save_view,
    desk::delete_view,
    story::item_history,
    story::comment,
    session::set_signing_pin,
    stats::stats_overview,
    stats::thresholds_report,
    stats::gold_stats,
    inbox::record_blind_read,
    stats::blind_report,
    fatigue::item_opened,
    fatigue::own_fatigue,
    stats::fatigue_report,
);

#[cfg(test)]
mod tests {
    include!("names.rs");

    fn sorted<S: AsRef<str>>(names: impl IntoIterator<Item = S>) -> Vec<String> {
        let mut names: Vec<String> = names.into_iter().map(|n| n.as_ref().to_owned()).collect();
        names.sort();
        names
    }

    /// build.rs (names.rs), the handler and the capability must agree, or a command is either refused
    /// at run time or granted without a handler.
    #[test]
    fn build_rs_the_handler_and_the_capability_name_the_same_commands() {
        let listed = sorted(COMMANDS);
        assert_eq!(sorted(super::HANDLED), listed, "handler vs names.rs");
        let capability: serde_json::Value =
            serde_json::from_str(include_str!("../../capabilities/main.json"))
                .expect("capabilities/main.json is JSON");
        let granted = sorted(
            capability["permissions"]
                .as_array()
                .expect("a permission list")
                .iter()
                .filter_map(|p| p.as_str()?.strip_prefix("allow-"))
                .map(|p| p.replace('-', "_")),
        );
        assert_eq!(granted, listed, "capabilities/main.json vs names.rs");
    }
}

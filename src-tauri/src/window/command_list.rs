// The commands the window's page may call, listed once. `build.rs` includes this file
// and declares each, so that tauri generates its `allow-<command>` permission;
// `process.rs` registers the same list as the window's handlers; a test checks that
// `capabilities/main.json` grants exactly these. Adding a command is this one edit,
// its function in `process.rs`, and its line in the capability file.
//
// Plain comments, no items but macros and a constant: `include!` in `build.rs` takes
// no inner doc comments or attributes.

/// Calls `$then!` with the window's commands, in the order `tauri` registers them.
macro_rules! window_commands {
    ($then:ident) => {
        $then!(
            get_view,
            act,
            open_incident,
            get_settings,
            save_account,
            remove_account,
            set_token,
            test_connection,
            test_alarm,
            save_notifications,
            save_report,
            set_autostart,
            pause,
            resume,
            get_history,
            open_log_folder,
            get_report,
            export_report_csv,
            open_report_folder,
            cover_shift,
            incident_details,
            find_assignees,
            mute_service,
            unmute_service,
            migrate_account,
            dismiss_notice,
        )
    };
}

/// The names of commands, as strings.
macro_rules! command_names {
    ($($command:ident),* $(,)?) => {
        [$(stringify!($command)),*]
    };
}

/// The window's commands by name.
#[allow(dead_code)] // Read by `build.rs` and the tests.
pub const WINDOW_COMMANDS: &[&str] = &window_commands!(command_names);

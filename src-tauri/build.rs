fn main() {
    // Every command the window may call is declared here, so tauri generates an
    // `allow-<command>` permission for it and the capability file can grant exactly these.
    tauri_build::try_build(tauri_build::Attributes::new().app_manifest(
        tauri_build::AppManifest::new().commands(&[
            "get_view",
            "act",
            "open_incident",
            "get_settings",
            "save_account",
            "remove_account",
            "set_token",
            "test_connection",
            "test_alarm",
            "save_notifications",
            "set_autostart",
            "pause",
            "resume",
            "get_history",
            "open_log_folder",
        ]),
    ))
    .expect("tauri build step failed");
}

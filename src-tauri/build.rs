fn main() {
    // Every command the window may call is declared here, so tauri generates an
    // `allow-<command>` permission for it and the capability file can grant exactly these.
    tauri_build::try_build(tauri_build::Attributes::new().app_manifest(
        tauri_build::AppManifest::new().commands(&["get_view", "act", "open_incident"]),
    ))
    .expect("tauri build step failed");
}

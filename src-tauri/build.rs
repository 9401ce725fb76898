// `window_commands!` and `WINDOW_COMMANDS`: the one list of the window's commands.
include!("src/window/command_list.rs");

fn main() {
    // Every command the window may call is declared here, so tauri generates an
    // `allow-<command>` permission for it and the capability file can grant exactly these.
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(WINDOW_COMMANDS)),
    )
    .expect("tauri build step failed");
}

//! The tray's pictures as icon files a tray host can load by name: the item names its
//! icon (`IconName`) and the folder to find it in (`IconThemePath`), as
//! libayatana-appindicator does, and every host that shows items reads those two.
//! The files are written at start into the user's runtime folder (a tmpfs that only
//! the user can read, emptied at logout), one set per version of the pictures.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context as _;

use crate::tray::menu::TrayState;

/// Each state's picture, as built into the binary.
const PICTURES: [(TrayState, &str, &[u8]); 6] = [
    (
        TrayState::Error,
        "error",
        include_bytes!("../../../../icons/tray-error.png"),
    ),
    (
        TrayState::Triggered,
        "triggered",
        include_bytes!("../../../../icons/tray-triggered.png"),
    ),
    (
        TrayState::Paused,
        "paused",
        include_bytes!("../../../../icons/tray-paused.png"),
    ),
    (
        TrayState::Acknowledged,
        "acknowledged",
        include_bytes!("../../../../icons/tray-acknowledged.png"),
    ),
    (
        TrayState::OnCall,
        "oncall",
        include_bytes!("../../../../icons/tray-oncall.png"),
    ),
    (
        TrayState::Clear,
        "clear",
        include_bytes!("../../../../icons/tray-clear.png"),
    ),
];

/// The icon name of `state`'s picture.
pub fn name(state: TrayState) -> String {
    let (_, suffix, _) = PICTURES
        .iter()
        .find(|(s, _, _)| *s == state)
        .expect("every state has a picture");
    format!("oncall-tray-{suffix}")
}

/// Writes the pictures (each only if missing or different) and returns their folder.
pub fn write() -> anyhow::Result<PathBuf> {
    let folder = folder();
    create_private_dir(&folder)?;
    for (state, _, bytes) in PICTURES {
        let path = folder.join(format!("{}.png", name(state)));
        if std::fs::read(&path).is_ok_and(|old| old == bytes) {
            continue;
        }
        write_aside(&path, bytes).with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(folder)
}

/// `$XDG_RUNTIME_DIR/oncall-tray/tray-icons`, or a folder of the user's in the
/// temporary folder where there is no runtime folder.
fn folder() -> PathBuf {
    match dirs::runtime_dir() {
        Some(runtime) => runtime.join("oncall-tray").join("tray-icons"),
        None => std::env::temp_dir().join(format!(
            "oncall-tray-{}-tray-icons",
            rustix::process::getuid().as_raw()
        )),
    }
}

fn create_private_dir(folder: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::DirBuilderExt as _;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(folder)
        .with_context(|| format!("cannot create {}", folder.display()))
}

/// Writes aside, then renames: a host reading the file never finds half a picture.
fn write_aside(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let folder = path.parent().expect("a file in a folder");
    let mut file = tempfile::NamedTempFile::new_in(folder)?;
    file.write_all(bytes)?;
    file.persist(path).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_state_has_its_own_picture() {
        let mut names: Vec<String> = PICTURES.iter().map(|(s, _, _)| name(*s)).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), PICTURES.len());
        for (_, _, bytes) in PICTURES {
            assert!(bytes.starts_with(b"\x89PNG"), "a PNG");
        }
    }
}

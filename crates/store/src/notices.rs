//! `notices.json`: the Settings notices the user dismissed ("Opsgenie stops working on
//! …"), by id, so that a notice shown once and put away stays away across restarts.
//!
//! Only the app writes this file, one change at a time (the Settings store's own lock),
//! so a read-modify-write needs no file lock of its own, unlike `mutes.json`. Like the
//! app's other files it is written atomically, and an unparsable one is moved aside
//! (with a warning naming where) and read as "nothing dismissed": the worst a broken
//! file does is show a notice again.

use std::collections::BTreeSet;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::json_file::{self, Loaded};
use crate::{Dirs, StoreError};

/// The file's shape: an object, so that later versions can add to it.
#[derive(Debug, Default, Serialize, Deserialize)]
struct NoticesFile {
    #[serde(default)]
    dismissed: BTreeSet<String>,
}

/// Where the dismissed notices are kept, in the data directory.
pub fn notices_file(dirs: &Dirs) -> PathBuf {
    dirs.data_dir.join("notices.json")
}

/// The ids of the notices the user dismissed. A missing file: none.
pub fn dismissed(dirs: &Dirs) -> Result<Loaded<BTreeSet<String>>, StoreError> {
    let loaded: Loaded<NoticesFile> = json_file::load(&notices_file(dirs))?;
    Ok(Loaded {
        value: loaded.value.dismissed,
        warning: loaded.warning,
    })
}

/// Remembers that the user dismissed notice `id`; returns every dismissed id after the
/// change. Dismissing one twice changes nothing (and writes nothing).
pub fn dismiss(dirs: &Dirs, id: &str) -> Result<Loaded<BTreeSet<String>>, StoreError> {
    let Loaded {
        value: mut dismissed,
        warning,
    } = dismissed(dirs)?;
    if dismissed.insert(id.to_owned()) {
        json_file::save(
            &notices_file(dirs),
            &NoticesFile {
                dismissed: dismissed.clone(),
            },
        )?;
    }
    Ok(Loaded {
        value: dismissed,
        warning,
    })
}

#[cfg(test)]
mod tests {
    use std::fs;

    use tempfile::TempDir;

    use super::*;

    fn dirs(dir: &TempDir) -> Dirs {
        Dirs {
            config_dir: dir.path().join("config"),
            data_dir: dir.path().join("data"),
        }
    }

    #[test]
    fn nothing_is_dismissed_until_the_user_dismisses_it() {
        let dir = TempDir::new().unwrap();
        let dirs = dirs(&dir);
        assert!(dismissed(&dirs).unwrap().value.is_empty());
        assert!(!notices_file(&dirs).exists(), "reading creates nothing");

        dismiss(&dirs, "opsgenie-end").unwrap();
        let again = dismiss(&dirs, "opsgenie-end").unwrap();
        assert_eq!(again.value, BTreeSet::from(["opsgenie-end".to_owned()]));
        // What the next start reads.
        let read = dismissed(&dirs).unwrap();
        assert_eq!(read.value, BTreeSet::from(["opsgenie-end".to_owned()]));
        assert_eq!(read.warning, None);
        assert_eq!(
            fs::read_to_string(notices_file(&dirs)).unwrap(),
            "{\"dismissed\":[\"opsgenie-end\"]}\n"
        );
    }

    /// A broken file shows the notices again, and is kept aside for a bug report.
    #[test]
    fn an_unreadable_file_is_moved_aside_and_read_as_nothing_dismissed() {
        let dir = TempDir::new().unwrap();
        let dirs = dirs(&dir);
        fs::create_dir_all(&dirs.data_dir).unwrap();
        fs::write(notices_file(&dirs), "{\"dismissed\": 42").unwrap();

        let read = dismissed(&dirs).unwrap();
        assert!(read.value.is_empty());
        let warning = read.warning.expect("a warning naming where the file went");
        assert!(warning.contains("notices.json.corrupt-"), "{warning}");
        assert!(!notices_file(&dirs).exists());

        let after = dismiss(&dirs, "opsgenie-end").unwrap();
        assert_eq!(after.value, BTreeSet::from(["opsgenie-end".to_owned()]));
        assert_eq!(
            dismissed(&dirs).unwrap().value,
            BTreeSet::from(["opsgenie-end".to_owned()])
        );
    }

    /// A later version's extra keys and ids this one does not know are kept readable.
    #[test]
    fn unknown_ids_and_keys_are_read_without_complaint() {
        let dir = TempDir::new().unwrap();
        let dirs = dirs(&dir);
        fs::create_dir_all(&dirs.data_dir).unwrap();
        fs::write(
            notices_file(&dirs),
            r#"{"dismissed":["some-later-notice"],"shown":{"x":1}}"#,
        )
        .unwrap();
        let read = dismissed(&dirs).unwrap();
        assert_eq!(read.value, BTreeSet::from(["some-later-notice".to_owned()]));
        assert_eq!(read.warning, None);
    }
}

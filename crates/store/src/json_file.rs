//! A JSON file the app owns: `state.json`, `actions.json` (and `history.json`, read
//! once to migrate it to [`crate::json_lines`]' `history.jsonl`).
//!
//! These files are a cache of what the app has learned, not something the user wrote,
//! so an unreadable one must never stop the tray from starting: that would leave an
//! on-call engineer without pages. [`load`] therefore starts from the default value
//! when the file is missing or cannot be parsed. It never deletes anything, though: an
//! unparsable file is renamed aside to `<name>.corrupt-<UTC time>` and the caller gets a
//! warning naming it, to show the user and attach to a bug report. Only a real IO error
//! (permissions, a directory in the way) is an error, because starting from scratch
//! would then overwrite a file we merely failed to read.
//!
//! [`save`] writes atomically with mode 0600 (see the crate's `atomic` module), so a
//! crash or power cut leaves the previous complete version, never a torn file.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::atomic::write_private;
use crate::StoreError;

/// A loaded value, with a warning for the user when the file had to be set aside.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Loaded<T> {
    pub value: T,
    /// `Some` when the file was unparsable and `value` is the default: names the file it
    /// was moved to. Show it to the user; it is also logged.
    pub warning: Option<String>,
}

/// Reads `path`. A missing file gives `T::default()`; an unparsable one (corrupt,
/// truncated, not the expected shape) is moved aside and gives `T::default()` with a
/// warning. Fails only when the file exists but cannot be read or moved.
pub fn load<T: DeserializeOwned + Default>(path: &Path) -> Result<Loaded<T>, StoreError> {
    load_at(path, Utc::now())
}

/// [`load`] with the clock passed in, so tests can name the moved-aside file.
fn load_at<T: DeserializeOwned + Default>(
    path: &Path,
    now: DateTime<Utc>,
) -> Result<Loaded<T>, StoreError> {
    let bytes = match fs::read(path) {
        Ok(bytes) => bytes,
        Err(err) if err.kind() == io::ErrorKind::NotFound => {
            return Ok(Loaded {
                value: T::default(),
                warning: None,
            })
        }
        Err(source) => {
            return Err(StoreError::Read {
                path: path.to_path_buf(),
                source,
            })
        }
    };
    match serde_json::from_slice(&bytes) {
        Ok(value) => Ok(Loaded {
            value,
            warning: None,
        }),
        Err(parse_err) => {
            let aside = move_aside(path, now)?;
            let warning = format!(
                "{} could not be read ({parse_err}); it was moved to {} and oncall-tray started from scratch",
                path.display(),
                aside.display()
            );
            tracing::warn!("{warning}");
            Ok(Loaded {
                value: T::default(),
                warning: Some(warning),
            })
        }
    }
}

/// Writes `value` as compact JSON to `path`, atomically, creating the directory if
/// needed. Mode 0600 for the file and 0700 for created directories on Unix.
pub fn save<T: Serialize + ?Sized>(path: &Path, value: &T) -> Result<(), StoreError> {
    write_private(path, &encode(path, value)?)
}

/// [`save`], skipped when `value` encodes to exactly the bytes the last call wrote
/// (`on_disk`, empty at first): a poll that changed nothing costs no write and no fsync.
/// Returns whether it wrote. After a failed write `on_disk` is unchanged, so the next
/// call tries again.
pub fn save_if_changed<T: Serialize + ?Sized>(
    path: &Path,
    value: &T,
    on_disk: &mut Vec<u8>,
) -> Result<bool, StoreError> {
    let bytes = encode(path, value)?;
    if *on_disk == bytes {
        return Ok(false);
    }
    write_private(path, &bytes)?;
    *on_disk = bytes;
    Ok(true)
}

/// Encoded first, so that an encoding error leaves the disk untouched. Compact:
/// state.json is rewritten with an entry per open incident, and indentation only adds
/// work and bytes (`jq .` reads it for a human).
fn encode<T: Serialize + ?Sized>(path: &Path, value: &T) -> Result<Vec<u8>, StoreError> {
    let mut bytes = serde_json::to_vec(value).map_err(|source| StoreError::Encode {
        path: path.to_path_buf(),
        source,
    })?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// Renames `path` to an unused `<name>.corrupt-<YYYYmmddTHHMMSSZ>[-N]` next to it.
pub(crate) fn move_aside(path: &Path, now: DateTime<Utc>) -> Result<PathBuf, StoreError> {
    let stamp = now.format("%Y%m%dT%H%M%SZ");
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".corrupt-{stamp}"));
    let first = path.with_file_name(&name);
    // Two corruptions within a second must not overwrite the first copy.
    let aside = std::iter::once(first.clone())
        .chain((2u32..).map(|n| {
            let mut numbered = name.clone();
            numbered.push(format!("-{n}"));
            path.with_file_name(numbered)
        }))
        .find(|candidate| !candidate.exists())
        .unwrap_or(first);
    fs::rename(path, &aside).map_err(|source| StoreError::MoveAside {
        path: path.to_path_buf(),
        to: aside.clone(),
        source,
    })?;
    Ok(aside)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use chrono::TimeZone;
    use serde::Deserialize;
    use tempfile::TempDir;

    use super::*;

    #[derive(Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
    struct State {
        seen: BTreeMap<String, u32>,
        paused: bool,
    }

    fn sample() -> State {
        State {
            seen: BTreeMap::from([("PABC".to_string(), 3), ("PDEF".to_string(), 1)]),
            paused: true,
        }
    }

    fn noon() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2025, 3, 9, 12, 0, 5).unwrap()
    }

    /// The names in `dir`, sorted, so a test can say exactly what is on disk.
    fn listing(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn round_trip() {
        let dir = TempDir::new().unwrap();
        let path = dir.path().join("state.json");
        save(&path, &sample()).unwrap();
        let loaded: Loaded<State> = load(&path).unwrap();
        assert_eq!(
            loaded,
            Loaded {
                value: sample(),
                warning: None
            }
        );
    }

    #[test]
    fn missing_file_is_the_default_without_warning() {
        let dir = TempDir::new().unwrap();
        let loaded: Loaded<State> = load(&dir.path().join("state.json")).unwrap();
        assert_eq!(loaded.value, State::default());
        assert_eq!(loaded.warning, None);
        assert!(listing(dir.path()).is_empty(), "loading creates nothing");
    }

    /// Corrupt, truncated (a crash of some other writer, or a full disk) and wrong shape
    /// (an older or newer app) all end the same way.
    #[test]
    fn unparsable_file_is_moved_aside_with_a_warning() {
        let truncated = &serde_json::to_string(&sample()).unwrap()[..10];
        for (what, contents) in [
            ("garbage", "\u{0}\u{1}not json at all"),
            ("truncated", truncated),
            ("wrong shape", r#"{"seen": [1, 2], "paused": "yes"}"#),
            ("empty", ""),
        ] {
            let dir = TempDir::new().unwrap();
            let path = dir.path().join("state.json");
            fs::write(&path, contents).unwrap();

            let loaded: Loaded<State> = load_at(&path, noon()).unwrap();

            assert_eq!(loaded.value, State::default(), "{what}");
            let aside = dir.path().join("state.json.corrupt-20250309T120005Z");
            assert_eq!(
                listing(dir.path()),
                ["state.json.corrupt-20250309T120005Z"],
                "{what}"
            );
            assert_eq!(fs::read_to_string(&aside).unwrap(), contents, "{what}");
            let warning = loaded.warning.expect(what);
            assert!(warning.starts_with(&format!("{} could not be read (", path.display())));
            assert!(
                warning.ends_with(&format!(
                    "); it was moved to {} and oncall-tray started from scratch",
                    aside.display()
                )),
                "{what}: {warning}"
            );
        }
    }

    #[test]
    fn second_corruption_in_the_same_second_keeps_the_first_copy() {
        let dir = TempDir::new().unwrap();
        let path = dir.path().join("state.json");
        fs::write(&path, "first").unwrap();
        load_at::<State>(&path, noon()).unwrap();
        fs::write(&path, "second").unwrap();
        load_at::<State>(&path, noon()).unwrap();
        assert_eq!(
            listing(dir.path()),
            [
                "state.json.corrupt-20250309T120005Z",
                "state.json.corrupt-20250309T120005Z-2"
            ]
        );
        let first = dir.path().join("state.json.corrupt-20250309T120005Z");
        assert_eq!(fs::read_to_string(first).unwrap(), "first");
    }

    #[test]
    fn a_directory_in_place_of_the_file_is_an_error_not_a_reset() {
        let dir = TempDir::new().unwrap();
        let path = dir.path().join("state.json");
        fs::create_dir(&path).unwrap();
        let err = load::<State>(&path).unwrap_err();
        assert!(matches!(err, StoreError::Read { .. }), "{err:?}");
        assert!(err
            .to_string()
            .starts_with(&format!("cannot read {}: ", path.display())));
    }

    #[test]
    fn save_replaces_an_existing_file_and_leaves_nothing_else() {
        let dir = TempDir::new().unwrap();
        let path = dir.path().join("state.json");
        fs::write(&path, "old contents").unwrap();
        save(&path, &sample()).unwrap();
        assert_eq!(load::<State>(&path).unwrap().value, sample());
        save(&path, &State::default()).unwrap();
        assert_eq!(load::<State>(&path).unwrap().value, State::default());
        // No temporary `.state.json.XXXXXX` is left behind after a completed save.
        assert_eq!(listing(dir.path()), ["state.json"]);
    }

    #[test]
    fn save_creates_missing_directories() {
        let dir = TempDir::new().unwrap();
        let path = dir.path().join("a").join("b").join("state.json");
        save(&path, &sample()).unwrap();
        assert_eq!(load::<State>(&path).unwrap().value, sample());
    }

    /// A value that cannot be encoded must not touch the file: the temporary file is
    /// only created once the bytes exist.
    #[test]
    fn failed_encoding_keeps_the_old_file() {
        let dir = TempDir::new().unwrap();
        let path = dir.path().join("state.json");
        save(&path, &sample()).unwrap();
        // JSON object keys must be strings; a tuple key cannot be encoded.
        let unencodable = BTreeMap::from([((1, 2), "x")]);
        let err = save(&path, &unencodable).unwrap_err();
        assert!(matches!(err, StoreError::Encode { .. }), "{err:?}");
        assert_eq!(load::<State>(&path).unwrap().value, sample());
        assert_eq!(listing(dir.path()), ["state.json"]);
    }

    /// If the final rename fails, the temporary file is removed and the destination is
    /// untouched: the temporary file never becomes the real file half-written.
    #[test]
    fn failed_rename_leaves_no_temporary_file() {
        let dir = TempDir::new().unwrap();
        let path = dir.path().join("state.json");
        fs::create_dir(&path).unwrap();
        fs::write(path.join("keep"), "x").unwrap();
        let err = save(&path, &sample()).unwrap_err();
        assert!(matches!(err, StoreError::Write { .. }), "{err:?}");
        assert_eq!(listing(dir.path()), ["state.json"]);
        assert_eq!(listing(&path), ["keep"]);
    }

    /// What a crash between "temporary file written" and "renamed" leaves on disk: a
    /// stray `.state.json.XXXXXX`. The real file still holds the last complete save and
    /// loading never looks at the stray file.
    #[test]
    fn stray_temporary_file_from_a_crash_is_ignored() {
        let dir = TempDir::new().unwrap();
        let path = dir.path().join("state.json");
        save(&path, &sample()).unwrap();
        fs::write(dir.path().join(".state.json.a1B2c3"), r#"{"seen":{"PX"#).unwrap();
        let loaded = load::<State>(&path).unwrap();
        assert_eq!(loaded.value, sample());
        assert_eq!(loaded.warning, None);
    }

    #[cfg(unix)]
    mod unix {
        use std::os::unix::fs::{symlink, PermissionsExt};

        use super::*;

        fn mode(path: &Path) -> u32 {
            fs::metadata(path).unwrap().permissions().mode() & 0o777
        }

        #[test]
        fn new_file_is_0600_and_new_directories_0700() {
            let dir = TempDir::new().unwrap();
            let data = dir.path().join("data");
            let path = data.join("state.json");
            save(&path, &sample()).unwrap();
            assert_eq!(mode(&path), 0o600);
            assert_eq!(mode(&data), 0o700);
        }

        #[test]
        fn saving_over_a_world_readable_file_makes_it_0600() {
            let dir = TempDir::new().unwrap();
            let path = dir.path().join("state.json");
            fs::write(&path, "{}").unwrap();
            fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
            save(&path, &sample()).unwrap();
            assert_eq!(mode(&path), 0o600);
        }

        #[test]
        fn existing_directory_mode_is_left_alone() {
            let dir = TempDir::new().unwrap();
            fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o755)).unwrap();
            save(&dir.path().join("state.json"), &sample()).unwrap();
            assert_eq!(mode(dir.path()), 0o755);
        }

        #[test]
        fn save_writes_through_a_symlink() {
            let dir = TempDir::new().unwrap();
            let real = dir.path().join("dotfiles-state.json");
            let link = dir.path().join("state.json");
            fs::write(&real, "{}").unwrap();
            symlink(&real, &link).unwrap();
            save(&link, &sample()).unwrap();
            assert!(fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink());
            assert_eq!(load::<State>(&real).unwrap().value, sample());
        }
    }
}

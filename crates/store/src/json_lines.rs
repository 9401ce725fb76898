//! An append-only JSON Lines file the app owns (`history.jsonl`): one JSON value a line,
//! each line ending in `\n`.
//!
//! A record that grows by a line at a time should not be rewritten whole for every
//! line. [`append`] adds whole lines at the end in one `write` and syncs the data
//! before returning (`fdatasync`; the directory too when it created the file), so what
//! it returned from survives a power cut, as [`crate::json_file::save`]'s files do. A
//! crash during the write can leave at most the last line torn: it then has no `\n`,
//! which is how [`split`] tells it apart, and the caller drops it. [`rewrite`] replaces
//! the whole file atomically (compaction, migration), exactly as `json_file::save`
//! writes. Files and created directories are the user's alone (0600 and 0700 on Unix).
//!
//! What a line means is the caller's: only it knows which lines it may skip (a newer
//! version's records) and which make the file corrupt, which it then moves aside with
//! [`move_aside`] as `json_file` does.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::atomic::{create_private_dir, write_private};
use crate::StoreError;

/// The file's bytes, or `None` when there is no file. Fails only when it exists but
/// cannot be read.
pub fn read(path: &Path) -> Result<Option<Vec<u8>>, StoreError> {
    match fs::read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(StoreError::Read {
            path: path.to_path_buf(),
            source,
        }),
    }
}

/// The file's complete lines (without their `\n`), and what follows the last `\n`
/// when that is not empty: a line that a crash may have cut short.
pub fn split(bytes: &[u8]) -> (Vec<&[u8]>, Option<&[u8]>) {
    let mut lines: Vec<&[u8]> = bytes.split(|b| *b == b'\n').collect();
    // `split` always yields what follows the last separator, empty after a final `\n`.
    let tail = lines.pop().filter(|tail| !tail.is_empty());
    (lines, tail)
}

/// `value` as one line: compact JSON (which never holds a raw line break) and `\n`.
pub fn encode_line<T: Serialize + ?Sized>(path: &Path, value: &T) -> Result<Vec<u8>, StoreError> {
    let mut line = serde_json::to_vec(value).map_err(|source| StoreError::Encode {
        path: path.to_path_buf(),
        source,
    })?;
    line.push(b'\n');
    Ok(line)
}

/// Adds `lines` (whole lines, each ending in `\n`) at the end of `path` in one write,
/// and syncs them to disk before returning. Creates the file (0600) and its missing
/// directories (0700) on first use. The caller must know that the file ends in `\n`
/// (a torn last line is removed by a [`rewrite`] first), or the first new line joins
/// the torn one.
pub fn append(path: &Path, lines: &[u8]) -> Result<(), StoreError> {
    debug_assert!(lines.is_empty() || lines.ends_with(b"\n"));
    let write_err = |source: io::Error| StoreError::Write {
        path: path.to_path_buf(),
        source,
    };
    if lines.is_empty() {
        return Ok(());
    }
    let parent = path.parent().filter(|p| !p.as_os_str().is_empty());
    if let Some(parent) = parent {
        create_private_dir(parent).map_err(write_err)?;
    }
    let existed = fs::symlink_metadata(path).is_ok();
    let mut options = fs::OpenOptions::new();
    options.append(true).create(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(write_err)?;
    file.write_all(lines).map_err(write_err)?;
    file.sync_data().map_err(write_err)?;
    if !existed {
        // A new file's name lives in the directory: without this, a power cut could
        // lose the file the lines were synced into.
        #[cfg(unix)]
        if let Some(parent) = parent {
            fs::File::open(parent)
                .and_then(|dir| dir.sync_all())
                .map_err(write_err)?;
        }
    }
    Ok(())
}

/// Replaces `path` with `bytes` (whole lines) atomically, as `json_file::save` writes:
/// a crash leaves the old file or the new one, never a mix.
pub fn rewrite(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    write_private(path, bytes)
}

/// Renames a corrupt `path` to an unused `<name>.corrupt-<YYYYmmddTHHMMSSZ>[-N]` next
/// to it, as `json_file::load` does with an unparsable file; returns the new name.
pub fn move_aside(path: &Path, now: DateTime<Utc>) -> Result<PathBuf, StoreError> {
    crate::json_file::move_aside(path, now)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tempfile::TempDir;

    #[test]
    fn complete_lines_and_a_torn_tail_are_told_apart() {
        assert_eq!(split(b""), (vec![], None));
        assert_eq!(split(b"a\nb\n"), (vec![&b"a"[..], b"b"], None));
        assert_eq!(
            split(b"a\nb\n{\"at"),
            (vec![&b"a"[..], b"b"], Some(&b"{\"at"[..]))
        );
        assert_eq!(split(b"\n"), (vec![&b""[..]], None));
    }

    #[test]
    fn appended_lines_follow_the_existing_ones_and_a_rewrite_replaces_them() {
        let dir = TempDir::new().unwrap();
        let path = dir.path().join("data").join("log.jsonl");
        assert_eq!(read(&path).unwrap(), None);
        append(&path, &encode_line(&path, &1).unwrap()).unwrap();
        append(&path, b"2\n3\n").unwrap();
        assert_eq!(read(&path).unwrap().unwrap(), b"1\n2\n3\n");
        rewrite(&path, b"3\n").unwrap();
        append(&path, b"4\n").unwrap();
        assert_eq!(read(&path).unwrap().unwrap(), b"3\n4\n");
    }

    #[test]
    fn a_corrupt_file_is_moved_aside_under_a_dated_name() {
        let dir = TempDir::new().unwrap();
        let path = dir.path().join("log.jsonl");
        fs::write(&path, b"garbage\n").unwrap();
        let now = "2025-03-09T12:00:05Z".parse().unwrap();
        let aside = move_aside(&path, now).unwrap();
        assert_eq!(aside, dir.path().join("log.jsonl.corrupt-20250309T120005Z"));
        assert_eq!(fs::read(&aside).unwrap(), b"garbage\n");
        assert_eq!(read(&path).unwrap(), None);
    }

    #[cfg(unix)]
    #[test]
    fn a_new_file_is_0600_and_its_new_directory_0700() {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        let dir = TempDir::new().unwrap();
        let data = dir.path().join("data");
        let path = data.join("log.jsonl");
        append(&path, b"1\n").unwrap();
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(&data), 0o700);
    }

    #[test]
    fn a_directory_in_place_of_the_file_is_a_write_error() {
        let dir = TempDir::new().unwrap();
        let path = dir.path().join("log.jsonl");
        fs::create_dir(&path).unwrap();
        let err = append(&path, b"1\n").unwrap_err();
        assert!(matches!(err, StoreError::Write { .. }), "{err:?}");
        let err = read(&path).unwrap_err();
        assert!(matches!(err, StoreError::Read { .. }), "{err:?}");
    }
}

//! All-or-nothing, owner-only file writes: the one way this crate puts bytes on disk.
//!
//! The work is done by `atomic-write-file`. On Unix it creates a temporary file
//! `.<name>.<random>` in the destination directory, we write and it `fsync`s the file,
//! `renameat`s it over the destination and `fsync`s the directory. A reader therefore
//! sees the old file or the new one, never a torn mix, even across a power cut.
//! On Windows the temporary file is synced and renamed, but the directory is not synced.
//!
//! What the crate does *not* do, and this module adds:
//! - It does not create the parent directory: we create it with mode 0700.
//! - It copies the mode of the file it replaces by default: we turn that off, create the
//!   temporary file as 0600 from the start and `chmod` it to exactly 0600 (the umask could
//!   only have removed bits) before it is renamed into place, so there is no moment when
//!   the contents are readable by others.
//! - It replaces a symlink with a regular file: we write through the link instead, so a
//!   `config.toml` symlinked from a dotfiles repository stays a symlink.
//!
//! - A failed `commit` leaves the temporary file behind (it stops cleaning up before it
//!   syncs and renames). We sync before committing, and refuse a directory standing
//!   where the file should be, which leaves only an unlikely failing rename (the file
//!   system turned read-only between the two steps) to leave a stray file.
//!
//! What nobody can do: if the process is killed (SIGKILL, power loss) between creating the
//! temporary file and renaming it, the `.<name>.<random>` file stays behind. It is never
//! read (loaders open only the real name) and the real file still holds the previous
//! complete version.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use atomic_write_file::AtomicWriteFile;

use crate::StoreError;

/// Replaces `path` with `bytes` atomically, creating missing parent directories
/// (0700 on Unix). The file ends up with mode 0600 on Unix.
pub(crate) fn write_private(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    let write_err = |source: io::Error| StoreError::Write {
        path: path.to_path_buf(),
        source,
    };
    let target = follow_symlink(path).map_err(write_err)?;
    if fs::metadata(&target).is_ok_and(|meta| meta.is_dir()) {
        // Caught here because the rename would fail only after the temporary file
        // exists, and a failed commit leaves it behind (see the module docs).
        return Err(write_err(io::Error::new(
            io::ErrorKind::IsADirectory,
            "a directory is in the way",
        )));
    }
    if let Some(parent) = target.parent().filter(|p| !p.as_os_str().is_empty()) {
        create_private_dir(parent).map_err(write_err)?;
    }

    #[allow(unused_mut)] // Only Unix has permissions to set.
    let mut options = AtomicWriteFile::options();
    #[cfg(unix)]
    {
        use atomic_write_file::unix::OpenOptionsExt as _;
        use std::os::unix::fs::OpenOptionsExt as _;
        options.preserve_mode(false).mode(0o600);
    }
    let mut file = options.open(&target).map_err(write_err)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        file.set_permissions(fs::Permissions::from_mode(0o600))
            .map_err(write_err)?;
    }
    file.write_all(bytes).map_err(write_err)?;
    // `commit` marks the file as finished *before* it syncs and renames, so when either
    // fails the temporary file is no longer removed on drop. Syncing here first means a
    // full disk or an IO error surfaces while dropping `file` still cleans up; the sync
    // inside `commit` then has nothing left to do.
    file.sync_all().map_err(write_err)?;
    // Renames over the destination, then syncs the directory.
    file.commit().map_err(write_err)
}

/// Creates `dir` and its missing parents; the ones created get mode 0700 on Unix.
/// Existing directories are left as they are: they may be shared (`~/.config`).
pub(crate) fn create_private_dir(dir: &Path) -> io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt as _;
        builder.mode(0o700);
    }
    builder.create(dir)
}

/// The file a write to `path` should replace: the target of `path` when it is a symlink.
fn follow_symlink(path: &Path) -> io::Result<PathBuf> {
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => fs::canonicalize(path),
        _ => Ok(path.to_path_buf()),
    }
}

use std::io;
use std::path::PathBuf;

/// Why a file or directory of oncall-tray could not be read or written.
///
/// Every variant names the path involved, so the message alone tells the user which
/// file to look at.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The file exists but reading it failed (permissions, a directory in its place, …).
    #[error("cannot read {}: {source}", path.display())]
    Read { path: PathBuf, source: io::Error },

    /// Creating the directory, writing the temporary file or renaming it into place failed.
    /// The previous version of the file, if any, is still intact.
    #[error("cannot write {}: {source} (the previous version of the file is unchanged)", path.display())]
    Write { path: PathBuf, source: io::Error },

    /// An unreadable file could not be renamed aside, so it was left where it is and
    /// nothing was overwritten.
    #[error("{} is unreadable and could not be moved aside to {}: {source}", path.display(), to.display())]
    MoveAside {
        path: PathBuf,
        to: PathBuf,
        source: io::Error,
    },

    /// The value could not be turned into JSON (a bug in a `Serialize` impl, e.g. a map
    /// with non-string keys). Nothing was written.
    #[error("cannot encode the contents of {} as JSON: {source}", path.display())]
    Encode {
        path: PathBuf,
        source: serde_json::Error,
    },

    /// Neither an override variable nor a home directory says where files go.
    #[error("cannot find a home directory to keep oncall-tray's files in: set {config_var} and {data_var} to absolute paths")]
    NoHomeDir {
        config_var: &'static str,
        data_var: &'static str,
    },

    /// Neither the log directory's override variable nor a home directory says where the
    /// log goes.
    #[error(
        "cannot find a home directory to keep oncall-tray's log in: set {var} to an absolute path"
    )]
    NoLogDir { var: &'static str },

    /// An override variable holds a relative path, which would depend on whatever
    /// directory the app happened to be started from.
    #[error("{var} = {value:?} must be an absolute path")]
    RelativeDir { var: &'static str, value: PathBuf },
}

impl StoreError {
    /// What went wrong, in the words a person fixing it needs ("the disk is full"),
    /// without the path: for messages that say elsewhere which file it was.
    pub fn plain_cause(&self) -> String {
        let source = match self {
            StoreError::Read { source, .. }
            | StoreError::Write { source, .. }
            | StoreError::MoveAside { source, .. } => source,
            other => return other.to_string(),
        };
        match source.kind() {
            io::ErrorKind::StorageFull | io::ErrorKind::QuotaExceeded => {
                "the disk is full".to_string()
            }
            io::ErrorKind::ReadOnlyFilesystem => "the disk is read-only".to_string(),
            io::ErrorKind::PermissionDenied => {
                "oncall-tray is not allowed to write to its data folder".to_string()
            }
            _ => source.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write_failure(kind: io::ErrorKind) -> StoreError {
        StoreError::Write {
            path: PathBuf::from("/data/actions.json"),
            source: io::Error::from(kind),
        }
    }

    #[test]
    fn plain_cause_names_the_fix_not_the_errno() {
        assert_eq!(
            write_failure(io::ErrorKind::StorageFull).plain_cause(),
            "the disk is full"
        );
        assert_eq!(
            write_failure(io::ErrorKind::ReadOnlyFilesystem).plain_cause(),
            "the disk is read-only"
        );
        assert_eq!(
            write_failure(io::ErrorKind::PermissionDenied).plain_cause(),
            "oncall-tray is not allowed to write to its data folder"
        );
        let other = write_failure(io::ErrorKind::InvalidData).plain_cause();
        assert!(!other.contains("/data"), "{other}");
    }
}

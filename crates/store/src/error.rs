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

    /// An override variable holds a relative path, which would depend on whatever
    /// directory the app happened to be started from.
    #[error("{var} = {value:?} must be an absolute path")]
    RelativeDir { var: &'static str, value: PathBuf },
}

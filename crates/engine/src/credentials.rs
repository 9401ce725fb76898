//! Where tokens come from. The engine never stores a token: it asks [`Credentials`]
//! each time it builds a provider client, and the client keeps it only in memory.

use std::collections::BTreeMap;
use std::process::Stdio;
use std::time::Duration;

use async_trait::async_trait;
use oncall_model::AccountId;
use oncall_store::AccountConfig;
use secrecy::SecretString;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CredentialError {
    #[error("no token is stored for account `{0}`: run `oncall-tray token set {0}`")]
    Missing(AccountId),
    #[error("the token command of account `{account}` failed: {reason}")]
    Command { account: AccountId, reason: String },
    #[error("the keychain could not be read: {0}")]
    Keychain(String),
}

impl CredentialError {
    /// Whether asking again later may work (a password manager or keyring still locked,
    /// a prompt not answered in time), as opposed to a token that is not there at all,
    /// which only the user can fix.
    pub fn is_transient(&self) -> bool {
        !matches!(self, CredentialError::Missing(_))
    }

    /// What went wrong, without the account's name: the words of a notice that names
    /// the account itself.
    pub fn cause(&self) -> String {
        match self {
            CredentialError::Missing(_) => "no token is stored".into(),
            CredentialError::Command { reason, .. } => {
                format!("the token command failed ({reason})")
            }
            CredentialError::Keychain(reason) => {
                format!("the keychain could not be read ({reason})")
            }
        }
    }
}

/// Why an account has no client to poll or act with.
#[derive(Debug, thiserror::Error)]
pub(crate) enum NoClient {
    #[error(transparent)]
    Credentials(#[from] CredentialError),
    /// The configuration cannot make a client (a bad URL).
    #[error("{0}")]
    Config(String),
}

#[async_trait]
pub trait Credentials: Send + Sync + 'static {
    async fn token(&self, account: &AccountConfig) -> Result<SecretString, CredentialError>;
}

/// Fixed tokens held in memory: demo mode and tests.
#[derive(Default)]
pub struct StaticCredentials(BTreeMap<AccountId, SecretString>);

impl StaticCredentials {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn with(mut self, account: &str, token: &str) -> Self {
        self.0.insert(
            AccountId::new(account),
            SecretString::from(token.to_owned()),
        );
        self
    }
}

#[async_trait]
impl Credentials for StaticCredentials {
    async fn token(&self, account: &AccountConfig) -> Result<SecretString, CredentialError> {
        self.0
            .get(&account.name)
            .cloned()
            .ok_or_else(|| CredentialError::Missing(account.name.clone()))
    }
}

/// A token command gets this long to print the token (a password manager may prompt).
const TOKEN_COMMAND_TIMEOUT: Duration = Duration::from_secs(60);

/// Runs an account's `token_command` through the platform shell and takes the first
/// line of its output. The output lives only in the returned secret.
pub async fn run_token_command(
    account: &AccountId,
    command: &str,
) -> Result<SecretString, CredentialError> {
    let failed = |reason: String| CredentialError::Command {
        account: account.clone(),
        reason,
    };
    #[cfg(unix)]
    let mut cmd = {
        let mut c = tokio::process::Command::new("sh");
        c.arg("-c").arg(command);
        c
    };
    #[cfg(windows)]
    let mut cmd = {
        let mut c = tokio::process::Command::new("cmd");
        c.arg("/C").arg(command);
        c
    };
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let output = tokio::time::timeout(TOKEN_COMMAND_TIMEOUT, cmd.output())
        .await
        .map_err(|_| {
            failed(format!(
                "no answer within {} s",
                TOKEN_COMMAND_TIMEOUT.as_secs()
            ))
        })?
        .map_err(|e| failed(format!("could not start it: {e}")))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let first = stderr.lines().next().unwrap_or("").trim();
        let how = match output.status.code() {
            Some(code) => format!("code {code}"),
            None => "a signal".into(),
        };
        let said = if first.is_empty() {
            String::new()
        } else {
            format!(": {first}")
        };
        return Err(failed(format!("it exited with {how}{said}")));
    }
    let stdout =
        String::from_utf8(output.stdout).map_err(|_| failed("its output is not text".into()))?;
    match stdout.lines().next().map(str::trim) {
        Some(token) if !token.is_empty() => Ok(SecretString::from(token.to_owned())),
        _ => Err(failed("it printed nothing".into())),
    }
}

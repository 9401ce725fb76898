//! Where tokens come from. The engine never stores a token: it asks [`Credentials`]
//! each time it builds a provider client, and the client keeps it only in memory.

use std::collections::BTreeMap;
use std::process::{ExitStatus, Stdio};
use std::time::Duration;

use async_trait::async_trait;
use oncall_model::AccountId;
use oncall_store::AccountConfig;
use secrecy::SecretString;
use tokio::io::{AsyncRead, AsyncReadExt as _};
use zeroize::Zeroizing;

use crate::providers::TokenOrigin;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CredentialError {
    /// No token for the account at all, wherever it points: what credentials that know
    /// no servers say (demo mode, tests).
    #[error("no token is stored for account `{0}`: run `oncall-tray token set {0}`")]
    Missing(AccountId),
    /// The keychain holds no token for the server the account now points to. Tokens are
    /// stored per server ([`crate::token_origin`]), so this is also what an account whose
    /// URL or region changed sees: the token it had is never sent to the new server.
    #[error(
        "no token is stored for account `{account}` at {origin}: a token is only sent to the \
         server it was entered for, so after a change of server it must be entered again \
         (in Settings, or `oncall-tray token set {account}`)"
    )]
    NotStoredFor {
        account: AccountId,
        origin: TokenOrigin,
    },
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
        !matches!(
            self,
            CredentialError::Missing(_) | CredentialError::NotStoredFor { .. }
        )
    }

    /// What went wrong, without the account's name: the words of a notice that names
    /// the account itself.
    pub fn cause(&self) -> String {
        match self {
            CredentialError::Missing(_) => "no token is stored".into(),
            CredentialError::NotStoredFor { origin, .. } => format!(
                "no token is stored for {origin} (after a change of server it must be entered again)"
            ),
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

/// What a token command may do before it is stopped.
#[derive(Debug, Clone, Copy)]
struct Limits {
    /// A password manager may be showing a prompt; one that never answers must not stall
    /// the account for good.
    timeout: Duration,
    /// A token is one short line; anything near this is not a token.
    stdout: usize,
    /// Only the first line is shown; a few KiB leave room for a password manager's
    /// chatter, and a command that says more is not well.
    stderr: usize,
}

const LIMITS: Limits = Limits {
    timeout: Duration::from_secs(60),
    stdout: 64 * 1024,
    stderr: 8 * 1024,
};

/// After the command ends, output still in the pipes is read; a process outside its
/// process group that holds a pipe open gets this long before it is ignored.
const DRAIN: Duration = Duration::from_secs(1);

/// The most of a failed command's message an error repeats.
const SHOWN_CHARS: usize = 200;

/// Runs an account's `token_command` through the platform shell and takes the first
/// line of its output as the token.
///
/// The command's output is untrusted in size and content: standard output is never
/// shown anywhere (it is the token), and at most the first line of standard error is,
/// with anything that looks like the token taken out. Both are read with a cap, into
/// buffers wiped when dropped (64 KiB of output, 8 KiB of messages); past a cap, or
/// after 60 s, the command is stopped.
///
/// On Unix the command runs in its own process group, and when it ends, times out, is
/// cut off, or the caller stops waiting (a quit), the whole group is killed: a
/// background job it left holding a pipe (`sleep 1000 & echo token`) neither keeps the
/// caller waiting nor lives on. The price: a token command cannot prompt on the
/// terminal (its standard input was never one anyway); password managers prompt through
/// their agent or their app. On Windows only the command itself is killed.
pub async fn run_token_command(
    account: &AccountId,
    command: &str,
) -> Result<SecretString, CredentialError> {
    run_with(account, command, LIMITS).await
}

async fn run_with(
    account: &AccountId,
    command: &str,
    limits: Limits,
) -> Result<SecretString, CredentialError> {
    let failed = |reason: String| CredentialError::Command {
        account: account.clone(),
        reason,
    };
    #[cfg(unix)]
    let mut cmd = {
        let mut c = tokio::process::Command::new("sh");
        c.arg("-c").arg(command).process_group(0);
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
    let mut child = cmd
        .spawn()
        .map_err(|e| failed(format!("could not start it: {e}")))?;
    // Armed before anything can fail: every way out of this function ends the group.
    let mut group = ProcessGroup::of(&child);
    let mut out = Capped::new(child.stdout.take(), limits.stdout, Overflow::Stdout);
    let mut err = Capped::new(child.stderr.take(), limits.stderr, Overflow::Stderr);

    let ran = tokio::time::timeout(limits.timeout, async {
        let status = loop {
            tokio::select! {
                read = out.read_more(), if !out.done() => read?,
                read = err.read_more(), if !err.done() => read?,
                status = child.wait() => break status,
            }
        };
        // Whatever it left running goes with it (see `ProcessGroup` for why only now).
        group.kill();
        let drained = tokio::time::timeout(DRAIN, async {
            while !out.done() || !err.done() {
                tokio::select! {
                    read = out.read_more(), if !out.done() => read?,
                    read = err.read_more(), if !err.done() => read?,
                }
            }
            Ok(())
        })
        .await;
        if let Ok(Err(over)) = drained {
            return Err(over);
        }
        Ok(status)
    })
    .await;
    let status: ExitStatus = match ran {
        Err(_) => {
            return Err(failed(format!(
                "no answer within {}, so it was stopped",
                duration_words(limits.timeout)
            )))
        }
        Ok(Err(Overflow::Stdout)) => {
            return Err(failed(format!(
                "it printed more than {} KiB, and a token is one short line, so it was stopped",
                limits.stdout / 1024
            )))
        }
        Ok(Err(Overflow::Stderr)) => {
            return Err(failed(format!(
                "it printed more than {} KiB of messages, so it was stopped",
                limits.stderr / 1024
            )))
        }
        Ok(Ok(Err(e))) => return Err(failed(format!("could not wait for it: {e}"))),
        Ok(Ok(Ok(status))) => status,
    };

    if !status.success() {
        let how = match status.code() {
            Some(code) => format!("code {code}"),
            None => "a signal".into(),
        };
        let said = first_line_redacted(err.bytes(), out.bytes());
        let said = if said.is_empty() {
            String::new()
        } else {
            format!(": {said}")
        };
        return Err(failed(format!("it exited with {how}{said}")));
    }
    let stdout =
        std::str::from_utf8(out.bytes()).map_err(|_| failed("its output is not text".into()))?;
    match stdout.lines().next().map(str::trim) {
        // The one copy that outlives this function, owned by the secret from here on.
        Some(token) if !token.is_empty() => Ok(SecretString::from(token.to_owned())),
        _ => Err(failed("it printed nothing".into())),
    }
}

/// "60 s", or "250 ms" for the short timeouts of tests.
fn duration_words(d: Duration) -> String {
    if d.as_secs() >= 1 {
        format!("{} s", d.as_secs())
    } else {
        format!("{} ms", d.as_millis())
    }
}

/// Which pipe went past its cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Overflow {
    Stdout,
    Stderr,
}

/// One of the command's pipes, read into a buffer allocated once at its cap (plus one
/// byte, to see it exceeded): it never grows, so no reallocation leaves a copy of a
/// token behind, and it is wiped when dropped.
struct Capped<R> {
    pipe: Option<R>,
    buf: Zeroizing<Vec<u8>>,
    len: usize,
    cap: usize,
    which: Overflow,
}

impl<R: AsyncRead + Unpin> Capped<R> {
    fn new(pipe: Option<R>, cap: usize, which: Overflow) -> Capped<R> {
        Capped {
            pipe,
            buf: Zeroizing::new(vec![0; cap + 1]),
            len: 0,
            cap,
            which,
        }
    }

    fn done(&self) -> bool {
        self.pipe.is_none()
    }

    /// Reads what the pipe has (cancel-safe: a read that does not complete took
    /// nothing). The end of the pipe, or an error reading it, ends it.
    async fn read_more(&mut self) -> Result<(), Overflow> {
        let Some(pipe) = self.pipe.as_mut() else {
            return Ok(());
        };
        match pipe.read(&mut self.buf[self.len..]).await {
            Ok(0) | Err(_) => self.pipe = None,
            Ok(n) => {
                self.len += n;
                if self.len > self.cap {
                    self.pipe = None;
                    return Err(self.which);
                }
            }
        }
        Ok(())
    }

    fn bytes(&self) -> &[u8] {
        &self.buf[..self.len.min(self.cap)]
    }
}

/// The token command's process group, killed when this is dropped or [`kill`]ed
/// (Unix; elsewhere `kill_on_drop` ends the command itself).
///
/// While the command has not been reaped its pid, which is the group's id, cannot be
/// reused, so killing the group then can hit nothing else. After it has been reaped, the
/// group is killed at once and never again: a later kill could, after a pid wrap, reach
/// an unrelated group that took the number.
///
/// [`kill`]: ProcessGroup::kill
struct ProcessGroup {
    #[cfg(unix)]
    id: Option<rustix::process::Pid>,
}

impl ProcessGroup {
    fn of(child: &tokio::process::Child) -> ProcessGroup {
        #[cfg(unix)]
        {
            ProcessGroup {
                id: child
                    .id()
                    .and_then(|pid| rustix::process::Pid::from_raw(pid as i32)),
            }
        }
        #[cfg(not(unix))]
        {
            let _ = child;
            ProcessGroup {}
        }
    }

    fn kill(&mut self) {
        #[cfg(unix)]
        if let Some(id) = self.id.take() {
            // ESRCH (nothing left in the group) is the usual, fine answer.
            let _ = rustix::process::kill_process_group(id, rustix::process::Signal::KILL);
        }
    }
}

impl Drop for ProcessGroup {
    fn drop(&mut self) {
        self.kill();
    }
}

/// What a failed command said, fit for an error shown in the UI and written to logs:
/// the first non-empty line of its standard error, with the token taken out, control
/// characters blanked and the length bounded.
///
/// Two rules take the token out, because a command that fails may still have printed
/// it, or print it in its complaint (`wrong scope for key u+AbC…`):
/// - every line of its standard output is removed wherever it appears: the first is
///   what would have been the token (from 4 characters: a shorter one protects nothing
///   and would blank letters all over the message), other lines of 8 characters or more
///   could be secrets too;
/// - any word that looks like a credential is removed: 20 or more characters of the
///   alphabets tokens are written in (letters, digits, `+ / = _ -`), not starting with
///   `/`, that either mix lower case, upper case and digits (random base64 of that
///   length almost always does: PagerDuty keys, bearer tokens, each part of a JWT) or
///   are at least a quarter digits (hex secrets, Opsgenie's UUID keys). Prose, host
///   names (dots split them), class names, and file paths (absolute ones start with
///   `/`; the words of relative ones are mostly letters) do not match; a long hex id may,
///   and losing it costs less than showing a key. A random key of letters only would
///   pass, which is why the first rule does not depend on this one.
fn first_line_redacted(stderr: &[u8], stdout: &[u8]) -> String {
    let mut text = Zeroizing::new(String::from_utf8_lossy(stderr).into_owned());
    let stdout = Zeroizing::new(String::from_utf8_lossy(stdout).into_owned());
    let mut secrets: Vec<&str> = Vec::new();
    for (i, line) in stdout
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .enumerate()
    {
        let chars = line.chars().count();
        if (i == 0 && chars >= 4) || chars >= 8 {
            secrets.push(line);
        }
    }
    // Longest first, so that a secret containing another is removed whole.
    secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    for secret in secrets {
        if text.contains(secret) {
            text = Zeroizing::new(text.replace(secret, REDACTED));
        }
    }
    let line = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("");
    let line = redact_token_like_words(line);
    let mut shown: String = line
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(SHOWN_CHARS)
        .collect();
    if line.chars().count() > SHOWN_CHARS {
        shown.push('…');
    }
    shown
}

const REDACTED: &str = "[redacted]";

fn redact_token_like_words(line: &str) -> String {
    let is_token_char = |c: char| c.is_ascii_alphanumeric() || "+/=_-".contains(c);
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(start) = rest.find(is_token_char) {
        out.push_str(&rest[..start]);
        let word_len = rest[start..]
            .find(|c: char| !is_token_char(c))
            .unwrap_or(rest.len() - start);
        let word = &rest[start..start + word_len];
        out.push_str(if looks_like_a_token(word) {
            REDACTED
        } else {
            word
        });
        rest = &rest[start + word_len..];
    }
    out.push_str(rest);
    out
}

fn looks_like_a_token(word: &str) -> bool {
    if word.len() < 20 || word.starts_with('/') {
        return false;
    }
    let count = |class: fn(&u8) -> bool| word.bytes().filter(class).count();
    let lower = count(u8::is_ascii_lowercase);
    let upper = count(u8::is_ascii_uppercase);
    let digits = count(u8::is_ascii_digit);
    (lower > 0 && upper > 0 && digits > 0) || (digits * 4 >= word.len() && lower + upper > 0)
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::time::Instant;

    use secrecy::ExposeSecret as _;

    use super::*;

    async fn run(command: &str) -> Result<String, String> {
        run_limited(command, LIMITS).await
    }

    async fn run_limited(command: &str, limits: Limits) -> Result<String, String> {
        run_with(&AccountId::new("work"), command, limits)
            .await
            .map(|token| token.expose_secret().to_owned())
            .map_err(|e| e.to_string())
    }

    /// A timeout short enough for a test, long enough for `sh` to start on a loaded
    /// machine and write what the test reads.
    fn short() -> Limits {
        Limits {
            timeout: Duration::from_secs(2),
            ..LIMITS
        }
    }

    /// The pid a command wrote to `file` (`echo $! > file`).
    fn pid_in(file: &Path) -> u32 {
        let text = std::fs::read_to_string(file)
            .unwrap_or_else(|e| panic!("the command wrote no pid to {}: {e}", file.display()));
        text.trim().parse().expect("a pid")
    }

    /// Waits until `pid` has ended (gone, or a zombie nobody reaped); false if it still
    /// runs after 10 s.
    #[cfg(target_os = "linux")]
    async fn ends(pid: u32) -> bool {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let running = std::fs::read_to_string(format!("/proc/{pid}/stat"))
                .ok()
                .and_then(|stat| {
                    let state = stat
                        .rsplit_once(')')?
                        .1
                        .split_whitespace()
                        .next()?
                        .to_owned();
                    Some(state != "Z" && state != "X")
                })
                .unwrap_or(false);
            if !running {
                return true;
            }
            if Instant::now() > deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    #[tokio::test]
    async fn the_token_is_the_first_line_of_standard_output() {
        assert_eq!(
            run("printf ' tok-123 \\nsecond\\n'; echo noise >&2")
                .await
                .as_deref(),
            Ok("tok-123")
        );
        let printed_nothing = run("true").await.unwrap_err();
        assert!(
            printed_nothing.contains("printed nothing"),
            "{printed_nothing}"
        );
    }

    #[tokio::test]
    async fn a_flood_on_standard_output_is_cut_off_at_the_cap() {
        // 100 MB of "A": before the cap, all of it was read into memory and taken for
        // the token.
        let e = run("head -c 100000000 /dev/zero | tr '\\0' A")
            .await
            .unwrap_err();
        assert!(e.contains("more than 64 KiB"), "{e}");
        assert!(!e.contains("AAAA"), "standard output is never shown: {e}");
    }

    #[tokio::test]
    async fn a_flood_on_standard_error_is_cut_off_at_the_cap() {
        let e = run("head -c 100000000 /dev/zero | tr '\\0' B >&2; echo tok-123")
            .await
            .unwrap_err();
        assert!(e.contains("more than 8 KiB of messages"), "{e}");
        assert!(!e.contains("BBBB"), "{e}");
    }

    #[tokio::test]
    async fn standard_output_never_shows_and_the_token_is_taken_out_of_standard_error() {
        let e = run("printf 'tok-AAAA-1111\\nsecond-line-secret\\n'; \
             echo 'cannot refresh tok-AAAA-1111 (second-line-secret) for pat' >&2; exit 3")
        .await
        .unwrap_err();
        assert!(e.contains("exited with code 3"), "{e}");
        assert!(
            e.contains("cannot refresh [redacted] ([redacted]) for pat"),
            "{e}"
        );
        assert!(!e.contains("tok-AAAA-1111"), "{e}");
        assert!(!e.contains("second-line-secret"), "{e}");

        // A key it never printed on standard output, only in its complaint.
        let e = run("echo 'error: key y_NbAkKc66ryYTWUXYEu is not valid' >&2; exit 1")
            .await
            .unwrap_err();
        assert!(e.contains("error: key [redacted] is not valid"), "{e}");
    }

    #[test]
    fn words_that_look_like_credentials_are_taken_out_and_the_rest_is_kept() {
        let said = |stderr: &str| first_line_redacted(stderr.as_bytes(), b"");
        for (stderr, shown) in [
            // PagerDuty key (20), Opsgenie key (UUID), a JWT's three parts, base64.
            ("bad key u+Zx8kQ2mN4pR7sT1vW3y", "bad key [redacted]"),
            (
                "key e0a1b2c3-d4e5-4f60-8a9b-0c1d2e3f4a5b revoked",
                "key [redacted] revoked",
            ),
            (
                "jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dBjftJeZ4CVPmB92K27uhbUJU1p1r",
                "jwt [redacted].[redacted].[redacted]",
            ),
            ("got c2VjcmV0LXRva2VuLXZhbHVlLTEyMzQ=", "got [redacted]"),
            // What a person needs to read stays.
            (
                "gpg: decryption failed: No secret key",
                "gpg: decryption failed: No secret key",
            ),
            (
                "Error: /home/pat/.password-store/pagerduty-2024.gpg is not in the password store.",
                "Error: /home/pat/.password-store/pagerduty-2024.gpg is not in the password store.",
            ),
            (
                "could not reach vault.internal.example.com:8200 (connection refused)",
                "could not reach vault.internal.example.com:8200 (connection refused)",
            ),
            (
                "/usr/lib/x86_64-linux-gnu/libsecret-1.so.0: cannot open",
                "/usr/lib/x86_64-linux-gnu/libsecret-1.so.0: cannot open",
            ),
            ("internationalization-is-hard", "internationalization-is-hard"),
            (
                "java.lang.IllegalArgumentException: no such vault",
                "java.lang.IllegalArgumentException: no such vault",
            ),
            // The first line that says something; control characters blanked.
            ("\n\n  first\u{1b}[2J words\nsecond", "first [2J words"),
        ] {
            assert_eq!(said(stderr), shown, "{stderr:?}");
        }
        let long = said(&"word ".repeat(100));
        assert_eq!(long.chars().count(), SHOWN_CHARS + 1, "{long}");
        assert!(long.ends_with('…'));
        // A short first line of output is no token worth blanking letters for.
        assert_eq!(first_line_redacted(b"bad password", b"a\n"), "bad password");
    }

    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn a_command_that_hangs_times_out_and_everything_it_started_is_killed() {
        let dir = tempfile::tempdir().unwrap();
        let pids = dir.path().join("pids");
        let command = format!("sleep 1000 & echo $! > '{}'; sleep 1000", pids.display());
        let e = run_limited(&command, short()).await.unwrap_err();
        assert!(e.contains("no answer within 2 s"), "{e}");
        let grandchild = pid_in(&pids);
        assert!(
            ends(grandchild).await,
            "the background job {grandchild} outlived the timeout"
        );
    }

    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn a_background_job_holding_the_pipe_does_not_keep_it_waiting() {
        let dir = tempfile::tempdir().unwrap();
        let pids = dir.path().join("pids");
        // The job inherits standard output and keeps it open for 1,000 s: before, the
        // read waited for it until the timeout, and the token was lost.
        let command = format!("sleep 1000 & echo $! > '{}'; echo tok-123", pids.display());
        assert_eq!(run(&command).await.as_deref(), Ok("tok-123"));
        let grandchild = pid_in(&pids);
        assert!(
            ends(grandchild).await,
            "the background job {grandchild} lives on"
        );
    }

    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn a_caller_that_stops_waiting_ends_the_command_and_what_it_started() {
        let dir = tempfile::tempdir().unwrap();
        let pids = dir.path().join("pids");
        let command = format!("sleep 1000 & echo $! > '{}'; sleep 1000", pids.display());
        let mut running = Box::pin(run(&command));
        let deadline = Instant::now() + Duration::from_secs(10);
        // Polled until the command has started its job, then dropped, as a quitting
        // poller drops it.
        while std::fs::read_to_string(&pids).map_or(true, |t| !t.ends_with('\n')) {
            assert!(Instant::now() < deadline, "the command did not start");
            tokio::select! {
                _ = &mut running => panic!("it ended on its own"),
                _ = tokio::time::sleep(Duration::from_millis(20)) => {}
            }
        }
        drop(running);
        let grandchild = pid_in(&pids);
        assert!(
            ends(grandchild).await,
            "the background job {grandchild} lives on"
        );
    }
}

//! The exit status of the subcommands: the one place that knows the codes and what they
//! mean, for `main`, `--help` and the man page alike.
//!
//! A failure's code is decided where the failure is understood. Library errors carry
//! their kind in their type (a [`ProviderError`], a [`ConfigError`]); a condition the
//! binary itself finds (no accounts, an account that failed among several) is wrapped
//! with [`Failure::on`]. [`Failure::of_error`] reads either back from an `anyhow` chain;
//! anything else exits 1. Scripts can then tell "fix the config" from "try again later"
//! from "enter a new token" without reading the message.

use std::fmt;
use std::process::ExitCode;

use oncall_model::ProviderError;
use oncall_store::ConfigError;

/// What clap exits with for a command line it cannot parse (checked by a test).
pub const USAGE: u8 = 2;

/// Why a subcommand failed, as far as its exit code tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// Anything without a code of its own.
    Other,
    /// `config.toml` cannot be used: not found (no home directory), unreadable, not
    /// valid, or without the account the command needs; or the change asked for would
    /// make it not valid.
    Config,
    /// The service could not be reached, or did not answer usably: trying again later,
    /// with nothing changed, may work.
    Unreachable,
    /// The service refused the account's token.
    TokenRejected,
    /// The command line parsed but asks for something it did not say enough about: a
    /// name that matches several people or none, or a confirmation without `--yes`
    /// and without a terminal to ask on. clap's own code, documented with it.
    Usage,
}

impl Failure {
    const ALL: [Failure; 4] = [
        Failure::Other,
        Failure::Config,
        Failure::Unreachable,
        Failure::TokenRejected,
    ];

    pub fn code(self) -> u8 {
        match self {
            Failure::Other => 1,
            Failure::Config => 3,
            Failure::Unreachable => 4,
            Failure::TokenRejected => 5,
            Failure::Usage => USAGE,
        }
    }

    fn meaning(self) -> &'static str {
        match self {
            Failure::Other => "Any other failure.",
            Failure::Config => {
                "Config error: config.toml cannot be found, read or used (not valid, or \
                 without the account the command needs), or would not be valid after the \
                 change asked for."
            }
            Failure::Unreachable => {
                "Service unreachable: no connection, a timeout, or no usable answer (a \
                 server error, a rate limit); trying again later may work."
            }
            Failure::TokenRejected => {
                "Token rejected: the service refused the account's token; store another \
                 with `oncall-tray token set NAME`."
            }
            Failure::Usage => USAGE_MEANING,
        }
    }

    /// What a provider's answer means for the exit code.
    pub fn of_provider(e: &ProviderError) -> Failure {
        match e {
            ProviderError::Unauthorized { .. } => Failure::TokenRejected,
            e if e.is_transient() => Failure::Unreachable,
            _ => Failure::Other,
        }
    }

    fn of_config(e: &ConfigError) -> Failure {
        match e {
            // The file is fine; the disk refused the new version.
            ConfigError::Save(_) => Failure::Other,
            _ => Failure::Config,
        }
    }

    /// The failure an error was given where it happened: the outermost [`Failure::on`],
    /// else the kind of the first provider or config error in its chain, else
    /// [`Failure::Other`].
    pub fn of_error(error: &anyhow::Error) -> Failure {
        error
            .chain()
            .find_map(|cause| {
                if let Some(coded) = cause.downcast_ref::<Coded>() {
                    Some(coded.failure)
                } else if let Some(e) = cause.downcast_ref::<ProviderError>() {
                    Some(Failure::of_provider(e))
                } else {
                    cause.downcast_ref::<ConfigError>().map(Failure::of_config)
                }
            })
            .unwrap_or(Failure::Other)
    }

    /// Two failures reported by one command (several accounts): their kind when they
    /// agree, else [`Failure::Other`], since no one remedy fits both.
    pub fn and(self, other: Failure) -> Failure {
        if self == other {
            self
        } else {
            Failure::Other
        }
    }

    /// `error`, exiting with this failure's code. Its message is unchanged.
    pub fn on(self, error: impl Into<anyhow::Error>) -> anyhow::Error {
        anyhow::Error::new(Coded {
            failure: self,
            error: error.into(),
        })
    }

    pub fn exit_code(self) -> ExitCode {
        ExitCode::from(self.code())
    }
}

/// An error with its [`Failure`] attached: displays as the error it wraps, and gives
/// that error's causes as its own, so messages read the same with or without it.
#[derive(Debug)]
struct Coded {
    failure: Failure,
    error: anyhow::Error,
}

impl fmt::Display for Coded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.error, f)
    }
}

impl std::error::Error for Coded {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.error.source()
    }
}

const USAGE_MEANING: &str = "Usage error: the command line is not valid (an unknown subcommand or \
     option, a missing argument), or does not say enough: a name that matches several \
     people or none, or a change that needs confirming run without --yes and without a \
     terminal to ask on. Nothing was sent.";

/// Every documented exit status with its meaning, in order.
pub fn statuses() -> Vec<(u8, &'static str)> {
    let mut statuses = vec![(0, "Success."), (USAGE, USAGE_MEANING)];
    statuses.extend(Failure::ALL.map(|f| (f.code(), f.meaning())));
    statuses.sort_by_key(|(code, _)| *code);
    statuses
}

/// Said after the list: what a command that reads several accounts exits with.
pub const SEVERAL_ACCOUNTS: &str =
    "When accounts fail for different reasons, the status is 1. --headless exits 3 on a \
     config error (so a service manager does not restart it in a loop), otherwise 0 or \
     1; the tray app exits 0 or 1.";

/// The exit statuses as `--help` ends with them.
pub fn help() -> String {
    let mut text = String::from("Exit status of the subcommands:\n");
    for (code, meaning) in statuses() {
        text.push_str(&format!("  {code}  {meaning}\n"));
    }
    text.push('\n');
    text.push_str(SEVERAL_ACCOUNTS);
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use anyhow::anyhow;

    #[test]
    fn every_code_is_documented_once_and_none_is_clap_s_or_success() {
        let codes: Vec<u8> = statuses().iter().map(|(code, _)| *code).collect();
        assert_eq!(codes, [0, 1, 2, 3, 4, 5]);
        for failure in Failure::ALL {
            assert_ne!(failure.code(), 0);
            assert_ne!(failure.code(), USAGE);
        }
    }

    #[test]
    fn clap_exits_with_the_documented_usage_code() {
        use clap::Parser as _;
        let error = crate::cli::Cli::try_parse_from(["oncall-tray", "statuss"]).unwrap_err();
        assert_eq!(error.exit_code(), i32::from(USAGE));
    }

    #[test]
    fn provider_errors_map_by_what_the_user_can_do() {
        let cases = [
            (
                ProviderError::Unauthorized {
                    status: 401,
                    message: "no".into(),
                },
                Failure::TokenRejected,
            ),
            (
                ProviderError::Unavailable {
                    message: "refused".into(),
                },
                Failure::Unreachable,
            ),
            (
                ProviderError::RateLimited { retry_after: None },
                Failure::Unreachable,
            ),
            (
                ProviderError::Malformed {
                    message: "html".into(),
                },
                Failure::Unreachable,
            ),
            (
                ProviderError::Rejected {
                    status: 404,
                    code: None,
                    message: "gone".into(),
                },
                Failure::Other,
            ),
        ];
        for (error, expected) in cases {
            assert_eq!(Failure::of_provider(&error), expected, "{error:?}");
            let wrapped = anyhow::Error::new(error).context("account work");
            assert_eq!(Failure::of_error(&wrapped), expected, "{wrapped:#}");
        }
    }

    #[test]
    fn a_failure_decided_where_it_happened_wins_and_keeps_the_message() {
        let inner = anyhow!("connection refused").context("cannot reach the service");
        let coded = Failure::Config
            .on(inner)
            .context("1 account could not be read");
        assert_eq!(Failure::of_error(&coded), Failure::Config);
        assert_eq!(
            crate::one_message(&coded),
            "1 account could not be read: cannot reach the service: connection refused"
        );
        let outer = Failure::Unreachable.on(Failure::Config.on(anyhow!("both")));
        assert_eq!(Failure::of_error(&outer), Failure::Unreachable);
    }

    #[test]
    fn a_config_file_that_cannot_be_saved_is_not_a_config_error() {
        let save = ConfigError::Save(oncall_store::StoreError::NoHomeDir {
            config_var: "A",
            data_var: "B",
        });
        assert_eq!(Failure::of_error(&save.into()), Failure::Other);
        let parse = ConfigError::Parse {
            path: "config.toml".into(),
            message: "expected `=`".into(),
        };
        assert_eq!(Failure::of_error(&parse.into()), Failure::Config);
        assert_eq!(
            Failure::of_error(&anyhow!("plain")).code(),
            1,
            "an error nobody classified"
        );
    }

    #[test]
    fn failures_of_several_accounts_keep_a_code_only_when_they_agree() {
        use Failure::*;
        assert_eq!(Unreachable.and(Unreachable), Unreachable);
        assert_eq!(Unreachable.and(TokenRejected), Other);
        assert_eq!(Other.and(Other), Other);
    }

    #[test]
    fn help_lists_every_code() {
        let help = help();
        for (code, meaning) in statuses() {
            assert!(help.contains(&format!("  {code}  {meaning}")), "{help}");
        }
    }
}

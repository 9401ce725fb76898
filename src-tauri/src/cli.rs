//! The command line (clap derive). Users and scripts rely on these names exactly.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Pages the on-call engineer through desktop notifications.
///
/// Without a subcommand, runs the tray app. `--headless` runs the engine and its
/// notifications without a tray or window (logs on stderr, ends on SIGINT/SIGTERM).
#[derive(Debug, Parser)]
#[command(
    name = "oncall-tray",
    version,
    args_conflicts_with_subcommands = true,
    after_help = crate::exit::help()
)]
pub struct Cli {
    /// Run without tray or window: notifications and their buttons only.
    #[arg(long, conflicts_with_all = ["demo", "show"])]
    pub headless: bool,
    /// Run the tray app against a built-in fake PagerDuty with synthetic incidents.
    #[arg(long)]
    pub demo: bool,
    /// Open the window at start.
    #[arg(long)]
    pub show: bool,
    #[command(subcommand)]
    pub command: Option<TopCommand>,
}

/// What `main` runs.
#[derive(Debug)]
pub enum Mode {
    /// The tray app.
    Tray {
        demo: bool,
        show: bool,
    },
    Headless,
    Command(Command),
    /// Files made from this command line for packages (`generate`, hidden).
    Generate(GenerateCommand),
    /// One alarm sound, played by a child of the app (`play-sound`, hidden).
    PlaySound(PlaySound),
}

impl Cli {
    pub fn mode(self) -> Mode {
        match self.command {
            Some(TopCommand::Run(command)) => Mode::Command(command),
            Some(TopCommand::Generate(what)) => Mode::Generate(what),
            Some(TopCommand::PlaySound(sound)) => Mode::PlaySound(sound),
            None if self.headless => Mode::Headless,
            None => Mode::Tray {
                demo: self.demo,
                show: self.show,
            },
        }
    }
}

/// The subcommands, with the one for packaging apart so that the commands for users
/// are one type.
#[derive(Debug, Subcommand)]
pub enum TopCommand {
    #[command(flatten)]
    Run(Command),
    /// Internal, for packaging: the man pages and shell completions, written from these
    /// very definitions so that they cannot drift from what the binary parses.
    #[command(subcommand, hide = true)]
    Generate(GenerateCommand),
    /// Internal: the alarm runs this for each sound it plays (`play_sound.rs`).
    #[command(hide = true)]
    PlaySound(PlaySound),
}

/// One alarm sound: the file (the built-in tone without one) at a volume.
#[derive(Debug, Args)]
pub struct PlaySound {
    /// The sound file (Ogg Vorbis or WAV); without it, the built-in alarm tone.
    #[arg(long, value_name = "PATH")]
    pub file: Option<PathBuf>,
    /// 0 to 100.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u8).range(0..=100))]
    pub volume: u8,
    /// Print the sound's length in milliseconds instead of playing it.
    #[arg(long)]
    pub length: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Add, list or remove accounts in config.toml.
    #[command(subcommand)]
    Account(AccountCommand),
    /// Store or delete an account's token in the OS keychain.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Each account's connection and open incident counts.
    Status,
    /// Every open incident, most urgent first.
    Incidents,
    /// Acknowledge one incident (its id, or ACCOUNT/ID) or every triggered one (`all`).
    Ack {
        /// An incident id as `incidents` shows it, or `all`.
        target: String,
    },
    /// One incident: its status, assignees, notes, log entries and alerts.
    Show {
        /// An incident id as `incidents` shows it (or ACCOUNT/ID).
        id: String,
    },
    /// Add a note to an incident, for the next person.
    Note {
        /// An incident id as `incidents` shows it (or ACCOUNT/ID).
        id: String,
        /// The note (quote it).
        text: String,
    },
    /// Hand an incident to someone else: a user or an escalation policy (PagerDuty), a
    /// user (Opsgenie). Asks first.
    Reassign {
        /// An incident id as `incidents` shows it (or ACCOUNT/ID).
        id: String,
        /// Who: a name (or enough of it to match one person or policy).
        #[arg(long, value_name = "NAME")]
        to: String,
        /// Do not ask: the answer is yes (needed without a terminal).
        #[arg(long, short = 'y')]
        yes: bool,
    },
    /// Escalate an incident: to the next level of its escalation policy (PagerDuty), or
    /// to an escalation (Opsgenie, --to). Asks first.
    Escalate {
        /// An incident id as `incidents` shows it (or ACCOUNT/ID).
        id: String,
        /// Opsgenie: the escalation's name.
        #[arg(long, value_name = "NAME")]
        to: Option<String>,
        /// Do not ask: the answer is yes (needed without a terminal).
        #[arg(long, short = 'y')]
        yes: bool,
    },
    /// Raise or lower an incident's urgency (PagerDuty). Asks first.
    Urgency {
        /// An incident id as `incidents` shows it (or ACCOUNT/ID).
        id: String,
        #[arg(value_enum)]
        urgency: UrgencyArg,
        /// Do not ask: the answer is yes (needed without a terminal).
        #[arg(long, short = 'y')]
        yes: bool,
    },
    /// Ask more people or escalation policies to respond to an incident (PagerDuty).
    /// Asks first.
    Responders {
        /// An incident id as `incidents` shows it (or ACCOUNT/ID).
        id: String,
        /// Who: a name; repeat for several.
        #[arg(long = "add", value_name = "NAME", required = true)]
        add: Vec<String>,
        /// What you need from them.
        #[arg(
            long,
            value_name = "TEXT",
            default_value = "Please help with this incident."
        )]
        message: String,
        /// Do not ask: the answer is yes (needed without a terminal).
        #[arg(long, short = 'y')]
        yes: bool,
    },
    /// Mute a service for a while: its incidents are still listed, but none pages
    /// until the mute ends. Works beside a running tray app, which notices at its next
    /// poll.
    Mute {
        /// The service's name, as `incidents` shows it (any case).
        service: String,
        /// For how long.
        #[arg(long, value_name = "N", default_value_t = 1,
              value_parser = clap::value_parser!(u32).range(1..=168))]
        hours: u32,
        /// The account (needed when there are several).
        #[arg(long, value_name = "NAME")]
        account: Option<String>,
    },
    /// End a service's mute now: what is still triggered on it pages once.
    Unmute {
        /// The service's name (any case).
        service: String,
        /// The account (needed when there are several).
        #[arg(long, value_name = "NAME")]
        account: Option<String>,
    },
    /// The services muted now, and until when.
    Mutes,
    /// Your on-call report from the history: pages per day in and outside working
    /// hours, sleep interruptions, time to acknowledge, the noisiest services.
    Report(ReportArgs),
}

/// An incident's urgency, as typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum UrgencyArg {
    High,
    Low,
}

impl From<UrgencyArg> for oncall_model::Urgency {
    fn from(arg: UrgencyArg) -> Self {
        match arg {
            UrgencyArg::High => oncall_model::Urgency::High,
            UrgencyArg::Low => oncall_model::Urgency::Low,
        }
    }
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The last N local days, today included (1 to 30).
    #[arg(long, value_name = "N", default_value_t = crate::report::DEFAULT_DAYS,
          value_parser = clap::value_parser!(u32).range(1..=i64::from(crate::report::MAX_DAYS)))]
    pub days: u32,
    /// One CSV row per day instead of the table.
    #[arg(long)]
    pub csv: bool,
}

#[derive(Debug, Subcommand)]
pub enum GenerateCommand {
    /// Writes oncall-tray.1 and a page per subcommand (oncall-tray-status.1, …) into DIR.
    Man {
        /// The directory to write to; created if missing.
        dir: PathBuf,
    },
    /// Writes SHELL's completion script into DIR, under the name that shell's
    /// completion directory expects.
    Completions {
        shell: clap_complete::Shell,
        /// The directory to write to; created if missing.
        dir: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum AccountCommand {
    /// Add an account to config.toml.
    // Boxed: its many optional keys would make every command line value as large.
    Add(Box<AddAccount>),
    /// List the accounts of config.toml.
    List,
    /// Remove an account from config.toml and its token from the keychain.
    Remove {
        /// The account's name.
        name: String,
    },
    /// Move an Opsgenie account to Jira Service Management Operations (Opsgenie stops
    /// on 2027-04-05). Keeps the account's name, search, settings and what already rang;
    /// asks for the Atlassian API token.
    Migrate(MigrateAccount),
}

#[derive(Debug, Args)]
pub struct MigrateAccount {
    /// The Opsgenie account's name.
    pub name: String,
    /// Where it moves.
    #[arg(long, value_enum)]
    pub to: MigrateTarget,
    /// Your Jira site: `acme` for acme.atlassian.net.
    #[arg(long)]
    pub site: String,
    /// Your Atlassian account's e-mail (default: the account's on_call_user).
    #[arg(long)]
    pub email: Option<String>,
    /// The JSM API's base URL, instead of https://api.atlassian.com.
    #[arg(long, value_name = "URL", hide = true)]
    pub api_url: Option<String>,
    /// Store the token without checking it with JSM first.
    #[arg(long)]
    pub no_verify: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum MigrateTarget {
    /// Jira Service Management Operations.
    Jsm,
}

#[derive(Debug, Args)]
pub struct AddAccount {
    /// A name for the account, e.g. `work` (letters, digits, `.`, `_`, `-`).
    pub name: String,
    /// The incident service.
    #[arg(long, value_enum)]
    pub provider: ProviderArg,
    /// The PagerDuty or Opsgenie region of the account (default us).
    #[arg(long, value_enum)]
    pub region: Option<RegionArg>,
    /// The API base URL, instead of the region's (Grafana OnCall: required, the OnCall
    /// API URL from OnCall > Settings; Alertmanager: required).
    #[arg(long, value_name = "URL")]
    pub api_url: Option<String>,
    /// Seconds between two polls (default 15).
    #[arg(long, value_name = "SECONDS")]
    pub poll_interval: Option<u64>,
    /// PagerDuty: the `From` address for acknowledgements (default: the token's user).
    /// JSM: your Atlassian account's e-mail (required; the API token is yours).
    #[arg(long)]
    pub email: Option<String>,
    /// JSM: your Jira site, `acme` for acme.atlassian.net (required).
    #[arg(long)]
    pub site: Option<String>,
    /// Opsgenie and JSM: the alert search (default `status:open`; for JSM, with you as
    /// a responder unless --query or --responder says otherwise).
    #[arg(long)]
    pub query: Option<String>,
    /// Opsgenie and JSM: only alerts with this responder (a user, team or schedule).
    #[arg(long, value_name = "NAME")]
    pub responder: Option<String>,
    /// Grafana OnCall: only this team's alert groups (the team's id).
    #[arg(long, value_name = "ID")]
    pub team_id: Option<String>,
    /// Grafana OnCall: only alert groups with this label, `key:value` (repeatable).
    #[arg(long = "label", value_name = "KEY:VALUE")]
    pub labels: Vec<String>,
    /// Alertmanager: the user for basic authentication; its password is stored with
    /// `oncall-tray token set NAME`.
    #[arg(long, value_name = "USER")]
    pub basic_user: Option<String>,
    /// PagerDuty, Opsgenie, JSM and Grafana OnCall: remind you this many minutes before
    /// each of your on-call shifts starts (0 = no reminder; default 15).
    #[arg(long, value_name = "MINUTES")]
    pub shift_reminder_minutes: Option<u64>,
    /// Opsgenie: you, as Opsgenie knows you (your login email), so the tray can show
    /// and remind you of your shifts (needs an API key with Configuration access).
    #[arg(long, value_name = "EMAIL")]
    pub on_call_user: Option<String>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ProviderArg {
    #[value(name = "pagerduty")]
    PagerDuty,
    #[value(name = "alertmanager")]
    Alertmanager,
    #[value(name = "opsgenie")]
    Opsgenie,
    /// Jira Service Management Operations (where Opsgenie's alerts moved).
    #[value(name = "jsm")]
    Jsm,
    /// Grafana OnCall or Grafana Cloud IRM.
    #[value(name = "grafana-oncall")]
    GrafanaOnCall,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum RegionArg {
    Us,
    Eu,
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Read a token from standard input, check it, and store it in the keychain.
    Set {
        /// The account's name.
        name: String,
        /// Store the token without checking it with the service first.
        #[arg(long)]
        no_verify: bool,
    },
    /// Delete the account's token from the keychain.
    Clear {
        /// The account's name.
        name: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }

    #[test]
    fn headless_and_subcommands_do_not_mix() {
        assert!(Cli::try_parse_from(["oncall-tray", "--headless", "status"]).is_err());
        assert!(matches!(
            Cli::try_parse_from(["oncall-tray", "--headless"])
                .unwrap()
                .mode(),
            Mode::Headless
        ));
    }
}

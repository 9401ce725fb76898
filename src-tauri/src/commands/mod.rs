//! The one-shot commands for terminal users. They read the config, and talk to the
//! service directly when they need to; they never start the engine nor touch
//! `state.json`, which a running tray app owns.
//!
//! Their exit status is decided where a failure is understood (`crate::exit`): a
//! `ConfigError` or `ProviderError` carries its kind; the conditions found here (no
//! such account, no accounts, failures across accounts) are given theirs with
//! `Failure::on`.

mod account;
mod migrate;
mod mute;
mod remote;
mod report;
mod respond;
mod token;

use anyhow::Context as _;
use oncall_store::{AccountConfig, Config, Dirs};

use crate::cli::{AccountCommand, Command, TokenCommand};
use crate::exit::Failure;

pub async fn run(command: Command) -> anyhow::Result<()> {
    // Where config.toml is cannot be told (no home directory, a relative override).
    let dirs = Dirs::from_env().map_err(|e| Failure::Config.on(e))?;
    match command {
        Command::Account(AccountCommand::Add(args)) => account::add(&dirs, *args),
        Command::Account(AccountCommand::List) => account::list(&dirs),
        Command::Account(AccountCommand::Remove { name }) => account::remove(&dirs, &name).await,
        Command::Account(AccountCommand::Migrate(args)) => migrate::migrate(&dirs, args).await,
        Command::Token(TokenCommand::Set { name, no_verify }) => {
            token::set(&dirs, &name, !no_verify).await
        }
        Command::Token(TokenCommand::Clear { name }) => token::clear(&dirs, &name).await,
        Command::Status => remote::status(&dirs).await,
        Command::Incidents => remote::incidents(&dirs).await,
        Command::Ack { target } => remote::ack(&dirs, &target).await,
        Command::Show { id } => respond::show(&dirs, &id).await,
        Command::Note { id, text } => respond::note(&dirs, &id, &text).await,
        Command::Reassign { id, to, yes } => respond::reassign(&dirs, &id, &to, yes).await,
        Command::Escalate { id, to, yes } => {
            respond::escalate(&dirs, &id, to.as_deref(), yes).await
        }
        Command::Urgency { id, urgency, yes } => {
            respond::urgency(&dirs, &id, urgency.into(), yes).await
        }
        Command::Responders {
            id,
            add,
            message,
            yes,
        } => respond::responders(&dirs, &id, &add, &message, yes).await,
        Command::Mute {
            service,
            hours,
            account,
        } => mute::mute(&dirs, &service, hours, account.as_deref()),
        Command::Unmute { service, account } => mute::unmute(&dirs, &service, account.as_deref()),
        Command::Mutes => mute::list(&dirs),
        Command::Report(args) => report::print(&dirs, &args),
    }
}

fn load_config(dirs: &Dirs) -> anyhow::Result<Config> {
    Ok(Config::load(&dirs.config_file())?)
}

/// The account called `name`, or an error that says how to add it.
fn find_account<'c>(
    config: &'c Config,
    dirs: &Dirs,
    name: &str,
) -> anyhow::Result<&'c AccountConfig> {
    config
        .account(name)
        .with_context(|| {
            format!(
                "there is no account named `{name}` in {}: add it with `oncall-tray account add {name} --provider pagerduty`",
                dirs.config_file().display()
            )
        })
        .map_err(|e| Failure::Config.on(e))
}

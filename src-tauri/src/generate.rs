//! `oncall-tray generate man DIR | completions SHELL DIR` (hidden): the man pages and
//! shell completion scripts, written by the packaging step from the built binary.
//!
//! They are made from the clap definitions in `cli.rs` by clap's own generators, so they
//! describe exactly what this binary parses and are never committed. A subcommand of the
//! binary rather than `build.rs`: the build script would need its own copy of the CLI
//! definitions and would leave the files in a hashed `OUT_DIR` for packaging to find.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use clap::{Command, CommandFactory as _};
use clap_complete::Shell;
use clap_mangen::Man;

use crate::cli::{Cli, GenerateCommand};
use crate::exit;

const BIN: &str = "oncall-tray";

pub fn run(what: GenerateCommand) -> anyhow::Result<()> {
    let written = match what {
        GenerateCommand::Man { dir } => man_pages(&dir)?,
        GenerateCommand::Completions { shell, dir } => vec![completions(shell, &dir)?],
    };
    for path in written {
        println!("{}", path.display());
    }
    Ok(())
}

/// The command line as users see it: what `--help` hides is left out.
///
/// clap_complete walks hidden subcommands and arguments too (clap-rs/clap#1335), which
/// would offer `generate` and `account migrate --api-url` on Tab; clap_mangen already skips them. clap
/// has no way to remove a subcommand or argument, so the visible ones are gathered into
/// a new command; nothing is restated by hand, so it cannot drift from `cli.rs`.
fn visible(cmd: &Command) -> Command {
    let mut copy = Command::new(cmd.get_name().to_string())
        .args(cmd.get_arguments().filter(|a| !a.is_hide_set()).cloned())
        .subcommands(
            cmd.get_subcommands()
                .filter(|s| !s.is_hide_set())
                .map(visible),
        );
    if let Some(about) = cmd.get_about() {
        copy = copy.about(about.clone());
    }
    if let Some(version) = cmd.get_version() {
        copy = copy.version(version.to_string());
    }
    copy
}

/// `oncall-tray.1` and one page per subcommand, `oncall-tray-account-add.1` and so on,
/// as the subcommand list of each page refers to them.
fn man_pages(dir: &Path) -> io::Result<Vec<PathBuf>> {
    fs::create_dir_all(dir)?;
    let mut cmd = Cli::command().disable_help_subcommand(true);
    // Names each subcommand's page after its path (`oncall-tray-account-add`).
    cmd.build();
    let mut written = Vec::new();
    write_pages(&cmd, dir, &mut written)?;
    Ok(written)
}

fn write_pages(cmd: &Command, dir: &Path, written: &mut Vec<PathBuf>) -> io::Result<()> {
    let man = Man::new(cmd.clone());
    let path = dir.join(man.get_filename());
    let mut page = Vec::new();
    render(&man, cmd, &mut page)?;
    fs::write(&path, page)?;
    written.push(path);
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        write_pages(sub, dir, written)?;
    }
    Ok(())
}

/// clap_mangen's page with an EXIT STATUS section in place of its "EXTRA" one, which
/// would run `after_help`'s list of codes together into one paragraph.
fn render(man: &Man, cmd: &Command, w: &mut dyn Write) -> io::Result<()> {
    man.render_title(w)?;
    man.render_name_section(w)?;
    man.render_synopsis_section(w)?;
    man.render_description_section(w)?;
    if cmd.get_arguments().any(|a| !a.is_hide_set()) {
        man.render_options_section(w)?;
    }
    if cmd.get_subcommands().any(|s| !s.is_hide_set()) {
        man.render_subcommands_section(w)?;
    }
    exit_status_section(w)?;
    if cmd.get_version().is_some() {
        man.render_version_section(w)?;
    }
    Ok(())
}

fn exit_status_section(w: &mut dyn Write) -> io::Result<()> {
    use roff::{bold, roman, Roff};
    let mut page = Roff::new();
    page.control("SH", ["EXIT STATUS"]);
    for (code, meaning) in exit::statuses() {
        page.control("TP", []);
        page.text([bold(code.to_string())]);
        page.text([roman(meaning)]);
    }
    page.control("PP", []);
    page.text([roman(exit::SEVERAL_ACCOUNTS)]);
    page.to_writer(w)
}

/// The completion script of `shell`, in `dir` under the name that shell's completion
/// directory expects.
fn completions(shell: Shell, dir: &Path) -> io::Result<PathBuf> {
    fs::create_dir_all(dir)?;
    let mut cmd = visible(&Cli::command());
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut cmd, BIN, &mut script);
    if shell == Shell::Bash {
        script = bash_states_spelled_alike(&script).into_bytes();
    }
    let name = match shell {
        // bash-completion loads `completions/CMD` when CMD is first completed; older
        // versions (RHEL 8's 2.7) know no other name than the command's own.
        Shell::Bash => BIN.to_string(),
        // `_oncall-tray` (zsh), `oncall-tray.fish`, …: what clap names them.
        other => clap_complete::Generator::file_name(&other, BIN),
    };
    let path = dir.join(name);
    fs::write(&path, script)?;
    Ok(path)
}

/// clap_complete's bash script spells a subcommand's state one way where it tracks the
/// words typed (`oncall__tray__subcmd__account`) and another in the `case` arms that
/// offer its options (`oncall__subcmd__tray__subcmd__account`) when the binary's name
/// has a hyphen, so nothing after a subcommand ever completes (clap-rs/clap#6421, open
/// when this was written). The arms are respelled the way the tracking spells them; once
/// clap fixes it, the wrong spelling no longer occurs and this changes nothing. The
/// end-to-end test completes past a subcommand, so either way it is checked.
fn bash_states_spelled_alike(script: &[u8]) -> String {
    let script = String::from_utf8_lossy(script);
    let wrong = BIN.replace('-', "__subcmd__");
    let right = BIN.replace('-', "__");
    script.replace(&wrong, &right)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_users_see_has_no_hidden_subcommand_or_argument() {
        let cmd = visible(&Cli::command());
        assert!(cmd.find_subcommand("generate").is_none());
        let migrate = cmd
            .find_subcommand("account")
            .and_then(|a| a.find_subcommand("migrate"))
            .expect("account migrate");
        assert!(migrate.get_arguments().all(|a| a.get_id() != "api_url"));
        assert!(migrate.get_arguments().any(|a| a.get_id() == "site"));
        assert!(cmd
            .find_subcommand("account")
            .and_then(|a| a.find_subcommand("add"))
            .is_some_and(|add| add.get_arguments().any(|a| a.get_id() == "provider")));
    }
}

//! `oncall-tray report [--days N] [--csv]`: the on-call report of the last N local days
//! from the history on disk, as the terminal table or as CSV.
//!
//! It reads `history.jsonl` without the engine and without taking the data directory's
//! lock, so it works beside a running tray app, whose appends it may read up to the
//! last whole line. `--days` is checked by clap (exit 2); a history that cannot be read
//! exits 1, naming the file.

use std::io::Write as _;

use anyhow::Context as _;
use chrono::Utc;
use oncall_store::Dirs;

use crate::cli::ReportArgs;
use crate::report;

pub fn print(dirs: &Dirs, args: &ReportArgs) -> anyhow::Result<()> {
    let config = super::load_config(dirs)?;
    // The cause names the file and the line.
    let entries = oncall_engine::read_history(dirs)
        .context("cannot make the report: the history cannot be read")?;
    let period = report::period(Utc::now(), args.days).map_err(anyhow::Error::msg)?;
    let report = report::build(&entries, &period, &report::settings(&config));
    let text = if args.csv {
        report.to_csv()
    } else {
        oncall_report::render_text(&report)
    };
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        // `oncall-tray report | head`: the reader had what it wanted.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        written => written.context("cannot write the report"),
    }
}

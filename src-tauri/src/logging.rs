//! Where the app's logs go, filtered like `RUST_LOG` (e.g. `RUST_LOG=oncall_engine=debug`).
//!
//! - The tray app and `--headless` log at `info` by default to stderr *and* to a file in
//!   the log folder (`oncall_store::dirs::log_dir_from_env`: `~/.local/state/oncall-tray`
//!   on Linux): `tray.log` and `headless.log`, each rotated at 5 MiB with two older
//!   files kept. An app started at login or by a service manager has no terminal, so
//!   its stderr goes nowhere (or to the journal); the file is what a person reads when
//!   something went wrong. stderr keeps the log too, always: a terminal, `journalctl
//!   --user` and the tests read it there.
//! - The window process (`oncall-tray-window`) logs to stderr only, which the tray reads and
//!   writes into its own log ([`relay`]): one file for the app, one writer per file (two
//!   processes rotating one file would rename it under each other), and what WebKitGTK
//!   and GTK print on stderr themselves, which never passes through `tracing`, lands
//!   there too.
//! - One-shot commands only warn, on stderr only, so that their output stays the table
//!   or sentence the user asked for.
//!
//! The file is written by a background thread (`tracing_appender::non_blocking`), so a
//! slow disk never holds up a page; a burst beyond its queue is dropped rather than
//! waited for. [`LogGuard`] (or [`finish`], for tauri's event loop, which ends the
//! process without returning) flushes what is queued at exit. Nothing here is ever
//! given a token: the rest of the app never logs one (see ARCHITECTURE.md).

use std::io::{IsTerminal as _, Write as _};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use tokio::io::{AsyncBufRead, AsyncBufReadExt as _, AsyncReadExt as _};
use tracing_appender::non_blocking::{NonBlocking, WorkerGuard};
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;
use tracing_subscriber::{fmt, EnvFilter, Layer, Registry};

use crate::lock::lock;

/// Which process of the binary is logging: that decides where to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Process {
    Tray,
    Headless,
    Window,
    Command,
}

impl Process {
    /// The file this process logs to, in the log folder.
    fn file_name(self) -> Option<&'static str> {
        match self {
            Process::Tray => Some("tray.log"),
            Process::Headless => Some("headless.log"),
            Process::Window | Process::Command => None,
        }
    }
}

/// How large the log may grow.
#[derive(Debug, Clone, Copy)]
struct Limits {
    /// A file is rotated before a line would take it to this size.
    max_bytes: u64,
    /// Rotated files kept (`tray.log.1`, `tray.log.2`); older ones are deleted.
    archives: u64,
}

/// 15 MiB at most: weeks of `info` even with a service down (a warning per poll).
const LIMITS: Limits = Limits {
    max_bytes: 5 * 1024 * 1024,
    archives: 2,
};

/// The longest line of the window's stderr taken into the log; the rest of a longer one
/// is left out (only `RUST_LOG=trace` writes such lines: whole views).
const MAX_RELAYED_LINE: usize = 256 * 1024;

/// The log folder of this process, once known (tray app and `--headless` only).
static FOLDER: OnceLock<PathBuf> = OnceLock::new();

/// The file's writer and its background thread, until [`finish`].
static FILE: Mutex<Option<FileLog>> = Mutex::new(None);

struct FileLog {
    /// Another handle on the queue the `tracing` layer writes to, for lines that do not
    /// come through `tracing` (the window's, a panic's).
    writer: NonBlocking,
    /// Dropping it writes out what is queued and ends the thread.
    _guard: WorkerGuard,
}

/// Flushes the log file when dropped (see [`finish`]).
#[must_use = "the log file is flushed when this is dropped"]
pub struct LogGuard(());

impl Drop for LogGuard {
    fn drop(&mut self) {
        finish();
    }
}

/// Sets up logging for `process`. A log file that cannot be had (no home directory, a
/// folder that cannot be created) is said on stderr and the app runs on without it.
pub fn init(process: Process) -> LogGuard {
    let default = match process {
        Process::Command => "warn",
        Process::Tray | Process::Headless | Process::Window => "info",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let mut problem = None;
    let file = match process.file_name() {
        Some(name) => match open_file(name, LIMITS) {
            Ok(writer) => Some(writer),
            Err(e) => {
                problem = Some(e);
                None
            }
        },
        None => None,
    };

    let stderr = fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal());
    let mut layers: Vec<Box<dyn Layer<Registry> + Send + Sync>> = vec![match process {
        // The tray stamps each line as it relays it.
        Process::Window => stderr.without_time().boxed(),
        _ => stderr.boxed(),
    }];
    if let Some((writer, guard)) = file {
        layers.push(
            fmt::layer()
                .with_writer(writer.clone())
                .with_ansi(false)
                .boxed(),
        );
        install(writer, guard);
        log_panics();
    }
    // A second initialisation can only happen in tests; keeping the first is right.
    let _ = tracing_subscriber::registry()
        .with(layers)
        .with(filter)
        .try_init();
    if let Some(problem) = problem {
        tracing::warn!("no log file: {problem}");
    }
    LogGuard(())
}

fn install(writer: NonBlocking, guard: WorkerGuard) {
    *lock_file() = Some(FileLog {
        writer,
        _guard: guard,
    });
}

/// Writes out what is queued for the log file and closes it; later lines go to stderr
/// only. For the tray app, whose event loop ends the process without returning to
/// `main`: called once the app has stopped.
pub fn finish() {
    drop(lock_file().take());
}

/// Opens the folder of this process's log file in the system's file manager. The
/// folder is the one this process logs to, never one from a request, and nothing else
/// is ever opened here (web pages go through `browser`).
pub fn open_log_folder() -> Result<(), String> {
    open_folder_with(FOLDER.get().map(PathBuf::as_path), |dir| {
        open::that_detached(dir)
    })
}

fn open_folder_with(
    folder: Option<&Path>,
    opener: impl FnOnce(&Path) -> std::io::Result<()>,
) -> Result<(), String> {
    let folder = folder.ok_or("this app keeps no log file (see its standard error)")?;
    // Deleted by hand since start-up, say: the file manager should show it (empty), not
    // an error.
    create_private_dir(folder)
        .and_then(|()| opener(folder))
        .map_err(|e| format!("could not open {}: {e}", folder.display()))
}

/// The log file's writer for `name` in the log folder, which is created private to the
/// user.
fn open_file(name: &str, limits: Limits) -> Result<(NonBlocking, WorkerGuard), String> {
    let folder = oncall_store::dirs::log_dir_from_env().map_err(|e| e.to_string())?;
    let _ = FOLDER.set(folder.clone());
    create_private_dir(&folder).map_err(|e| format!("cannot create {}: {e}", folder.display()))?;
    Ok(in_background(rotating_file(&folder, name, limits)?))
}

/// `file`, written by a thread of its own, which queues up to [`QUEUED_LINES`] lines
/// (dropping any beyond rather than making the app wait).
fn in_background(file: impl std::io::Write + Send + 'static) -> (NonBlocking, WorkerGuard) {
    tracing_appender::non_blocking::NonBlockingBuilder::default()
        .thread_name("oncall-tray-log")
        .buffered_lines_limit(QUEUED_LINES)
        .finish(file)
}

/// The log thread's queue. Its slots are allocated and written when the queue is made,
/// 32 bytes each, so tracing-appender's default (128,000 lines) was 4 MiB of the
/// resident process that stays up all day (issue 18); the app logs a few lines a poll.
const QUEUED_LINES: usize = 4096;

/// The size-capped, rotating file (the `logroller` crate): `name`, then `name.1`,
/// `name.2`, … up to `limits.archives`, rotated before a line would take the current
/// file past `limits.max_bytes`, so lines are never cut in two.
fn rotating_file(
    folder: &Path,
    name: &str,
    limits: Limits,
) -> Result<logroller::LogRoller, String> {
    let builder = logroller::LogRollerBuilder::new(folder, Path::new(name))
        .rotation(logroller::Rotation::SizeBased(
            logroller::RotationSize::Bytes(limits.max_bytes),
        ))
        .max_keep_files(limits.archives)
        // Renaming the older files happens on a helper thread; waiting for it at each
        // flush (the writer thread's, never the app's) leaves the folder complete at
        // any exit, with no half-rotated file behind.
        .graceful_shutdown(true);
    // Incident titles and account names are in it: the user's alone (the folder is
    // already private; this covers a folder made by someone else).
    #[cfg(unix)]
    let builder = builder.file_mode(0o600);
    builder
        .build()
        .map_err(|e| format!("cannot open {}: {e}", folder.join(name).display()))
}

fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

fn lock_file() -> std::sync::MutexGuard<'static, Option<FileLog>> {
    lock(&FILE)
}

/// Writes `line` as it is, stamped, to stderr and the log file: for lines that were
/// filtered and formatted elsewhere (the window process's).
fn write_relayed(line: &[u8]) {
    let mut stamped = format!("{} window: ", now()).into_bytes();
    stamped.extend_from_slice(line);
    stamped.push(b'\n');
    let _ = std::io::stderr().lock().write_all(&stamped);
    if let Some(file) = lock_file().as_mut() {
        let _ = file.writer.write_all(&stamped);
    }
}

/// Relays the window process's stderr into this process's log, line by line, until it
/// ends or `cancel` fires. A line longer than [`MAX_RELAYED_LINE`] is cut there and the
/// rest skipped, so a peer that never ends a line costs a bounded buffer.
pub async fn relay<R: AsyncBufRead + Unpin>(
    stderr: R,
    cancel: tokio_util::sync::CancellationToken,
) {
    tokio::select! {
        _ = cancel.cancelled() => {}
        () = relay_lines(stderr, MAX_RELAYED_LINE, write_relayed) => {}
    }
}

async fn relay_lines<R: AsyncBufRead + Unpin>(
    mut from: R,
    max: usize,
    mut write: impl FnMut(&[u8]),
) {
    let mut line = Vec::new();
    loop {
        line.clear();
        let read = (&mut from)
            .take(max as u64 + 1)
            .read_until(b'\n', &mut line)
            .await;
        match read {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        if line.last() == Some(&b'\n') {
            line.pop();
        } else if line.len() > max {
            line.truncate(max);
            line.extend_from_slice(" […]".as_bytes());
            if !skip_line(&mut from).await {
                write(&line);
                return;
            }
        }
        if line.last() == Some(&b'\r') {
            line.pop();
        }
        write(&line);
    }
}

/// Reads up to and including the next newline; false at the end of the stream.
async fn skip_line<R: AsyncBufRead + Unpin>(from: &mut R) -> bool {
    loop {
        let buffer = match from.fill_buf().await {
            Ok([]) | Err(_) => return false,
            Ok(buffer) => buffer,
        };
        match buffer.iter().position(|&b| b == b'\n') {
            Some(end) => {
                from.consume(end + 1);
                return true;
            }
            None => {
                let all = buffer.len();
                from.consume(all);
            }
        }
    }
}

/// Writes `message` to the log file only, as an error: for failures already said on
/// stderr in the words a terminal user reads (a tray app that could not start).
pub fn record_failure(message: &str) {
    write_to_file(&format!("{} ERROR oncall_tray: {message}\n", now()));
}

/// A panic's message goes to the log file too (and to stderr, as always): a tray app
/// that vanished should say why where a person can find it.
fn log_panics() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        // Not waiting: the panic may have happened with the file's lock held.
        if let Ok(mut file) = FILE.try_lock() {
            if let Some(file) = file.as_mut() {
                let line = format!("{} ERROR oncall_tray: {info}\n", now());
                let _ = file.writer.write_all(line.as_bytes());
            }
        }
        previous(info);
    }));
}

fn write_to_file(line: &str) {
    if let Some(file) = lock_file().as_mut() {
        let _ = file.writer.write_all(line.as_bytes());
    }
}

/// The time as `tracing`'s lines show it.
fn now() -> impl std::fmt::Display {
    chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S%.6fZ")
}

#[cfg(test)]
mod tests {
    use std::io::Write as _;

    use super::*;

    /// The production writer with a small cap: the current file and two older ones, each
    /// under the cap, lines whole, the oldest lines gone.
    #[test]
    fn the_log_file_rotates_at_its_cap_and_keeps_two_older_files() {
        let dir = tempfile::tempdir().unwrap();
        let limits = Limits {
            max_bytes: 1000,
            ..LIMITS
        };
        let mut file = rotating_file(dir.path(), "tray.log", limits).unwrap();
        // 100 lines of 60 bytes: six files' worth, each line one write, as the writer
        // thread writes every line it is handed.
        for i in 0..100 {
            let line = format!("line {i:03} {}\n", "x".repeat(50));
            file.write_all(line.as_bytes()).unwrap();
            file.flush().unwrap();
        }
        drop(file);

        let mut names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        assert_eq!(names, ["tray.log", "tray.log.1", "tray.log.2"]);
        let read = |name: &str| std::fs::read_to_string(dir.path().join(name)).unwrap();
        for name in &names {
            let text = read(name);
            assert!(text.len() < 1000, "{name}: {} bytes", text.len());
            assert!(
                text.lines()
                    .all(|l| l.len() == 59 && l.starts_with("line ")),
                "{name} holds a cut line:\n{text}"
            );
        }
        assert!(read("tray.log").ends_with(&format!("line 099 {}\n", "x".repeat(50))));
        let oldest = read("tray.log.2");
        let newer = read("tray.log.1");
        assert!(
            oldest.lines().last() < newer.lines().next(),
            "order of the files"
        );
        assert!(!oldest.contains("line 000"), "the oldest lines are gone");
    }

    /// A restart appends, and counts what the file already holds towards the cap.
    #[test]
    fn a_restart_appends_and_rotates_by_the_size_already_there() {
        let dir = tempfile::tempdir().unwrap();
        let limits = Limits {
            max_bytes: 100,
            ..LIMITS
        };
        let mut first = rotating_file(dir.path(), "headless.log", limits).unwrap();
        first
            .write_all(format!("{}\n", "a".repeat(79)).as_bytes())
            .unwrap();
        drop(first);
        let mut second = rotating_file(dir.path(), "headless.log", limits).unwrap();
        second
            .write_all(format!("{}\n", "b".repeat(39)).as_bytes())
            .unwrap();
        second.flush().unwrap();
        drop(second);
        let read = |name: &str| std::fs::read_to_string(dir.path().join(name)).unwrap();
        assert_eq!(read("headless.log.1"), format!("{}\n", "a".repeat(79)));
        assert_eq!(read("headless.log"), format!("{}\n", "b".repeat(39)));
    }

    /// The real file behind a gate: the writer thread waits at its first line until the
    /// test opens the gate, so lines queue up behind it.
    struct Gated {
        gate: Option<std::sync::mpsc::Receiver<()>>,
        file: logroller::LogRoller,
    }

    impl std::io::Write for Gated {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            if let Some(gate) = self.gate.take() {
                let _ = gate.recv();
            }
            self.file.write(buf)
        }

        fn flush(&mut self) -> std::io::Result<()> {
            self.file.flush()
        }
    }

    /// What the app logged up to its exit is in the file once [`finish`] returns: the
    /// tray app's event loop ends the process right after, with no destructor run.
    #[test]
    fn finish_writes_out_everything_queued() {
        let dir = tempfile::tempdir().unwrap();
        let (open, gate) = std::sync::mpsc::channel();
        let file = Gated {
            gate: Some(gate),
            file: rotating_file(dir.path(), "tray.log", LIMITS).unwrap(),
        };
        let (writer, guard) = in_background(file);
        install(writer, guard);
        // A full queue while the file is held up: every line of it must be written.
        for i in 0..QUEUED_LINES {
            record_failure(&format!("line {i}"));
        }
        open.send(()).unwrap();
        finish();
        let read = || std::fs::read_to_string(dir.path().join("tray.log")).unwrap();
        let text = read();
        assert_eq!(text.lines().count(), QUEUED_LINES);
        assert!(text.ends_with(&format!(" ERROR oncall_tray: line {}\n", QUEUED_LINES - 1)));
        record_failure("after the end");
        assert!(!read().contains("after the end"));
    }

    #[cfg(unix)]
    #[test]
    fn the_log_folder_and_files_are_the_users_alone() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("state/oncall-tray");
        create_private_dir(&folder).unwrap();
        let mut file = rotating_file(&folder, "tray.log", LIMITS).unwrap();
        writeln!(file, "started").unwrap();
        let mode = |path: &Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&folder), 0o700);
        assert_eq!(mode(&folder.join("tray.log")), 0o600);
    }

    async fn relayed(input: &[u8], max: usize) -> Vec<String> {
        let mut lines = Vec::new();
        relay_lines(input, max, |line| {
            lines.push(String::from_utf8_lossy(line).into_owned())
        })
        .await;
        lines
    }

    #[tokio::test]
    async fn the_windows_stderr_is_relayed_line_by_line_and_long_lines_are_cut() {
        let long = "y".repeat(100);
        let input = format!(
            " WARN oncall_tray_window::process: lost the tray app\n\
             (oncall-tray:42): Gtk-WARNING **: no theme\r\n\
             {long}\n\
             after\n\
             {long}"
        );
        assert_eq!(
            relayed(input.as_bytes(), 64).await,
            [
                " WARN oncall_tray_window::process: lost the tray app".to_string(),
                "(oncall-tray:42): Gtk-WARNING **: no theme".to_string(),
                format!("{} […]", &long[..64]),
                "after".to_string(),
                format!("{} […]", &long[..64]),
            ]
        );
        assert_eq!(
            relayed(b"last line without newline", 64).await,
            ["last line without newline"]
        );
        assert!(relayed(b"", 64).await.is_empty());
    }

    #[test]
    fn only_the_log_folder_reaches_the_opener() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("logs");
        let mut opened = None;
        open_folder_with(Some(&folder), |path| {
            opened = Some(path.to_path_buf());
            Ok(())
        })
        .unwrap();
        assert_eq!(opened.as_deref(), Some(folder.as_path()));
        assert!(folder.is_dir(), "a missing folder is made, not an error");

        let refused = open_folder_with(None, |_| panic!("nothing to open")).unwrap_err();
        assert!(refused.contains("no log file"), "{refused}");
        let failed = open_folder_with(Some(&folder), |_| {
            Err(std::io::Error::other("no file manager"))
        })
        .unwrap_err();
        assert!(
            failed.contains(&folder.display().to_string()) && failed.contains("no file manager"),
            "{failed}"
        );
    }
}

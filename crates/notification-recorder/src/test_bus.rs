//! [`TestBus`], a private D-Bus session bus for one test.
//!
//! Every test gets its own `dbus-daemon`, so tests run in parallel without sharing a
//! notification server, need no desktop session and no X display, and cannot disturb (or
//! be disturbed by) a real notification daemon. The daemon runs with the stock session
//! configuration, the same one `dbus-run-session` uses, so behaviour matches the end-to-end
//! session. Dropping the bus kills the daemon and removes its socket file.

use std::io::{self, BufRead, BufReader, Read};
use std::path::PathBuf;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

/// How long the daemon may take to print its address.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(10);

/// The Debian package that ships `dbus-daemon`, named in the error when it is missing.
const DAEMON_PACKAGE: &str = "dbus-daemon";

/// A running private session bus; the daemon is killed when this is dropped.
#[derive(Debug)]
pub struct TestBus {
    /// The bus's D-Bus address, for [`crate::Recorder::start`] and for a client process's
    /// `DBUS_SESSION_BUS_ADDRESS`.
    pub address: String,
    daemon: Child,
    /// Kept open so the daemon never writes to a closed pipe.
    _stdout: BufReader<ChildStdout>,
}

impl TestBus {
    /// Starts `dbus-daemon --session --nofork --print-address=1` and reads its address.
    pub fn start() -> io::Result<TestBus> {
        start_daemon("dbus-daemon")
    }
}

fn start_daemon(program: &str) -> io::Result<TestBus> {
    let mut daemon = Command::new(program)
        .args(["--session", "--nofork", "--print-address=1"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| {
            if e.kind() == io::ErrorKind::NotFound {
                io::Error::new(
                    e.kind(),
                    format!(
                        "{program} was not found on PATH: install the Debian package \
                         `{DAEMON_PACKAGE}` (apt-get install {DAEMON_PACKAGE})"
                    ),
                )
            } else {
                io::Error::new(e.kind(), format!("cannot start {program}: {e}"))
            }
        })?;
    let stderr = daemon.stderr.take().expect("stderr is piped");
    let stdout = daemon.stdout.take().expect("stdout is piped");

    // The address line is read on a helper thread so that a daemon that hangs without
    // printing cannot hang the test.
    let (sent, received) = mpsc::channel();
    thread::spawn(move || {
        let mut stdout = BufReader::new(stdout);
        let mut line = String::new();
        let read = stdout.read_line(&mut line).map(|_| line);
        let _ = sent.send((read, stdout));
    });
    let outcome = received.recv_timeout(STARTUP_TIMEOUT);
    let (address, stdout) = match outcome {
        Ok((Ok(line), stdout)) if !line.trim().is_empty() => (line.trim().to_owned(), stdout),
        Ok((Ok(_), _)) => {
            return Err(daemon_failed(
                daemon,
                stderr,
                "exited before printing its address",
            ))
        }
        Ok((Err(e), _)) => {
            return Err(daemon_failed(
                daemon,
                stderr,
                &format!("stdout unreadable: {e}"),
            ))
        }
        Err(_) => return Err(daemon_failed(daemon, stderr, "printed no address in time")),
    };
    forward_stderr(stderr);
    Ok(TestBus {
        address,
        daemon,
        _stdout: stdout,
    })
}

/// Kills the daemon and describes its failure with whatever it wrote to stderr.
fn daemon_failed(mut daemon: Child, mut stderr: impl Read, what: &str) -> io::Error {
    let _ = daemon.kill();
    let _ = daemon.wait();
    let mut output = String::new();
    let _ = stderr.read_to_string(&mut output);
    io::Error::other(format!("dbus-daemon {what}: {}", output.trim()))
}

/// Passes the daemon's stderr on to ours (so a bus problem shows in the test output), less
/// the harmless warning an unprivileged daemon prints about its file limit. The thread ends
/// when the daemon does.
fn forward_stderr(stderr: impl Read + Send + 'static) {
    thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if !line.contains("Failed to set fd limit") {
                eprintln!("{line}");
            }
        }
    });
}

impl Drop for TestBus {
    fn drop(&mut self) {
        let _ = self.daemon.kill();
        let _ = self.daemon.wait();
        // A killed daemon leaves its socket file behind; an abstract socket has none.
        if let Some(path) = socket_path(&self.address) {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// The file of a `unix:path=…` address.
fn socket_path(address: &str) -> Option<PathBuf> {
    let rest = address.strip_prefix("unix:")?;
    rest.split(',')
        .find_map(|kv| kv.strip_prefix("path="))
        .map(PathBuf::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_daemon_names_the_package_to_install() {
        let err = start_daemon("dbus-daemon-that-is-not-installed").unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::NotFound);
        assert!(
            err.to_string()
                .contains("install the Debian package `dbus-daemon`"),
            "{err}"
        );
    }

    #[test]
    fn the_bus_prints_an_address_and_its_socket_file_goes_away_on_drop() {
        let bus = TestBus::start().unwrap();
        assert!(bus.address.starts_with("unix:"), "{}", bus.address);
        // Debian's stock session configuration listens on a socket file; others may use an
        // abstract socket, which leaves nothing behind.
        if let Some(path) = socket_path(&bus.address) {
            assert!(path.exists());
            drop(bus);
            assert!(!path.exists());
        }
    }

    #[test]
    fn socket_paths_are_read_from_addresses() {
        assert_eq!(
            socket_path("unix:path=/tmp/dbus-abc,guid=123"),
            Some(PathBuf::from("/tmp/dbus-abc"))
        );
        assert_eq!(socket_path("unix:abstract=/tmp/dbus-abc,guid=123"), None);
    }
}

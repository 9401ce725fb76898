//! A private PulseAudio server with a null sink, and a recording of everything played to
//! it: the alarm is tested against a real sound server, as the user's desktop has.
//!
//! The server runs in the foreground as a child of the test (killed on drop), in its own
//! runtime directory, with anonymous auth so that no cookie in `$HOME` matters. `parec`
//! records the null sink's monitor (8 kHz mono, 16-bit) to a pipe, and a thread keeps the
//! peak of every chunk with the time it arrived, so a test can ask when sound came and
//! when it stopped.

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use oncall_test_support::within;
use tempfile::TempDir;

/// A sample at or above this (of 32,767) is sound; the null sink's silence is 0.
pub const LOUD: i16 = 200;
/// The recording's rate: plenty to tell sound from silence.
const RATE: u32 = 8_000;

/// One chunk of the recording as it arrived.
#[derive(Debug, Clone, Copy)]
pub struct Chunk {
    pub at: Instant,
    pub samples: usize,
    pub peak: i16,
}

pub struct SoundServer {
    dir: TempDir,
    server: Child,
    recorder: Option<Child>,
    chunks: Arc<Mutex<Vec<Chunk>>>,
    reader: Option<JoinHandle<()>>,
}

impl SoundServer {
    /// Starts the server and the recording; fails with what went wrong.
    pub fn start() -> Result<SoundServer, String> {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let socket = dir.path().join("native");
        let server = Command::new("pulseaudio")
            .args([
                "-n",
                "--daemonize=no",
                "--exit-idle-time=-1",
                "--use-pid-file=no",
                "--disallow-exit",
                "-L",
                &format!(
                    "module-native-protocol-unix auth-anonymous=1 socket={}",
                    socket.display()
                ),
                "-L",
                "module-null-sink sink_name=nullsink",
                "-L",
                "module-always-sink",
            ])
            .env("XDG_RUNTIME_DIR", dir.path())
            .env("HOME", dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(
                std::fs::File::create(dir.path().join("pulseaudio.log"))
                    .map_err(|e| e.to_string())?,
            )
            .spawn()
            .map_err(|e| format!("pulseaudio does not start (is it installed?): {e}"))?;
        let mut started = SoundServer {
            dir,
            server,
            recorder: None,
            chunks: Arc::default(),
            reader: None,
        };
        started.wait_until_ready()?;
        started.record()?;
        Ok(started)
    }

    /// `PULSE_SERVER` for clients.
    pub fn address(&self) -> String {
        format!("unix:{}", self.socket().display())
    }

    /// The environment that sends a client's sound here (libpulse and the ALSA pulse
    /// plugin both honour it).
    pub fn client_env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("PULSE_SERVER", self.address()),
            ("XDG_RUNTIME_DIR", self.dir.path().display().to_string()),
        ]
    }

    fn socket(&self) -> PathBuf {
        self.dir.path().join("native")
    }

    fn wait_until_ready(&mut self) -> Result<(), String> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(Some(status)) = self.server.try_wait() {
                return Err(format!("pulseaudio exited ({status}): {}", self.log()));
            }
            let ready = self.socket().exists()
                && Command::new("pactl")
                    .args(["-s", &self.address(), "info"])
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .status()
                    .is_ok_and(|s| s.success());
            if ready {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(format!("pulseaudio did not answer in 20 s: {}", self.log()));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn record(&mut self) -> Result<(), String> {
        let mut recorder = Command::new("parec")
            .args([
                "-s",
                &self.address(),
                "-d",
                "nullsink.monitor",
                "--format=s16le",
                &format!("--rate={RATE}"),
                "--channels=1",
                // Small fragments: the test reads *when* sound stops.
                "--latency-msec=20",
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("parec does not start (pulseaudio-utils): {e}"))?;
        let mut stdout = recorder.stdout.take().expect("piped");
        let chunks = self.chunks.clone();
        self.reader = Some(std::thread::spawn(move || {
            let mut buffer = [0u8; 4096];
            let mut odd: Option<u8> = None;
            loop {
                let n = match stdout.read(&mut buffer) {
                    Ok(0) | Err(_) => return,
                    Ok(n) => n,
                };
                let mut bytes: Vec<u8> = odd.take().into_iter().collect();
                bytes.extend_from_slice(&buffer[..n]);
                if bytes.len() % 2 == 1 {
                    odd = bytes.pop();
                }
                let peak = bytes
                    .chunks_exact(2)
                    .map(|b| i16::from_le_bytes([b[0], b[1]]).saturating_abs())
                    .max()
                    .unwrap_or(0);
                chunks.lock().unwrap().push(Chunk {
                    at: Instant::now(),
                    samples: bytes.len() / 2,
                    peak,
                });
            }
        }));
        self.recorder = Some(recorder);
        Ok(())
    }

    /// Every chunk recorded so far.
    pub fn chunks(&self) -> Vec<Chunk> {
        self.chunks.lock().unwrap().clone()
    }

    /// Samples and peak of what arrived at or after `since`.
    pub fn since(&self, since: Instant) -> (usize, i16) {
        self.chunks()
            .iter()
            .filter(|c| c.at >= since)
            .fold((0, 0), |(n, peak), c| (n + c.samples, peak.max(c.peak)))
    }

    /// When loud sound last arrived at or after `since`, if it did.
    pub fn last_loud_since(&self, since: Instant) -> Option<Instant> {
        self.chunks()
            .iter()
            .rev()
            .find(|c| c.at >= since && c.peak >= LOUD)
            .map(|c| c.at)
    }

    /// Waits until loud sound arrives at or after `since`; when it first did.
    pub async fn wait_for_sound(
        &self,
        since: Instant,
        timeout: Duration,
    ) -> Result<Instant, String> {
        self.wait(timeout, "sound", |chunks| {
            chunks
                .iter()
                .find(|c| c.at >= since && c.peak >= LOUD)
                .map(|c| c.at)
        })
        .await
    }

    /// Waits until `quiet` of silence has followed loud sound heard at or after `since`;
    /// when that silence began.
    pub async fn wait_for_silence(
        &self,
        since: Instant,
        quiet: Duration,
        timeout: Duration,
    ) -> Result<Instant, String> {
        self.wait(timeout, "silence", |chunks| {
            let last = chunks
                .iter()
                .rev()
                .find(|c| c.at >= since && c.peak >= LOUD)?
                .at;
            let now = chunks.last()?.at;
            (now.duration_since(last) >= quiet).then_some(last)
        })
        .await
    }

    async fn wait(
        &self,
        timeout: Duration,
        what: &str,
        found: impl Fn(&[Chunk]) -> Option<Instant>,
    ) -> Result<Instant, String> {
        let at = within(timeout, || {
            std::future::ready(found(&self.chunks.lock().unwrap()))
        })
        .await;
        at.ok_or_else(|| {
            let chunks = self.chunks();
            let samples: usize = chunks.iter().map(|c| c.samples).sum();
            let peak = chunks.iter().map(|c| c.peak).max().unwrap_or(0);
            format!(
                "no {what} at the sound server within {timeout:?} (recorded {samples} samples, peak {peak}); server log:\n{}",
                self.log()
            )
        })
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("pulseaudio.log")).unwrap_or_default()
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for SoundServer {
    fn drop(&mut self) {
        if let Some(mut recorder) = self.recorder.take() {
            let _ = recorder.kill();
            let _ = recorder.wait();
        }
        if let Some(reader) = self.reader.take() {
            let _ = reader.join();
        }
        let _ = self.server.kill();
        let _ = self.server.wait();
    }
}

//! The alarm: the sound of a page, per urgency (`sound_high`, `sound_low`), repeated
//! for a high-urgency incident every `alarm_repeat_seconds` until it is acknowledged,
//! resolved or withdrawn.
//!
//! Every sound is played by a child process, `oncall-tray play-sound` (`play_sound.rs`
//! says why: the audio stack stays loaded in whatever process opens it), which exits
//! when the sound ends; stopping a sound ends its child. One dedicated thread starts,
//! watches and stops the children (starting one blocks until it says it plays):
//! callers only send it [`Command`]s over a channel, so no lock and no async task ever
//! waits on audio. [`Alarm`] owns that thread; its `Drop` asks the thread to stop and
//! joins it, which ends every child. A tray app that never rings holds no audio device,
//! and one that rang keeps no stream, wake-up or audio library afterwards.
//!
//! On Linux rodio (in the child) plays through ALSA, whose default device reaches
//! PulseAudio or PipeWire through their ALSA plugins; on macOS and Windows through
//! CoreAudio and WASAPI. Where the notification server plays sounds itself (the
//! `sound` capability), the notifier passes the sound as a hint instead and the first
//! ring is the server's; only the repeats are played here.
//!
//! Holding: a pause holds every page, so it holds the sound too ([`Alarm::set_held`],
//! driven by [`hold_while_paused`]). Quiet hours need nothing here: they hold only
//! low-urgency pages, whose sound never repeats, and a held page plays when the policy
//! releases it.

use std::collections::{HashMap, HashSet};
use std::io::BufRead as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use oncall_model::Urgency;
use oncall_policy::{NotificationTarget, Pause};
use oncall_store::{AlarmSettings, Sound};
use tokio::sync::{oneshot, watch};
use tokio_util::sync::CancellationToken;
use tracing::{debug, info, warn};

use crate::lock::lock;
use crate::play_sound::TONE_LENGTH;

/// How often the audio thread checks whether a sound has ended while one plays.
const PLAYING_TICK: Duration = Duration::from_millis(50);
/// The freedesktop sound themes searched for a name, in order (`__custom` is where
/// desktops put the user's own choices).
const THEMES: [&str; 2] = ["__custom", "freedesktop"];
const EXTENSIONS: [&str; 3] = ["oga", "ogg", "wav"];

/// The sound of pages. Cheap to share (`Arc`); every method returns at once.
pub struct Alarm {
    commands: mpsc::Sender<Command>,
    /// The settings in force, for [`Alarm::hint`], which the notifier asks from async
    /// code: a std mutex, never held across `.await` (only read or replaced).
    settings: Mutex<AlarmSettings>,
    /// Taken by [`Alarm::shutdown`] (or `Drop`), which joins it.
    thread: Mutex<Option<JoinHandle<()>>>,
}

/// What the audio thread is asked to do.
enum Command {
    Ring {
        key: NotificationTarget,
        urgency: Urgency,
        server_played: bool,
    },
    Stop(NotificationTarget),
    Held(bool),
    Update(AlarmSettings),
    Test {
        urgency: Urgency,
        played: oneshot::Sender<Result<String, String>>,
    },
    Quit,
}

impl Alarm {
    /// Starts the audio thread; no device is opened until something plays.
    pub fn new(settings: AlarmSettings) -> Arc<Alarm> {
        let (commands, receiver) = mpsc::channel();
        let player = AudioThread::new(settings.clone());
        let thread = std::thread::Builder::new()
            .name("alarm".into())
            .spawn(move || player.run(receiver));
        let thread = match thread {
            Ok(thread) => Some(thread),
            Err(e) => {
                // Pages still show; only their sound is lost, and the log says why.
                warn!("the alarm thread could not start, pages will be silent: {e}");
                None
            }
        };
        Arc::new(Alarm {
            commands,
            settings: Mutex::new(settings),
            thread: Mutex::new(thread),
        })
    }

    /// The page `key` was shown: plays its urgency's sound now, unless the notification
    /// server already played it (`server_played`), and for a high-urgency incident again
    /// every `alarm_repeat_seconds` after it ended, until [`Alarm::stop`].
    pub fn ring(&self, key: NotificationTarget, urgency: Urgency, server_played: bool) {
        self.send(Command::Ring {
            key,
            urgency,
            server_played,
        });
    }

    /// The page `key` needs no more sound: acknowledged, resolved, withdrawn or closed.
    pub fn stop(&self, key: NotificationTarget) {
        self.send(Command::Stop(key));
    }

    /// While held (paused), nothing plays and nothing repeats; what was ringing stops
    /// for good (the policy rings again for what is still triggered after the pause).
    pub fn set_held(&self, held: bool) {
        self.send(Command::Held(held));
    }

    /// New settings, from now on (a sound playing now finishes with the old ones).
    pub fn update(&self, settings: AlarmSettings) {
        *lock(&self.settings) = settings.clone();
        self.send(Command::Update(settings));
    }

    /// Settings' "Test alarm": plays `urgency`'s sound once now, even while held. Says
    /// what played, or why nothing did.
    pub async fn test(&self, urgency: Urgency) -> Result<String, String> {
        let (played, answer) = oneshot::channel();
        self.send(Command::Test { urgency, played });
        answer
            .await
            .unwrap_or_else(|_| Err("the alarm is not running".into()))
    }

    /// The `Notify` hint that lets a server with the `sound` capability play `urgency`'s
    /// sound itself: `sound-name` for a theme name, `sound-file` for a file, and
    /// `suppress-sound` for "none" (so the server's own default sound stays quiet too).
    #[cfg(all(unix, not(target_os = "macos")))]
    pub fn hint(&self, urgency: Urgency) -> (&'static str, zbus::zvariant::Value<'static>) {
        use zbus::zvariant::Value;
        let settings = lock(&self.settings);
        match settings.sound(urgency) {
            Sound::None => ("suppress-sound", Value::Bool(true)),
            Sound::Theme(name) => ("sound-name", Value::from(name.clone())),
            Sound::File(path) => ("sound-file", Value::from(path.display().to_string())),
        }
    }

    fn send(&self, command: Command) {
        // Only fails when the thread is gone, which `new` already reported.
        let _ = self.commands.send(command);
    }
}

impl Alarm {
    /// Stops the audio thread (and with it any sound, closing the device) and waits for
    /// it: it only ever blocks on its channel, so it answers within one tick. Later
    /// calls do nothing; so does everything else once it has run.
    pub fn shutdown(&self) {
        let _ = self.commands.send(Command::Quit);
        let thread = lock(&self.thread).take();
        if let Some(thread) = thread {
            if thread.join().is_err() {
                warn!("the alarm thread panicked");
            }
        }
    }
}

impl Drop for Alarm {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// Holds the alarm while the engine's view says notifications are paused, until
/// `cancel`. A pause with an end is released at that end even if no new view comes.
pub async fn hold_while_paused(
    alarm: Arc<Alarm>,
    mut view: watch::Receiver<oncall_engine::View>,
    cancel: CancellationToken,
) {
    let mut held = None;
    loop {
        let pause = view.borrow_and_update().pause;
        let now = chrono::Utc::now();
        let (now_held, ends_in) = match pause {
            None => (false, None),
            Some(Pause::UntilResumed) => (true, None),
            Some(Pause::Until(until)) if until > now => (true, (until - now).to_std().ok()),
            Some(Pause::Until(_)) => (false, None),
        };
        if held != Some(now_held) {
            held = Some(now_held);
            alarm.set_held(now_held);
        }
        let pause_ends = async {
            match ends_in {
                Some(after) => tokio::time::sleep(after).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            _ = cancel.cancelled() => return,
            changed = view.changed() => if changed.is_err() { return },
            _ = pause_ends => {}
        }
    }
}

/// A page's sound while it may still play: now, or again later.
struct Ringing {
    urgency: Urgency,
    /// Whether it plays again after it ends (high-urgency incidents only).
    repeats: bool,
    /// The sound playing now, if any.
    player: Option<Playing>,
    /// When it plays next, if it is waiting to.
    next: Option<Instant>,
}

/// The audio thread's state. Everything here lives and dies on that thread.
struct AudioThread {
    settings: AlarmSettings,
    held: bool,
    ringing: HashMap<NotificationTarget, Ringing>,
    /// "Test alarm" sounds, playing to their end.
    tests: Vec<Playing>,
    /// Sounds already reported missing or unreadable: once is enough for the log.
    warned: HashSet<String>,
}

impl AudioThread {
    fn new(settings: AlarmSettings) -> AudioThread {
        AudioThread {
            settings,
            held: false,
            ringing: HashMap::new(),
            tests: Vec::new(),
            warned: HashSet::new(),
        }
    }

    fn run(mut self, commands: mpsc::Receiver<Command>) {
        loop {
            let command = match self.next_wake() {
                None => commands.recv().map_err(|_| RecvTimeoutError::Disconnected),
                Some(after) => commands.recv_timeout(after),
            };
            match command {
                Ok(Command::Quit) | Err(RecvTimeoutError::Disconnected) => break,
                Ok(command) => self.handle(command),
                Err(RecvTimeoutError::Timeout) => {}
            }
            self.tick(Instant::now());
        }
        // Ends every child still playing.
        self.ringing.clear();
        self.tests.clear();
    }

    /// How long the thread may sleep: until the next repeat, or a tick while a sound
    /// plays; `None` (until a command) when nothing plays or waits.
    fn next_wake(&self) -> Option<Duration> {
        if !self.tests.is_empty() || self.ringing.values().any(|r| r.player.is_some()) {
            return Some(PLAYING_TICK);
        }
        let now = Instant::now();
        self.ringing
            .values()
            .filter_map(|r| r.next)
            .min()
            .map(|next| next.saturating_duration_since(now))
    }

    fn handle(&mut self, command: Command) {
        match command {
            Command::Ring {
                key,
                urgency,
                server_played,
            } => {
                if self.held || self.settings.sound(urgency) == &Sound::None {
                    return;
                }
                let repeats = urgency == Urgency::High
                    && matches!(key, NotificationTarget::Incident(_))
                    && self.settings.repeat.is_some();
                if server_played && !repeats {
                    return;
                }
                let now = Instant::now();
                let next = if server_played {
                    // The server's sound plays now; the first repeat follows its end.
                    let length = self.length(urgency).unwrap_or_default();
                    now + length + self.settings.repeat.unwrap_or_default()
                } else {
                    now
                };
                let ringing = self.ringing.entry(key).or_insert(Ringing {
                    urgency,
                    repeats,
                    player: None,
                    next: None,
                });
                ringing.urgency = urgency;
                ringing.repeats = repeats;
                // A sound still playing (a repeat of the page arrived meanwhile) is
                // not started twice; it ends and the repeats go on from there.
                if ringing.player.is_none() {
                    ringing.next = Some(next);
                }
            }
            Command::Stop(key) => {
                // Dropping its child stops the sound.
                if self.ringing.remove(&key).is_some() {
                    debug!(?key, "alarm stopped");
                }
            }
            Command::Held(held) => {
                self.held = held;
                if held {
                    self.ringing.clear();
                }
            }
            // A sound playing now ends as it began; the next one has the new settings.
            Command::Update(settings) => self.settings = settings,
            Command::Test { urgency, played } => {
                let sound = self.settings.sound(urgency).clone();
                let answer = match &sound {
                    Sound::None => Err(format!(
                        "The {} urgency sound is \"none\": nothing to play.",
                        urgency_word(urgency)
                    )),
                    _ => match self.play(&sound) {
                        Ok((player, what)) => {
                            self.tests.push(player);
                            Ok(format!("Playing {what}."))
                        }
                        Err(e) => Err(e),
                    },
                };
                let _ = played.send(answer);
            }
            Command::Quit => {}
        }
    }

    /// Starts what is due, forgets what has ended.
    fn tick(&mut self, now: Instant) {
        self.tests.retain_mut(|player| !player.ended());
        let mut due = Vec::new();
        self.ringing.retain(|key, ringing| {
            if ringing.player.as_mut().is_some_and(Playing::ended) {
                ringing.player = None;
                if !ringing.repeats {
                    return false;
                }
                ringing.next = Some(now + self.settings.repeat.unwrap_or_default());
            }
            if ringing.player.is_none() && ringing.next.is_some_and(|next| next <= now) {
                ringing.next = None;
                due.push(key.clone());
            }
            true
        });
        for key in due {
            let Some(urgency) = self.ringing.get(&key).map(|r| r.urgency) else {
                continue;
            };
            let sound = self.settings.sound(urgency).clone();
            let played = match sound {
                Sound::None => None,
                sound => match self.play(&sound) {
                    Ok((player, what)) => {
                        info!(?key, "alarm: playing {what}");
                        Some(player)
                    }
                    Err(e) => {
                        if self.warned.insert(format!("device: {e}")) {
                            warn!("the alarm could not play: {e}");
                        }
                        None
                    }
                },
            };
            match (played, self.ringing.get_mut(&key)) {
                (Some(player), Some(ringing)) => ringing.player = Some(player),
                // Nothing can play: the page stays on screen, silent.
                _ => {
                    self.ringing.remove(&key);
                }
            }
        }
    }

    /// Plays `sound` once, in a child process; says what is playing.
    fn play(&mut self, sound: &Sound) -> Result<(Playing, String), String> {
        let file = self.file_for(sound);
        let mut child = player_command(file.as_deref())
            .arg("--volume")
            .arg(self.settings.volume.to_string())
            // Held open by `Playing`: the child exits when it closes (we stopped the
            // sound, or this process died).
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            // ALSA writes every device it tried and failed to stderr; the answer line
            // carries what matters, and the log has it.
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("the sound player does not start: {e}"))?;
        let answer = child.stdout.take();
        let mut playing = Playing(child);
        let Some(answer) = answer else {
            return Err("the sound player gave no answer".into());
        };
        for line in std::io::BufReader::new(answer).lines() {
            let line = line.map_err(|e| format!("the sound player's answer: {e}"))?;
            if let Some(what) = line.strip_prefix("playing ") {
                return Ok((playing, what.to_owned()));
            }
            if let Some(error) = line.strip_prefix("error ") {
                return Err(error.to_owned());
            }
            if let (Some(error), Some(file)) = (line.strip_prefix("fallback "), &file) {
                if self.warned.insert(file.display().to_string()) {
                    warn!(file = %file.display(), "the sound cannot be played ({error}): playing the built-in alarm tone");
                }
            }
        }
        Err(format!(
            "the sound player ended without playing ({})",
            playing.end()
        ))
    }

    /// The file to play for `sound`; `None` for the built-in tone, which plays when the
    /// sound cannot be found: a page must be heard even when its sound went missing.
    fn file_for(&mut self, sound: &Sound) -> Option<PathBuf> {
        match sound {
            Sound::None => None,
            Sound::Theme(name) => {
                let found = find_in_theme(name, &data_dirs());
                if found.is_none() && self.warned.insert(name.clone()) {
                    warn!(
                        sound = %name,
                        "no such sound in the freedesktop sound theme: playing the built-in alarm tone"
                    );
                }
                found
            }
            Sound::File(path) => Some(path.clone()),
        }
    }

    /// How long `urgency`'s sound lasts, when its file says so.
    fn length(&mut self, urgency: Urgency) -> Option<Duration> {
        let sound = self.settings.sound(urgency).clone();
        if sound == Sound::None {
            return None;
        }
        let Some(file) = self.file_for(&sound) else {
            return Some(TONE_LENGTH);
        };
        let output = player_command(Some(&file))
            .arg("--length")
            .stdin(Stdio::null())
            .stderr(Stdio::null())
            .output()
            .ok()?;
        // After a `fallback` line when the file cannot be read: the tone's length.
        let answer = String::from_utf8_lossy(&output.stdout);
        let millis = answer.lines().last()?.parse().ok()?;
        Some(Duration::from_millis(millis))
    }
}

/// A sound playing in its child process (whose stdin `Child` holds open). Dropping it
/// stops the sound.
struct Playing(Child);

impl Playing {
    /// Whether the sound has ended: its child has exited.
    fn ended(&mut self) -> bool {
        !matches!(self.0.try_wait(), Ok(None))
    }

    /// Stops the sound if it still plays; says how its child ended.
    fn end(&mut self) -> String {
        drop(self.0.stdin.take());
        if let Ok(None) = self.0.try_wait() {
            let _ = self.0.kill();
        }
        match self.0.wait() {
            Ok(status) => status.to_string(),
            Err(e) => e.to_string(),
        }
    }
}

impl Drop for Playing {
    fn drop(&mut self) {
        // Also reaps the child: no zombie is left behind.
        self.end();
    }
}

/// `oncall-tray play-sound [--file FILE]`: this very executable, so the child speaks
/// the same protocol. On Linux it is `/proc/self/exe`, which still runs after a package
/// upgrade replaced the file the app was started from.
fn player_command(file: Option<&Path>) -> std::process::Command {
    #[cfg(target_os = "linux")]
    let executable = PathBuf::from("/proc/self/exe");
    #[cfg(not(target_os = "linux"))]
    let executable = std::env::current_exe().unwrap_or_else(|_| PathBuf::from("oncall-tray"));
    let mut command = std::process::Command::new(executable);
    #[cfg(unix)]
    std::os::unix::process::CommandExt::arg0(&mut command, "oncall-tray");
    command.arg("play-sound");
    if let Some(file) = file {
        command.arg("--file").arg(file);
    }
    command
}

/// `name` in the freedesktop sound theme (Sound Theme Specification): the `stereo`
/// directory of each theme under each of [`data_dirs`]' `sounds`.
fn find_in_theme(name: &str, data_dirs: &[PathBuf]) -> Option<PathBuf> {
    THEMES.iter().find_map(|theme| {
        data_dirs.iter().find_map(|root| {
            EXTENSIONS.iter().find_map(|extension| {
                let file = root
                    .join("sounds")
                    .join(theme)
                    .join("stereo")
                    .join(format!("{name}.{extension}"));
                file.is_file().then_some(file)
            })
        })
    })
}

/// `$XDG_DATA_HOME` (the user's own), then `$XDG_DATA_DIRS`, with the XDG defaults.
fn data_dirs() -> Vec<PathBuf> {
    let data_home = std::env::var_os("XDG_DATA_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| Path::new(&home).join(".local/share")));
    let system = std::env::var("XDG_DATA_DIRS")
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| "/usr/local/share:/usr/share".into());
    data_home
        .into_iter()
        .chain(
            system
                .split(':')
                .filter(|d| !d.is_empty())
                .map(PathBuf::from),
        )
        .collect()
}

fn urgency_word(urgency: Urgency) -> &'static str {
    match urgency {
        Urgency::High => "high",
        Urgency::Low => "low",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn theme_names_are_found_in_the_user_dir_first_then_the_system_dirs() {
        let home = tempfile::tempdir().unwrap();
        let system = tempfile::tempdir().unwrap();
        let stereo = |root: &Path, theme: &str| {
            let dir = root.join("sounds").join(theme).join("stereo");
            std::fs::create_dir_all(&dir).unwrap();
            dir
        };
        let system_bell = stereo(system.path(), "freedesktop").join("bell.oga");
        std::fs::write(&system_bell, b"x").unwrap();
        let custom_bell = stereo(home.path(), "__custom").join("bell.wav");
        std::fs::write(&custom_bell, b"x").unwrap();
        let dirs = [home.path().to_path_buf(), system.path().to_path_buf()];
        assert_eq!(find_in_theme("bell", &dirs), Some(custom_bell));
        assert_eq!(find_in_theme("dialog-warning", &dirs), None);
        assert_eq!(
            find_in_theme("bell", &dirs[1..]),
            Some(system_bell),
            "the freedesktop theme, when the user has no __custom one"
        );
    }

    fn thread(repeat_seconds: u64) -> AudioThread {
        AudioThread::new(AlarmSettings {
            // Not installed anywhere: its length is the built-in tone's, known here.
            sound_high: Sound::Theme("no-such-sound-anywhere".into()),
            repeat: (repeat_seconds > 0).then(|| Duration::from_secs(repeat_seconds)),
            ..AlarmSettings::default()
        })
    }

    fn incident(id: &str) -> NotificationTarget {
        NotificationTarget::Incident(oncall_model::IncidentKey::new("work", id))
    }

    fn ring(thread: &mut AudioThread, key: &NotificationTarget, urgency: Urgency, server: bool) {
        thread.handle(Command::Ring {
            key: key.clone(),
            urgency,
            server_played: server,
        });
    }

    #[test]
    fn a_high_urgency_page_plays_now_and_repeats_only_when_configured() {
        let (page, summary) = (
            incident("P1"),
            NotificationTarget::Summary(oncall_policy::SummaryId(7)),
        );
        let mut repeating = thread(2);
        let before = Instant::now();
        ring(&mut repeating, &page, Urgency::High, false);
        ring(&mut repeating, &summary, Urgency::High, false);
        let rung = &repeating.ringing[&page];
        assert!(rung.repeats && rung.next.is_some_and(|next| next <= Instant::now()));
        assert!(rung.next.unwrap() >= before);
        assert!(
            !repeating.ringing[&summary].repeats,
            "a summary has no Acknowledge to stop it: it plays once"
        );

        let mut once = thread(0);
        ring(&mut once, &page, Urgency::High, false);
        assert!(!once.ringing[&page].repeats, "0 = once per page");
    }

    #[test]
    fn a_sound_of_none_plays_nothing() {
        let mut alarm = thread(2);
        ring(&mut alarm, &incident("P1"), Urgency::Low, false);
        assert!(alarm.ringing.is_empty(), "sound_low defaults to none");
    }

    #[test]
    fn a_pause_silences_what_rings_and_what_would_ring() {
        let mut alarm = thread(2);
        ring(&mut alarm, &incident("P1"), Urgency::High, false);
        alarm.handle(Command::Held(true));
        assert!(alarm.ringing.is_empty(), "repeats stop for good");
        ring(&mut alarm, &incident("P2"), Urgency::High, false);
        assert!(alarm.ringing.is_empty(), "nothing plays while held");
        alarm.handle(Command::Held(false));
        ring(&mut alarm, &incident("P3"), Urgency::High, false);
        assert_eq!(alarm.ringing.len(), 1);
    }

    #[test]
    fn a_server_that_plays_sounds_plays_the_first_ring_and_the_repeats_follow_it() {
        let page = incident("P1");
        let mut once = thread(0);
        ring(&mut once, &page, Urgency::High, true);
        assert!(
            once.ringing.is_empty(),
            "the server's sound was the one ring"
        );

        let mut repeating = thread(2);
        let before = Instant::now();
        ring(&mut repeating, &page, Urgency::High, true);
        let next = repeating.ringing[&page].next.expect("a repeat is due");
        assert!(
            next >= before + TONE_LENGTH + Duration::from_secs(2),
            "after the server's sound and the interval"
        );
    }

    #[test]
    fn stop_forgets_the_page_and_only_that_page() {
        let mut alarm = thread(2);
        ring(&mut alarm, &incident("P1"), Urgency::High, false);
        ring(&mut alarm, &incident("P2"), Urgency::High, false);
        alarm.handle(Command::Stop(incident("P1")));
        assert_eq!(alarm.ringing.keys().collect::<Vec<_>>(), [&incident("P2")]);
    }

    #[test]
    fn new_settings_apply_to_the_next_sound() {
        let mut alarm = thread(0);
        alarm.handle(Command::Update(AlarmSettings {
            sound_low: Sound::Theme("bell".into()),
            ..AlarmSettings::default()
        }));
        ring(&mut alarm, &incident("P1"), Urgency::Low, false);
        assert!(
            !alarm.ringing[&incident("P1")].repeats,
            "low urgency plays once"
        );
    }
}

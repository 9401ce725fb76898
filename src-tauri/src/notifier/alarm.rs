//! The alarm: the sound of a page, per urgency (`sound_high`, `sound_low`), repeated
//! for a high-urgency incident every `alarm_repeat_seconds` until it is acknowledged,
//! resolved or withdrawn.
//!
//! Playback runs on one dedicated thread (rodio's device handle is `!Send`, and
//! decoding and device calls block): callers only send it [`Command`]s over a channel,
//! so no lock and no async task ever waits on audio. [`Alarm`] owns that thread; its
//! `Drop` asks the thread to stop and joins it. The audio device is opened on the first
//! sound and closed as soon as nothing plays: a tray app that never rings holds no audio
//! device, and one that rang does not keep a stream (and its wake-ups) running all day.
//!
//! On Linux rodio plays through ALSA, whose default device reaches PulseAudio or
//! PipeWire through their ALSA plugins; on macOS and Windows through CoreAudio and
//! WASAPI. Where the notification server plays sounds itself (the `sound` capability),
//! the notifier passes the sound as a hint instead and the first ring is the server's;
//! only the repeats are played here.
//!
//! Holding: a pause holds every page, so it holds the sound too ([`Alarm::set_held`],
//! driven by [`hold_while_paused`]). Quiet hours need nothing here: they hold only
//! low-urgency pages, whose sound never repeats, and a held page plays when the policy
//! releases it.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use oncall_model::Urgency;
use oncall_policy::{NotificationTarget, Pause};
use oncall_store::{AlarmSettings, Sound};
use rodio::Source as _;
use tokio::sync::{oneshot, watch};
use tokio_util::sync::CancellationToken;
use tracing::{debug, info, warn};

use crate::lock::lock;

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
    player: Option<rodio::Player>,
    /// When it plays next, if it is waiting to.
    next: Option<Instant>,
}

/// The audio thread's state. Everything here lives and dies on that thread.
struct AudioThread {
    settings: AlarmSettings,
    held: bool,
    ringing: HashMap<NotificationTarget, Ringing>,
    /// "Test alarm" sounds, playing to their end.
    tests: Vec<rodio::Player>,
    /// Open only while something plays.
    device: Option<rodio::MixerDeviceSink>,
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
            device: None,
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
        // Players first, then the device they play on.
        self.ringing.clear();
        self.tests.clear();
        self.device = None;
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
                if let Some(ringing) = self.ringing.remove(&key) {
                    if let Some(player) = ringing.player {
                        player.stop();
                    }
                    debug!(?key, "alarm stopped");
                }
            }
            Command::Held(held) => {
                self.held = held;
                if held {
                    for (_, ringing) in self.ringing.drain() {
                        if let Some(player) = ringing.player {
                            player.stop();
                        }
                    }
                }
            }
            Command::Update(settings) => {
                let volume = volume(&settings);
                for ringing in self.ringing.values() {
                    if let Some(player) = &ringing.player {
                        player.set_volume(volume);
                    }
                }
                self.settings = settings;
            }
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

    /// Starts what is due, forgets what has ended, closes the device when all is quiet.
    fn tick(&mut self, now: Instant) {
        self.tests.retain(|player| !player.empty());
        let mut due = Vec::new();
        self.ringing.retain(|key, ringing| {
            if ringing.player.as_ref().is_some_and(|p| p.empty()) {
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
        if self.device.is_some()
            && self.tests.is_empty()
            && self.ringing.values().all(|r| r.player.is_none())
        {
            debug!("alarm: closing the audio device");
            self.device = None;
        }
    }

    /// Plays `sound` once; says what is playing.
    fn play(&mut self, sound: &Sound) -> Result<(rodio::Player, String), String> {
        let (source, what) = self.source(sound);
        if self.device.is_none() {
            let mut device = rodio::DeviceSinkBuilder::open_default_sink()
                .map_err(|e| format!("no audio output: {}", chain(&e)))?;
            device.log_on_drop(false);
            self.device = Some(device);
        }
        let device = self.device.as_ref().expect("opened above");
        let player = rodio::Player::connect_new(device.mixer());
        player.set_volume(volume(&self.settings));
        player.append(source);
        Ok((player, what))
    }

    /// The sound to play for `sound`, or the built-in tone when it cannot be found or
    /// read: a page must be heard even when its sound file went missing.
    fn source(&mut self, sound: &Sound) -> (Box<dyn rodio::Source + Send>, String) {
        let file = match sound {
            Sound::None => return (Box::new(rodio::source::Empty::new()), "nothing".into()),
            Sound::Theme(name) => match find_in_theme(name, &data_dirs()) {
                Some(file) => file,
                None => {
                    if self.warned.insert(name.clone()) {
                        warn!(
                            sound = %name,
                            "no such sound in the freedesktop sound theme: playing the built-in alarm tone"
                        );
                    }
                    return (Box::new(built_in_tone()), "the built-in alarm tone".into());
                }
            },
            Sound::File(path) => path.clone(),
        };
        match decode(&file) {
            Ok(source) => (source, format!("{}", file.display())),
            Err(e) => {
                if self.warned.insert(file.display().to_string()) {
                    warn!(file = %file.display(), "the sound cannot be played ({e}): playing the built-in alarm tone");
                }
                (Box::new(built_in_tone()), "the built-in alarm tone".into())
            }
        }
    }

    /// How long `urgency`'s sound lasts, when its file says so.
    fn length(&mut self, urgency: Urgency) -> Option<Duration> {
        let sound = self.settings.sound(urgency).clone();
        self.source(&sound).0.total_duration()
    }
}

fn decode(file: &Path) -> Result<Box<dyn rodio::Source + Send>, String> {
    let opened = std::fs::File::open(file).map_err(|e| e.to_string())?;
    let decoder = rodio::Decoder::try_from(opened).map_err(|e| chain(&e))?;
    Ok(Box::new(decoder))
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

/// Three rising beeps, about a second: what plays when a sound cannot be found (always
/// the case for theme names on macOS and Windows, which have no freedesktop theme).
fn built_in_tone() -> rodio::buffer::SamplesBuffer {
    const RATE: u32 = 44_100;
    let mut samples = Vec::new();
    for frequency in [880.0f32, 988.0, 1175.0] {
        let beep = (RATE as f32 * 0.18) as usize;
        for i in 0..beep {
            let t = i as f32 / RATE as f32;
            // A short fade at both ends, so the beeps do not click.
            let edge = (i.min(beep - i) as f32 / (RATE as f32 * 0.01)).min(1.0);
            samples.push((t * frequency * std::f32::consts::TAU).sin() * 0.5 * edge);
        }
        samples.extend(std::iter::repeat_n(0.0, (RATE as f32 * 0.12) as usize));
    }
    rodio::buffer::SamplesBuffer::new(
        rodio::ChannelCount::MIN,
        rodio::SampleRate::new(RATE).expect("not zero"),
        samples,
    )
}

fn volume(settings: &AlarmSettings) -> f32 {
    f32::from(settings.volume) / 100.0
}

fn urgency_word(urgency: Urgency) -> &'static str {
    match urgency {
        Urgency::High => "high",
        Urgency::Low => "low",
    }
}

/// An error and its causes on one line: rodio's own messages are short ("Error opening
/// the stream with the OS") and the cause says which.
fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
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
        let tone = built_in_tone().total_duration().unwrap();
        assert!(
            next >= before + tone + Duration::from_secs(2),
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

    #[test]
    fn the_built_in_tone_is_audible_and_short() {
        let tone = built_in_tone();
        let length = tone.total_duration().unwrap();
        assert!(length > Duration::from_millis(500) && length < Duration::from_secs(2));
        let peak = tone.fold(0.0f32, |peak, s| peak.max(s.abs()));
        assert!(peak > 0.4, "{peak}");
    }
}

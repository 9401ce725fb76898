//! `oncall-tray play-sound` (hidden): plays one alarm sound and exits. The alarm
//! (`notifier/alarm.rs`) runs it as a child for every sound.
//!
//! Why a process of its own: the audio stack is heavy and sticky. Opening ALSA's
//! default device loads its PulseAudio or PipeWire plugin and some twenty libraries
//! behind it (X11, libsndfile and its codecs, systemd, gcrypt: about 2 MiB here), and
//! they stay loaded for the life of the process that opened it, even after the device
//! is closed and ALSA's own cache is freed (libpulse cannot be unloaded). The tray
//! process runs all day; the child lives for one sound. A crash in a sound server's
//! client library also ends only that sound, never the process that pages.
//!
//! It never outlives its purpose: it exits when its stdin closes (the parent keeps the
//! other end, so the parent's death or its "stop" ends the sound at once, on every
//! platform), and at the latest [`OVERRUN`] after the sound's own length, should a
//! sound server vanish mid-sound and leave the stream hanging.
//!
//! The child answers on stdout with one line, once it knows:
//! - `playing WHAT`: the device is open and the sound started; it exits when it ends.
//! - `error MESSAGE`: nothing plays (no audio output); exit status 1.
//! - `fallback MESSAGE` first, when the file cannot be read: the built-in tone plays.
//! - with `--length`: the sound's length in milliseconds, or `unknown`; nothing plays.

use std::io::{Read as _, Write as _};
use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use rodio::Source as _;

use crate::cli::PlaySound;

pub fn run(sound: &PlaySound) -> ExitCode {
    // Started as /proc/self/exe, it would be "exe" in `top`.
    #[cfg(target_os = "linux")]
    let _ = rustix::thread::set_name(c"oncall-tray-snd");
    let mut out = std::io::stdout().lock();
    let (source, what) = match &sound.file {
        None => (tone(), "the built-in alarm tone".to_owned()),
        Some(file) => match decode(file) {
            Ok(source) => (source, file.display().to_string()),
            Err(e) => {
                let _ = writeln!(out, "fallback {}", one_line(&e));
                (tone(), "the built-in alarm tone".to_owned())
            }
        },
    };
    if sound.length {
        let length = source
            .total_duration()
            .map_or_else(|| "unknown".to_owned(), |d| d.as_millis().to_string());
        let _ = writeln!(out, "{length}");
        return ExitCode::SUCCESS;
    }
    let mut device = match rodio::DeviceSinkBuilder::open_default_sink() {
        Ok(device) => device,
        Err(e) => {
            let _ = writeln!(out, "error no audio output: {}", one_line(&chain(&e)));
            return ExitCode::FAILURE;
        }
    };
    device.log_on_drop(false);
    let ends_by = Instant::now() + source.total_duration().unwrap_or(LONGEST) + OVERRUN;
    let player = rodio::Player::connect_new(device.mixer());
    player.set_volume(f32::from(sound.volume) / 100.0);
    player.append(source);
    let _ = writeln!(out, "playing {}", one_line(&what));
    let _ = out.flush();
    exit_when_stdin_closes();
    while !player.empty() && Instant::now() < ends_by {
        std::thread::sleep(Duration::from_millis(50));
    }
    ExitCode::SUCCESS
}

/// How long a sound may play past its own length before the child gives up on it.
const OVERRUN: Duration = Duration::from_secs(5);
/// The length assumed for a sound whose file does not say.
const LONGEST: Duration = Duration::from_secs(60);

/// Ends the process once stdin reaches its end: the parent closed it, or died. (Should
/// the thread not start, the time limit still ends the process.)
fn exit_when_stdin_closes() {
    let _ = std::thread::Builder::new()
        .name("parent-watch".into())
        .spawn(|| {
            let mut stdin = std::io::stdin().lock();
            let mut buffer = [0u8; 64];
            while matches!(stdin.read(&mut buffer), Ok(n) if n > 0) {}
            std::process::exit(0);
        });
}

fn decode(file: &Path) -> Result<Box<dyn rodio::Source + Send>, String> {
    let opened = std::fs::File::open(file).map_err(|e| e.to_string())?;
    let decoder = rodio::Decoder::try_from(opened).map_err(|e| chain(&e))?;
    Ok(Box::new(decoder))
}

fn tone() -> Box<dyn rodio::Source + Send> {
    Box::new(built_in_tone())
}

/// How long the built-in tone lasts: what the parent assumes when no file is played.
pub const TONE_LENGTH: Duration = Duration::from_millis(900);

/// Three rising beeps, 0.9 s ([`TONE_LENGTH`]): what plays when a sound cannot be found
/// or read (always the case for theme names on macOS and Windows, which have no
/// freedesktop theme).
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

/// The protocol is one line per answer.
fn one_line(text: &str) -> String {
    text.replace(['\n', '\r'], " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_tone_is_audible_and_as_long_as_the_parent_assumes() {
        let tone = built_in_tone();
        let length = tone.total_duration().unwrap();
        assert!(
            length.abs_diff(TONE_LENGTH) < Duration::from_millis(5),
            "{length:?}"
        );
        let peak = tone.fold(0.0f32, |peak, s| peak.max(s.abs()));
        assert!(peak > 0.4, "{peak}");
    }
}

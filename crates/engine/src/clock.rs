//! Time, injectable. The engine reads the wall clock through [`Clock`] so that tests run
//! on paused tokio time and can make the laptop "sleep" by jumping the wall clock.

use std::sync::Mutex;
use std::time::Duration;

use chrono::{DateTime, Local, NaiveTime, Utc};
use tokio::time::Instant;

pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> DateTime<Utc>;
    /// Local time of day, for quiet hours.
    fn local_time(&self) -> NaiveTime;
}

/// The real clocks.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
    fn local_time(&self) -> NaiveTime {
        Local::now().time()
    }
}

/// A wall clock that moves with tokio's (pausable) clock, plus jumps for simulated
/// sleeps. Local time is taken to be UTC.
#[derive(Debug)]
pub struct TestClock {
    start_wall: DateTime<Utc>,
    start_mono: Instant,
    // A std mutex is fine: it is held for an addition, never across an .await.
    jumped: Mutex<Duration>,
}

impl TestClock {
    pub fn new(start_wall: DateTime<Utc>) -> Self {
        TestClock {
            start_wall,
            start_mono: Instant::now(),
            jumped: Mutex::new(Duration::ZERO),
        }
    }

    /// Moves the wall clock forward without moving the monotonic clock: what a laptop
    /// sees after waking from suspend.
    pub fn jump(&self, by: Duration) {
        *self.jumped.lock().expect("clock mutex poisoned") += by;
    }
}

impl Clock for TestClock {
    fn now(&self) -> DateTime<Utc> {
        let jumped = *self.jumped.lock().expect("clock mutex poisoned");
        self.start_wall
            + chrono::Duration::from_std(self.start_mono.elapsed() + jumped)
                .expect("test clock within range")
    }
    fn local_time(&self) -> NaiveTime {
        self.now().time()
    }
}

/// Detects that the machine slept: the wall clock ran ahead of the monotonic clock
/// (which stops during suspend) since the last check.
#[derive(Debug)]
pub(crate) struct WakeDetector {
    wall: DateTime<Utc>,
    mono: Instant,
}

/// Clock skew below this is NTP adjustment or scheduling noise, not a sleep.
const WAKE_THRESHOLD: Duration = Duration::from_secs(10);

impl WakeDetector {
    pub(crate) fn new(clock: &dyn Clock) -> Self {
        WakeDetector {
            wall: clock.now(),
            mono: Instant::now(),
        }
    }

    /// Whether the machine slept since the previous call.
    pub(crate) fn woke(&mut self, clock: &dyn Clock) -> bool {
        let wall = clock.now();
        let mono = Instant::now();
        let wall_elapsed = (wall - self.wall).to_std().unwrap_or(Duration::ZERO);
        let mono_elapsed = mono - self.mono;
        self.wall = wall;
        self.mono = mono;
        wall_elapsed > mono_elapsed + WAKE_THRESHOLD
    }
}

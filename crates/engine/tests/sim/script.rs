//! The script: what happens to the user, their laptop, the network and the service, as
//! a list of events drawn from one seed.
//!
//! Events name their targets by a number (`pick`) that is resolved against whatever
//! exists when the event runs, so any sub-list of a script is still a valid script:
//! that is what lets a failing run be shrunk by dropping events.

use std::fmt;

use oncall_model::Urgency;

use super::service::Scope;

/// Ways the network or the service fail while an outage lasts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outage {
    /// 429 with `ratelimit-reset` (the engine must wait that long after the outage).
    RateLimitedWithReset,
    /// 429 with `Retry-After`.
    RateLimitedWithRetryAfter,
    /// 429 with neither header nor body.
    RateLimitedBare,
    ServerError(u16),
    /// Every poll takes longer than the client's timeout.
    Timeout,
    DroppedConnection,
    /// Polls answered 200 with a body cut short.
    MalformedBody,
}

/// Ways the desktop's notification server fails while a screen outage lasts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScreenOutage {
    /// No server owns the name (the session is still starting, the daemon crashed); one
    /// starting again is announced (`NameOwnerChanged`).
    Absent,
    /// A server that answers every call with an error.
    Refusing,
    /// A server that never answers.
    Wedged,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Restart {
    /// Quit and start again at once.
    Clean,
    /// Quit; the app stays closed for a while.
    Down { secs: u64 },
    /// The app dies and `state.json` is found cut short (a disk that lied about fsync):
    /// it is moved aside and the engine starts with no memory.
    CorruptState { keep_permille: u16 },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// Virtual time passes (the engine polls as it would).
    Wait {
        secs: u64,
    },
    /// The laptop sleeps: the wall clock jumps, the monotonic clock does not.
    Sleep {
        secs: u64,
    },
    /// An incident fires on one of the two services (0 or 1: the service module names
    /// them), assigned to me or to a colleague.
    Trigger {
        urgency: Urgency,
        mine: bool,
        service: u8,
    },
    /// Acknowledged on the phone or web UI, by me or a colleague.
    AckElsewhere {
        pick: u32,
        by_me: bool,
    },
    ResolveElsewhere {
        pick: u32,
    },
    /// An acknowledged incident's ack timeout ends: it is triggered again.
    AckTimeout {
        pick: u32,
    },
    /// Escalated or reassigned to me (alone or with a colleague).
    ReassignToMe {
        pick: u32,
        with_colleague: bool,
    },
    ReassignAway {
        pick: u32,
    },
    UrgencyChange {
        pick: u32,
    },
    /// Many incidents, already acknowledged by me, so that a poll spans pages.
    Flood {
        count: u32,
    },
    /// The flood's incidents are resolved.
    FloodResolved,
    OutageStarts(Outage),
    OutageEnds,
    /// The token is revoked on the service; the app keeps the old one.
    TokenRevoked,
    /// The user stores the new token.
    TokenFixed,
    Restart(Restart),
    /// Notifications stop reaching the screen.
    ScreenOut(ScreenOutage),
    /// They reach it again.
    ScreenBack,
    /// The user acknowledges an incident the tray shows triggered.
    UserAck {
        pick: u32,
    },
    UserResolve {
        pick: u32,
    },
    /// The user snoozes an incident the tray shows acknowledged.
    UserSnooze {
        pick: u32,
        secs: u32,
    },
    /// `None`: until resumed.
    Pause {
        secs: Option<u64>,
    },
    Resume,
    /// The user mutes one of the two services for a while (it ends by itself then).
    Mute {
        service: u8,
        secs: u64,
    },
    /// The user lifts that service's mute, if any.
    Unmute {
        service: u8,
    },
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self:?}")
    }
}

/// Draws `events` events from `seed`. The mix keeps a few incidents open at a time,
/// outages and token trouble short enough that pages still come, and the rare events
/// (restarts, sleeps, floods) frequent enough that 10,000 events see each many times.
///
/// An event the service has no counterpart for (`scope`) is drawn again, or mapped to
/// its honest counterpart ([`fit`]); a service with a full scope (PagerDuty) gets the
/// script it always got.
pub fn generate(seed: u64, events: usize, scope: Scope) -> Vec<Event> {
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut script = Vec::with_capacity(events);
    // Only the generator's bookkeeping, to keep outages and floods paired.
    let mut outage = false;
    let mut revoked = false;
    let mut flooded = false;
    let mut screen_out = false;
    while script.len() < events {
        let roll = rng.u32(0..1000);
        let event = match roll {
            0..=299 => Event::Wait {
                secs: match rng.u32(0..100) {
                    0..=69 => rng.u64(1..=20),
                    70..=94 => rng.u64(20..=120),
                    _ => rng.u64(120..=600),
                },
            },
            300..=319 => Event::Sleep {
                // Log-uniform from 10 s to 4 h.
                secs: (10.0 * (1440.0f64).powf(rng.f64())) as u64,
            },
            320..=419 => Event::Trigger {
                urgency: if rng.bool() {
                    Urgency::High
                } else {
                    Urgency::Low
                },
                mine: rng.u32(0..4) != 0,
                service: rng.u8(0..2),
            },
            420..=489 => Event::AckElsewhere {
                pick: rng.u32(..),
                by_me: rng.bool(),
            },
            490..=569 => Event::ResolveElsewhere { pick: rng.u32(..) },
            570..=619 => Event::AckTimeout { pick: rng.u32(..) },
            620..=649 => Event::ReassignToMe {
                pick: rng.u32(..),
                with_colleague: rng.bool(),
            },
            650..=674 => Event::ReassignAway { pick: rng.u32(..) },
            675..=694 => Event::UrgencyChange { pick: rng.u32(..) },
            // Rare and short: a poll of 100+ incidents costs a debug build ten times an
            // ordinary one, and a few dozen of them per seed show pagination working.
            695 if !flooded => {
                flooded = true;
                Event::Flood {
                    count: rng.u32(101..=115),
                }
            }
            695..=794 if flooded => {
                flooded = false;
                Event::FloodResolved
            }
            705..=719 if !outage => {
                outage = true;
                Event::OutageStarts(match rng.u32(0..7) {
                    0 => Outage::RateLimitedWithReset,
                    1 => Outage::RateLimitedWithRetryAfter,
                    2 => Outage::RateLimitedBare,
                    3 => Outage::ServerError(*rng.choice(&[500, 502, 503, 504]).unwrap()),
                    4 => Outage::Timeout,
                    5 => Outage::DroppedConnection,
                    _ => Outage::MalformedBody,
                })
            }
            705..=749 if outage => {
                outage = false;
                Event::OutageEnds
            }
            750..=753 if !revoked => {
                revoked = true;
                Event::TokenRevoked
            }
            750..=779 if revoked => {
                revoked = false;
                Event::TokenFixed
            }
            780..=791 => Event::Restart(match rng.u32(0..6) {
                0..=2 => Restart::Clean,
                3 | 4 => Restart::Down {
                    secs: rng.u64(1..=900),
                },
                _ => Restart::CorruptState {
                    keep_permille: rng.u16(0..1000),
                },
            }),
            792..=869 => Event::UserAck { pick: rng.u32(..) },
            870..=899 => Event::UserResolve { pick: rng.u32(..) },
            900..=929 => Event::UserSnooze {
                pick: rng.u32(..),
                secs: *rng.choice(&[60, 300, 900, 3600, 4 * 3600]).unwrap(),
            },
            930..=944 => Event::Pause {
                secs: match rng.u32(0..4) {
                    0 => None,
                    _ => Some(rng.u64(60..=3600)),
                },
            },
            945..=964 => Event::Resume,
            965..=969 if !screen_out => {
                screen_out = true;
                Event::ScreenOut(match rng.u32(0..3) {
                    0 => ScreenOutage::Absent,
                    1 => ScreenOutage::Refusing,
                    _ => ScreenOutage::Wedged,
                })
            }
            965..=989 if screen_out => {
                screen_out = false;
                Event::ScreenBack
            }
            990..=993 => Event::Mute {
                service: rng.u8(0..2),
                secs: *rng.choice(&[60, 600, 3600, 4 * 3600]).unwrap(),
            },
            994..=997 => Event::Unmute {
                service: rng.u8(0..2),
            },
            _ => Event::Wait {
                secs: rng.u64(1..=30),
            },
        };
        if let Some(event) = fit(event, scope) {
            script.push(event);
        }
    }
    script
}

/// `event` as the service of `scope` can make it happen, or `None` when it has no
/// counterpart: low urgency becomes high where every incident is high; a colleague's
/// incident, a reassignment, an urgency change and a second service to mute exist only
/// where the service has them.
fn fit(event: Event, scope: Scope) -> Option<Event> {
    match event {
        Event::Trigger {
            urgency,
            mine,
            service,
        } => (mine || scope.colleagues).then_some(Event::Trigger {
            urgency: if scope.low_urgency {
                urgency
            } else {
                Urgency::High
            },
            mine,
            service: if scope.services { service } else { 0 },
        }),
        Event::ReassignToMe { .. } | Event::ReassignAway { .. } => scope.reassign.then_some(event),
        Event::UrgencyChange { .. } => scope.urgency_change.then_some(event),
        Event::Mute { .. } | Event::Unmute { .. } => scope.services.then_some(event),
        _ => Some(event),
    }
}

//! Rendering a schedule on the fake's clock: who each rotation has on call at an instant,
//! the periods of a timeline, and the on-call answers derived from them.
//!
//! An Opsgenie schedule's rotations run side by side (each has someone on call), unlike
//! PagerDuty's layers that cover one another. An override replaces whoever the rotations
//! it names (all, when it names none) have on call, the later created winning where
//! overrides overlap; `none` leaves nobody on call there. Time restrictions are not
//! modelled.
//!
//! Rendering cuts a range at every point where the answer may change (turn boundaries,
//! rotation and override edges), asks once per piece and merges neighbouring pieces with
//! the same answer: one period per uninterrupted shift.

use chrono::{DateTime, Duration, Utc};
use oncall_fake_service::turns::Turns;

use super::{Rotation, Schedule};
use crate::types::OverrideTaker;

/// How far ahead "next on call" is looked for.
pub(crate) const ON_CALL_HORIZON_DAYS: i64 = 90;

/// Which timeline of a schedule to render.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Layer {
    /// The rotations alone (`baseTimeline`).
    Base,
    /// The overrides alone (`overrideTimeline`).
    Overrides,
    /// Rotations under overrides: who is actually on call (`finalTimeline`).
    Final,
}

/// Who holds a piece of a rotation and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Holder {
    pub(crate) taker: OverrideTaker,
    /// An override, not the rotation's own turn.
    pub(crate) overridden: bool,
}

/// One period of a rotation's timeline: `holder` from `start` to `end`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Period {
    pub(crate) start: DateTime<Utc>,
    pub(crate) end: DateTime<Utc>,
    pub(crate) holder: Holder,
}

impl Rotation {
    fn turns(&self) -> Turns<'_> {
        Turns {
            people: &self.participants,
            virtual_start: self.start,
            length: self.turn.duration(),
            start: self.start,
            end: self.end,
        }
    }

    fn participant_at(&self, at: DateTime<Utc>) -> Option<&str> {
        self.turns().person_at(at)
    }

    /// Every point in `(from, to)` where the rotation's participant may change.
    fn cuts(&self, from: DateTime<Utc>, to: DateTime<Utc>, into: &mut Vec<DateTime<Utc>>) {
        self.turns().cuts(from, to, into);
    }

    /// The first point after `after` where the rotation's participant may change.
    fn next_cut(&self, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.turns().next_cut(after)
    }
}

impl Schedule {
    /// Who `layer` has on call in rotation `rotation` at `at`.
    pub(crate) fn holder(
        &self,
        rotation: usize,
        layer: Layer,
        at: DateTime<Utc>,
    ) -> Option<Holder> {
        let rotation = &self.rotations[rotation];
        let overridden = || {
            self.overrides
                .iter()
                .rev()
                .find(|o| o.start <= at && at < o.end && Schedule::overrides_rotation(o, rotation))
                .map(|o| Holder {
                    taker: o.taker.clone(),
                    overridden: true,
                })
        };
        let base = || {
            rotation.participant_at(at).map(|user| Holder {
                taker: OverrideTaker::User(user.to_string()),
                overridden: false,
            })
        };
        match layer {
            Layer::Base => base(),
            Layer::Overrides => overridden(),
            Layer::Final => overridden().or_else(base),
        }
    }

    /// The periods of `layer` for one rotation in `[from, to)`, cut at the range's bounds.
    /// In the final timeline a `none` override is a gap: nobody is on call there.
    pub(crate) fn periods(
        &self,
        rotation: usize,
        layer: Layer,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Vec<Period> {
        if from >= to {
            return Vec::new();
        }
        let mut cuts = vec![from, to];
        if layer != Layer::Overrides {
            self.rotations[rotation].cuts(from, to, &mut cuts);
        }
        if layer != Layer::Base {
            for o in &self.overrides {
                if Schedule::overrides_rotation(o, &self.rotations[rotation]) {
                    cuts.extend([o.start, o.end]);
                }
            }
        }
        cuts.retain(|at| (from..=to).contains(at));
        cuts.sort();
        cuts.dedup();
        let mut periods: Vec<Period> = Vec::new();
        for piece in cuts.windows(2) {
            let (start, end) = (piece[0], piece[1]);
            let Some(holder) = self.holder(rotation, layer, start) else {
                continue;
            };
            if layer == Layer::Final && holder.taker == OverrideTaker::Nobody {
                continue;
            }
            match periods.last_mut() {
                Some(last) if last.end == start && last.holder == holder => last.end = end,
                _ => periods.push(Period { start, end, holder }),
            }
        }
        periods
    }

    /// The user ids on call at `at`, each once, in rotation order.
    pub(crate) fn on_call_at(&self, at: DateTime<Utc>) -> Vec<String> {
        let mut users: Vec<String> = Vec::new();
        for rotation in 0..self.rotations.len() {
            if let Some(Holder {
                taker: OverrideTaker::User(user),
                ..
            }) = self.holder(rotation, Layer::Final, at)
            {
                if !users.contains(&user) {
                    users.push(user);
                }
            }
        }
        users
    }

    /// The first point after `after` where the final answer of `rotation` (every rotation
    /// when `None`) may change.
    fn next_cut(&self, rotation: Option<usize>, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let rotations: Vec<&Rotation> = match rotation {
            Some(index) => vec![&self.rotations[index]],
            None => self.rotations.iter().collect(),
        };
        let turns = rotations.iter().filter_map(|r| r.next_cut(after));
        let edges = self
            .overrides
            .iter()
            .filter(|o| rotations.iter().any(|r| Schedule::overrides_rotation(o, r)))
            .flat_map(|o| [o.start, o.end])
            .filter(|at| *at > after);
        turns.chain(edges).min()
    }

    /// Who will be on call at the next change of the whole schedule's on-call set after
    /// `at` (Opsgenie's "exact next"), within the horizon.
    pub(crate) fn exact_next_on_call(&self, at: DateTime<Utc>) -> Vec<String> {
        let now = self.on_call_at(at);
        let horizon = at + Duration::days(ON_CALL_HORIZON_DAYS);
        let mut cursor = at;
        while let Some(next) = self.next_cut(None, cursor).filter(|n| *n <= horizon) {
            let then = self.on_call_at(next);
            if then != now {
                return then;
            }
            cursor = next;
        }
        Vec::new()
    }

    /// For each rotation, the first user after `at` (within the horizon) who takes it
    /// over from whoever holds it at `at`; each user once.
    pub(crate) fn next_on_call(&self, at: DateTime<Utc>) -> Vec<String> {
        let horizon = at + Duration::days(ON_CALL_HORIZON_DAYS);
        let mut users: Vec<String> = Vec::new();
        for rotation in 0..self.rotations.len() {
            let user_at = |t| match self.holder(rotation, Layer::Final, t) {
                Some(Holder {
                    taker: OverrideTaker::User(user),
                    ..
                }) => Some(user),
                _ => None,
            };
            let current = user_at(at);
            let mut cursor = at;
            while let Some(next) = self
                .next_cut(Some(rotation), cursor)
                .filter(|n| *n <= horizon)
            {
                match user_at(next) {
                    Some(user) if Some(&user) != current.as_ref() => {
                        if !users.contains(&user) {
                            users.push(user);
                        }
                        break;
                    }
                    _ => cursor = next,
                }
            }
        }
        users
    }
}

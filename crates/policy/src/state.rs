use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use oncall_model::{timestamp, AccountId, Incident, IncidentKey, Status, Urgency};
use serde::{Deserialize, Serialize};

use crate::ShiftRecord;

/// What identifies one trigger episode of an incident *for this user*: it entered the
/// triggered state at `status_changed_at` and became theirs at `assigned_to_me_at`.
/// A re-trigger moves the first, an escalation or reassignment to me moves the
/// second; either makes a new episode that pages again. Anything else (title edits,
/// notes, a poll that sees the same incident again) leaves the key alone, which is
/// what keeps a page from ringing twice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct EpisodeKey {
    #[serde(serialize_with = "timestamp::serialize")]
    pub status_changed_at: DateTime<Utc>,
    #[serde(serialize_with = "timestamp::option::serialize")]
    pub assigned_to_me_at: Option<DateTime<Utc>>,
}

impl EpisodeKey {
    /// The episode `incident` is in now.
    pub fn of(incident: &Incident) -> EpisodeKey {
        EpisodeKey {
            status_changed_at: incident.status_changed_at,
            assigned_to_me_at: incident.assigned_to_me_at,
        }
    }
}

/// What the policy remembers about one open incident between polls (and restarts).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tracked {
    pub episode: EpisodeKey,
    pub status: Status,
    pub urgency: Urgency,
    /// The episode that has already rung (individually or in a summary) and when it
    /// last rang. Kept while the incident is acknowledged so that a poll racing a
    /// pending acknowledgement cannot ring the same episode again.
    pub rung: Option<Rung>,
    /// The episode should ring but is held back (paused, low urgency in quiet hours, or
    /// kept quiet by a mute or a noise rule).
    pub held: bool,
    /// An individual notification for this incident is on screen.
    pub shown: bool,
    /// Its service as last polled: after a restart, before the first poll answers, a
    /// page held back is checked against the service's mute with it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rung {
    pub episode: EpisodeKey,
    #[serde(serialize_with = "timestamp::serialize")]
    pub at: DateTime<Utc>,
}

/// A summary notification on screen, withdrawn once none of its incidents needs the user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShownSummary {
    pub id: SummaryId,
    pub account: AccountId,
    pub incidents: Vec<IncidentKey>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SummaryId(pub u64);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "until")]
pub enum Pause {
    Until(DateTime<Utc>),
    UntilResumed,
}

/// Everything the policy needs from the past. Persisted by the engine after every
/// evaluation so that a restart neither re-pages nor forgets a held page.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyState {
    /// Incidents of each account as of its last evaluation, by provider id.
    #[serde(default)]
    pub accounts: BTreeMap<AccountId, AccountState>,
    #[serde(default)]
    pub summaries: Vec<ShownSummary>,
    #[serde(default)]
    pub pause: Option<Pause>,
    #[serde(default)]
    pub next_summary_id: u64,
    /// The user's shifts per account, as far as their notices go ([`crate::shifts`]).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub shifts: BTreeMap<AccountId, Vec<ShiftRecord>>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountState {
    #[serde(default)]
    pub incidents: BTreeMap<String, Tracked>,
}

impl PolicyState {
    pub fn pause(&mut self, pause: Pause) {
        self.pause = Some(pause);
    }

    pub fn resume(&mut self) {
        self.pause = None;
    }

    /// Whether notifications are paused at `now` (an expired pause counts as none).
    pub fn is_paused(&self, now: DateTime<Utc>) -> bool {
        match self.pause {
            Some(Pause::UntilResumed) => true,
            Some(Pause::Until(until)) => now < until,
            None => false,
        }
    }

    /// Forgets an account entirely (removed from the config).
    pub fn forget_account(&mut self, account: &AccountId) {
        self.accounts.remove(account);
        self.shifts.remove(account);
        self.summaries.retain(|s| &s.account != account);
    }

    /// `key`'s notification reached the screen at `at`, later than it was decided
    /// (the desktop could not show it at once): its repeats count from when the user
    /// could first notice it. `episode`: the one it rang for (`None`: a summary, which
    /// rings the episode each member had then).
    pub fn shown_at(&mut self, key: &IncidentKey, episode: Option<EpisodeKey>, at: DateTime<Utc>) {
        if let Some(rung) = self.rung_mut(key, episode) {
            rung.at = rung.at.max(at);
        }
    }

    /// `key`'s ring for `episode` (`None`: whichever it has) was dropped before it
    /// reached the screen (it no longer needed the user by then): it has not rung, so
    /// should the episode need the user again (my acknowledgement refused), it rings.
    pub fn not_shown(&mut self, key: &IncidentKey, episode: Option<EpisodeKey>) {
        let tracked = self
            .accounts
            .get_mut(&key.account)
            .and_then(|a| a.incidents.get_mut(&key.id));
        if let Some(tracked) = tracked {
            let episode = episode.unwrap_or(tracked.episode);
            if tracked.rung.is_some_and(|r| r.episode == episode) {
                tracked.rung = None;
            }
        }
    }

    /// `key`'s ring memory, if it rang for `episode` (`None`: its current one).
    fn rung_mut(&mut self, key: &IncidentKey, episode: Option<EpisodeKey>) -> Option<&mut Rung> {
        let tracked = self
            .accounts
            .get_mut(&key.account)?
            .incidents
            .get_mut(&key.id)?;
        let episode = episode.unwrap_or(tracked.episode);
        tracked.rung.as_mut().filter(|r| r.episode == episode)
    }

    /// Summary `id` was shown late, naming only `incidents` (the rest no longer needed
    /// the user by then): it is withdrawn once none of those does. None: it was never
    /// shown, and there is nothing to withdraw.
    pub fn summary_shown_with(&mut self, id: SummaryId, incidents: &[IncidentKey]) {
        if incidents.is_empty() {
            self.summaries.retain(|s| s.id != id);
        } else if let Some(summary) = self.summaries.iter_mut().find(|s| s.id == id) {
            summary.incidents.retain(|k| incidents.contains(k));
        }
    }

    pub fn tracked(&self, key: &IncidentKey) -> Option<&Tracked> {
        self.accounts.get(&key.account)?.incidents.get(&key.id)
    }
}

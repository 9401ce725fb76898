use chrono::{DateTime, Utc};
use oncall_model::{AccountId, Incident, IncidentKey, Urgency};
use serde::{Deserialize, Serialize};

use crate::{EpisodeKey, ShiftNotice, SummaryId};

/// Why an incident rings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RingReason {
    /// A trigger episode that has not rung before: new, re-triggered, or newly mine.
    New,
    /// Still triggered after the high-urgency repeat interval.
    Repeat,
    /// Held back by a pause or quiet hours that have now ended.
    Released,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SummaryReason {
    /// The first poll of an account found incidents already open.
    FirstStart,
    /// More pages than the storm threshold in one poll.
    Storm,
}

/// One notification standing for several incidents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub id: SummaryId,
    pub account: AccountId,
    pub reason: SummaryReason,
    pub incidents: Vec<IncidentKey>,
    /// Distinct service names, most affected first.
    pub services: Vec<String>,
    /// The highest urgency among them: decides how loudly the summary rings.
    pub urgency: Urgency,
    /// The members that ring as high-urgency repeats (the rest ring for the first time
    /// in their episode): a summary that reaches the screen late leaves out a repeat
    /// whose incident is no longer high urgency.
    #[serde(default)]
    pub repeats: Vec<IncidentKey>,
    /// The episode each of `incidents` rings for, in the same order (empty in a
    /// summary saved by an older version): a summary that reaches the screen late names
    /// only incidents still in that episode.
    #[serde(default)]
    pub episodes: Vec<EpisodeKey>,
}

impl Summary {
    /// The episode `key` rings for here, if known.
    pub fn episode_of(&self, key: &IncidentKey) -> Option<EpisodeKey> {
        let index = self.incidents.iter().position(|k| k == key)?;
        self.episodes.get(index).copied()
    }

    /// Keeps only the members `keep` says yes to (their episodes and repeat marks too).
    pub fn retain_members(&mut self, mut keep: impl FnMut(&IncidentKey) -> bool) {
        let mut episodes = std::mem::take(&mut self.episodes).into_iter();
        let mut kept_episodes = Vec::new();
        self.incidents.retain(|key| {
            let episode = episodes.next();
            let kept = keep(key);
            if kept {
                kept_episodes.extend(episode);
            }
            kept
        });
        let incidents = &self.incidents;
        self.repeats.retain(|key| incidents.contains(key));
        self.episodes = kept_episodes;
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NotificationTarget {
    Incident(IncidentKey),
    Summary(SummaryId),
}

/// What the notifier must do after a poll.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// Show (or replace, for a repeat) the incident's own notification.
    Notify {
        incident: Box<Incident>,
        reason: RingReason,
    },
    Summarize(Summary),
    /// Take a notification off the screen: nothing in it needs the user any more.
    Withdraw(NotificationTarget),
    /// A shift reminder or handover ([`crate::shifts`]).
    Shift(ShiftNotice),
    /// "While you were away": one word, when the user is back, on what happened.
    WhileAway(AwayNotice),
}

/// What happened while the user was away (the screen locked, the laptop asleep): the
/// incidents that paged, those someone else acknowledged or resolved, and how many of
/// the paged ones are still open.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AwayNotice {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub paged: usize,
    pub handled_by_others: usize,
    pub still_open: usize,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn episode(minute: u32) -> EpisodeKey {
        let at = format!("2026-11-26T03:{minute:02}:00Z").parse().unwrap();
        EpisodeKey {
            status_changed_at: at,
            assigned_to_me_at: Some(at),
        }
    }

    #[test]
    fn trimming_a_summary_keeps_each_members_episode_and_repeat_mark() {
        let key = |id: &str| IncidentKey::new("work", id);
        let mut summary = Summary {
            id: SummaryId(1),
            account: AccountId::new("work"),
            reason: SummaryReason::Storm,
            incidents: vec![key("A"), key("B"), key("C")],
            services: Vec::new(),
            urgency: Urgency::High,
            repeats: vec![key("B"), key("C")],
            episodes: vec![episode(1), episode(2), episode(3)],
        };
        summary.retain_members(|k| k != &key("B"));
        assert_eq!(summary.incidents, vec![key("A"), key("C")]);
        assert_eq!(summary.repeats, vec![key("C")]);
        assert_eq!(summary.episode_of(&key("C")), Some(episode(3)));
        assert_eq!(summary.episode_of(&key("A")), Some(episode(1)));
        assert_eq!(summary.episode_of(&key("B")), None);
    }
}

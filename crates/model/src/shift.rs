//! On-call schedules as the app sees them, whatever the service: my shifts, who is on
//! call now and next, and the override that puts me on call ("cover a shift").

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// How far ahead the user's shifts are looked up: the window shows the coming two
/// weeks, and reminders need only the next shift.
pub const SHIFT_HORIZON: Duration = Duration::days(14);

/// The wall clock a client asks its on-call questions at ("who is on call now?"): the
/// system's by default, the engine's where it runs on simulated time.
pub type WallClock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// "You are on call for X until T": one span of the user's on-call, in one escalation
/// policy level and/or schedule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OnCallShift {
    /// The escalation policy's name.
    pub escalation_policy: Option<String>,
    #[serde(default)]
    pub escalation_policy_id: Option<String>,
    /// The schedule's name; `None` when the user is on the level directly.
    pub schedule: Option<String>,
    #[serde(default)]
    pub schedule_id: Option<String>,
    pub level: Option<u32>,
    /// `None` means "always on call" (no start).
    pub start: Option<DateTime<Utc>>,
    /// `None` means "always on call" (no end).
    pub end: Option<DateTime<Utc>>,
}

impl OnCallShift {
    /// What the user is on call for, as a notification says it: "Checkout (level 1)",
    /// "Primary", or "on call" when the service named nothing.
    pub fn label(&self) -> String {
        let name = self
            .escalation_policy
            .as_deref()
            .or(self.schedule.as_deref())
            .unwrap_or("on call");
        match self.level {
            Some(level) if self.escalation_policy.is_some() => format!("{name} (level {level})"),
            _ => name.to_string(),
        }
    }

    /// What stays the same while a shift lasts, whatever its times: the policy level or
    /// schedule it is in. Two shifts with the same place that touch are one shift.
    pub fn place(&self) -> String {
        let part = |id: &Option<String>, name: &Option<String>| {
            id.clone().or_else(|| name.clone()).unwrap_or_default()
        };
        format!(
            "{}/{}/{}",
            part(&self.escalation_policy_id, &self.escalation_policy),
            self.level.map(|l| l.to_string()).unwrap_or_default(),
            part(&self.schedule_id, &self.schedule),
        )
    }
}

/// Someone on call in a [`RotaEntry`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OnCallPerson {
    pub user_id: String,
    pub name: String,
    /// The credential's own user.
    pub is_me: bool,
    pub start: Option<DateTime<Utc>>,
    pub end: Option<DateTime<Utc>>,
}

/// Who is on call now and who is next, for one of the user's schedules or escalation
/// policy levels.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RotaEntry {
    pub escalation_policy: Option<String>,
    pub escalation_policy_id: Option<String>,
    pub level: Option<u32>,
    pub schedule: Option<String>,
    /// Set when the entry is a schedule the user can take a shift in.
    pub schedule_id: Option<String>,
    /// Empty: nobody is on call now (a gap in the rota).
    pub now: Vec<OnCallPerson>,
    /// The next people to come on call, once `now` ends; empty when the service did
    /// not say within [`SHIFT_HORIZON`].
    pub next: Vec<OnCallPerson>,
}

/// "Put me on call in this schedule from `start` to `end`."
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoverRequest {
    pub schedule_id: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

/// The override a [`CoverRequest`] created, as the service confirmed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduleOverride {
    /// The service's id for it (PagerDuty's override id, Opsgenie's alias).
    pub id: String,
    pub schedule_id: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shift() -> OnCallShift {
        OnCallShift {
            escalation_policy: Some("Checkout".into()),
            escalation_policy_id: Some("PEP1".into()),
            schedule: Some("Primary".into()),
            schedule_id: Some("PS1".into()),
            level: Some(1),
            start: None,
            end: None,
        }
    }

    #[test]
    fn a_shift_is_labelled_by_its_policy_and_level_else_its_schedule() {
        assert_eq!(shift().label(), "Checkout (level 1)");
        let schedule_only = OnCallShift {
            escalation_policy: None,
            escalation_policy_id: None,
            ..shift()
        };
        assert_eq!(schedule_only.label(), "Primary");
        let nameless = OnCallShift {
            schedule: None,
            ..schedule_only
        };
        assert_eq!(nameless.label(), "on call");
    }

    #[test]
    fn a_shifts_place_ignores_its_times_and_prefers_ids() {
        let later = OnCallShift {
            start: Some(Utc::now()),
            escalation_policy: Some("Renamed".into()),
            ..shift()
        };
        assert_eq!(shift().place(), later.place());
        assert_eq!(shift().place(), "PEP1/1/PS1");
    }
}

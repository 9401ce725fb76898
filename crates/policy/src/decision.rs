use oncall_model::{AccountId, Incident, IncidentKey, Urgency};
use serde::{Deserialize, Serialize};

use crate::SummaryId;

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
}

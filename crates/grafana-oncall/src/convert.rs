//! Grafana OnCall alert groups → [`Incident`]s, and the one subtle part:
//! `status_changed_at`.
//!
//! # States
//! The list filter takes `new`, `acknowledged`, `resolved` or `silenced`; an alert group
//! that is neither acknowledged nor silenced answers `state: "firing"` (the documented
//! answers of `escalation.md`) or `new`, both read as triggered. `acknowledged` and
//! `silenced` are acknowledged (a silenced group is one someone said "not now" to, as a
//! snooze is on the other services); `resolved` is no incident. A state the document
//! does not name is taken as the filter the group was listed under says.
//!
//! # Why `status_changed_at` needs care
//! The engine rings once per trigger *episode*, identified by `status_changed_at`. A
//! group that needs attention again (un-acknowledged, its silence over, unresolved) must
//! get a **later** time, or nobody is paged again; one that did not change must keep
//! **the same** time, or it rings twice. The API has no "last status change" field, so:
//! - acknowledged: `acknowledged_at` (silenced: `silenced_at`), else `created_at`;
//! - triggered: the later of `created_at` and `silenced_at` (a silence that ended is
//!   the start of a new episode);
//! - [`Episodes`] pins the time first reported per group and keeps it while the status
//!   stays. A status that changed, or a group that comes back after it was missing from
//!   the polls (silenced by someone else, or resolved and unresolved), gets the time
//!   its fields say when that is later than the pin; else the later of the pin plus 1 ms
//!   and the client's "now" (the change happened after the last poll, and by now: no
//!   field records an un-acknowledgement or a silence's end). Pins of missing groups are
//!   kept for a day.
//! - The user's own acknowledgement or silence pins the group acknowledged at once
//!   ([`Episodes::acknowledged_here`]): taken back before the next poll (a colleague
//!   un-acknowledges, the silence ends), the group is a new episode, not the one that
//!   rang before it.
//! - The pins outlive the client: the engine keeps them ([`Provider::memory`]) and hands
//!   them to the next client after a restart or a new key ([`Episodes::recall`]).
//!   Without them, a group that was un-acknowledged would be named `created_at` again
//!   and ring for an episode that already rang.
//!
//! [`Provider::memory`]: oncall_model::Provider::memory
//!
//! Text meant for a person (title, integration) leaves here through [`display_text`];
//! ids stay exactly as sent, since actions name them.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Duration, Utc};
use oncall_model::{display_text, web_link, AccountId, Incident, IncidentKey, Status, Urgency};
use serde::{Deserialize, Serialize};

use crate::wire::AlertGroup;

/// How long the pin of a group that left the polls is kept, so that its return is a new
/// episode.
const MISSING_PIN_KEPT: Duration = Duration::days(1);

/// The last status and time reported per alert group id. Ordered, so that the same
/// pins serialise to the same memory (the engine writes its state only when it changed).
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub(crate) struct Episodes {
    pinned: BTreeMap<String, Pin>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
struct Pin {
    status: Status,
    at: DateTime<Utc>,
    /// When the group was first missing from a poll; `None` while it is listed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    missing_since: Option<DateTime<Utc>>,
}

impl Episodes {
    /// The `status_changed_at` to report for `group` in `status` now, remembering it.
    pub fn status_changed_at(
        &mut self,
        group: &AlertGroup,
        status: Status,
        now: DateTime<Utc>,
    ) -> DateTime<Utc> {
        let stable = derived(group, status);
        let chosen = match self.pinned.get(&group.id) {
            Some(pin)
                if pin.missing_since.is_none() && pin.status == status && stable <= pin.at =>
            {
                pin.at
            }
            Some(pin) if pin.missing_since.is_none() && pin.status == status => stable,
            Some(pin) if stable > pin.at => stable,
            Some(pin) => later_by_a_millisecond(pin.at).max(now),
            None => stable,
        };
        self.pinned.insert(
            group.id.clone(),
            Pin {
                status,
                at: chosen,
                missing_since: None,
            },
        );
        chosen
    }

    /// The user acknowledged or silenced the group here at `now`: it is acknowledged from
    /// now on, whatever the last poll showed, so that its return to "new" before the
    /// next poll is a new episode.
    pub fn acknowledged_here(&mut self, id: &str, now: DateTime<Utc>) {
        let at = match self.pinned.get(id) {
            Some(pin) if pin.status == Status::Acknowledged && pin.missing_since.is_none() => {
                return
            }
            Some(pin) => later_by_a_millisecond(pin.at).max(now),
            None => now,
        };
        self.pinned.insert(
            id.to_owned(),
            Pin {
                status: Status::Acknowledged,
                at,
                missing_since: None,
            },
        );
    }

    /// The groups the last poll showed open that `seen` lacks, with the status they had,
    /// at most `limit` of them: a group that changed state between a poll's two list
    /// requests is in neither list, though it is still open.
    pub fn vanished(&self, seen: &HashSet<String>, limit: usize) -> Vec<(String, Status)> {
        self.pinned
            .iter()
            .filter(|(id, pin)| pin.missing_since.is_none() && !seen.contains(*id))
            .map(|(id, pin)| (id.clone(), pin.status))
            .take(limit)
            .collect()
    }

    /// Takes the pins another client kept (the last run's, or the one this client
    /// replaced), where they are later than this one's: a group's pins only move forward,
    /// so the later one is what is known of it now.
    pub fn recall(&mut self, other: Episodes) {
        for (id, pin) in other.pinned {
            match self.pinned.get(&id) {
                Some(mine) if mine.at >= pin.at => {}
                _ => {
                    self.pinned.insert(id, pin);
                }
            }
        }
    }

    /// Marks groups that are not open any more as missing, and forgets those missing for
    /// longer than [`MISSING_PIN_KEPT`].
    pub fn retain(&mut self, open: &HashSet<String>, now: DateTime<Utc>) {
        self.pinned.retain(|id, pin| {
            if open.contains(id) {
                return true;
            }
            let since = *pin.missing_since.get_or_insert(now);
            now - since < MISSING_PIN_KEPT
        });
    }
}

/// `at` plus one millisecond, or `at` itself at the end of the calendar.
fn later_by_a_millisecond(at: DateTime<Utc>) -> DateTime<Utc> {
    at.checked_add_signed(Duration::milliseconds(1))
        .unwrap_or(at)
}

/// The time the fields say the group's current status began.
fn derived(group: &AlertGroup, status: Status) -> DateTime<Utc> {
    let created = group.created_at;
    match status {
        Status::Acknowledged => {
            let at = if is_state(group, "silenced") {
                group.silenced_at
            } else {
                group.acknowledged_at
            };
            at.unwrap_or(created).max(created)
        }
        _ => group.silenced_at.unwrap_or(created).max(created),
    }
}

fn is_state(group: &AlertGroup, state: &str) -> bool {
    group
        .state
        .as_deref()
        .is_some_and(|s| s.trim().eq_ignore_ascii_case(state))
}

/// The status of `group`, `None` when it is resolved. `listed` is what the list it came
/// from selects, used for a state the document does not name.
pub(crate) fn status(group: &AlertGroup, listed: Status) -> Option<Status> {
    let state = group.state.as_deref().map(str::trim).unwrap_or("");
    Some(match state.to_ascii_lowercase().as_str() {
        "resolved" => return None,
        "acknowledged" | "silenced" => Status::Acknowledged,
        "new" | "firing" => Status::Triggered,
        _ => listed,
    })
}

/// The incident for an open alert group, `None` for a resolved one.
pub(crate) fn incident(
    account: &AccountId,
    group: &AlertGroup,
    listed: Status,
    episodes: &mut Episodes,
    now: DateTime<Utc>,
) -> Option<Incident> {
    let status = status(group, listed)?;
    Some(Incident {
        key: IncidentKey {
            account: account.clone(),
            id: group.id.clone(),
        },
        number: None,
        title: shown(group.title.as_deref())
            .unwrap_or_else(|| display_text(&format!("Grafana OnCall alert group {}", group.id))),
        status,
        // Alert groups carry no priority: every one pages, and the user's noise rules
        // can lower a service.
        urgency: Urgency::High,
        // The integrations API is not in the reference the client follows, so the
        // integration is named by its id.
        service: shown(group.integration_id.as_deref()).map(|s| s.trim().to_owned()),
        created_at: group.created_at,
        status_changed_at: episodes.status_changed_at(group, status, now),
        web_url: group
            .permalinks
            .as_ref()
            .and_then(|p| p.web.as_deref())
            .and_then(web_link),
        assignees: Vec::new(),
        // The account's filters (team, labels) say what pages this user: everything
        // they list is "mine".
        assigned_to_me_at: Some(group.created_at),
        escalation_policy: None,
        priority: None,
        teams: Vec::new(),
    })
}

/// Text as it may be shown, `None` when nothing visible is left.
pub(crate) fn shown(text: Option<&str>) -> Option<String> {
    text.map(display_text).filter(|t| !t.trim().is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn group(state: &str) -> AlertGroup {
        AlertGroup {
            id: "I1".into(),
            integration_id: Some("CFRPV98RPR1U8".into()),
            state: Some(state.into()),
            created_at: t("2024-05-01T09:00:00Z"),
            acknowledged_at: None,
            silenced_at: None,
            title: Some("Memory above 90%".into()),
            permalinks: None,
        }
    }

    fn check(episodes: &mut Episodes, g: &AlertGroup, now: &str) -> (Status, DateTime<Utc>) {
        let i = incident(
            &AccountId::new("irm"),
            g,
            Status::Triggered,
            episodes,
            t(now),
        )
        .expect("open");
        (i.status, i.status_changed_at)
    }

    #[test]
    fn recalled_memory_keeps_the_later_pin_of_each_group() {
        let new = group("new");
        let mut replaced = Episodes::default();
        let mut current = Episodes::default();
        // Both saw the group needing someone; then my acknowledgement, answered to the
        // client already replaced, pinned it there.
        check(&mut replaced, &new, "2024-05-01T09:01:00Z");
        check(&mut current, &new, "2024-05-01T09:02:00Z");
        replaced.acknowledged_here("I1", t("2024-05-01T09:03:00Z"));
        current.recall(replaced.clone());
        // Taken back before any poll saw it: a new episode, not the one I answered.
        let (status, named) = check(&mut current, &new, "2024-05-01T09:04:00Z");
        assert_eq!(status, Status::Triggered);
        assert!(named > t("2024-05-01T09:03:00Z"), "{named}");
        // An older memory changes nothing.
        let before = current.clone();
        current.recall(Episodes::default());
        let mut stale = Episodes::default();
        check(&mut stale, &new, "2024-05-01T08:00:00Z");
        current.recall(stale);
        assert_eq!(current, before);
    }

    #[test]
    fn states_become_statuses() {
        let s = |state: &str, listed| status(&group(state), listed);
        assert_eq!(s("new", Status::Acknowledged), Some(Status::Triggered));
        assert_eq!(s("firing", Status::Acknowledged), Some(Status::Triggered));
        assert_eq!(
            s("Acknowledged", Status::Triggered),
            Some(Status::Acknowledged)
        );
        assert_eq!(s("silenced", Status::Triggered), Some(Status::Acknowledged));
        assert_eq!(s("resolved", Status::Triggered), None);
        assert_eq!(
            s("paused", Status::Acknowledged),
            Some(Status::Acknowledged)
        );
    }

    #[test]
    fn fields_convert() {
        let mut g = group("firing");
        g.permalinks = Some(crate::wire::Permalinks {
            web: Some("https://grafana.example/a/grafana-oncall-app/alert-groups/I1".into()),
        });
        let i = incident(
            &AccountId::new("irm"),
            &g,
            Status::Triggered,
            &mut Episodes::default(),
            t("2024-05-01T09:01:00Z"),
        )
        .unwrap();
        assert_eq!(i.urgency, Urgency::High);
        assert_eq!(i.service.as_deref(), Some("CFRPV98RPR1U8"));
        assert_eq!(
            i.web_url.as_deref(),
            Some("https://grafana.example/a/grafana-oncall-app/alert-groups/I1")
        );
        g.permalinks = Some(crate::wire::Permalinks {
            web: Some("javascript:alert(1)".into()),
        });
        g.title = Some("\u{202E}\u{1b}".into());
        let i = incident(
            &AccountId::new("irm"),
            &g,
            Status::Triggered,
            &mut Episodes::default(),
            t("2024-05-01T09:01:00Z"),
        )
        .unwrap();
        assert_eq!(i.web_url, None, "only http(s) links leave");
        assert_eq!(i.title, "Grafana OnCall alert group I1");
    }

    #[test]
    fn a_silence_that_ends_and_an_unacknowledgement_start_later_episodes() {
        let mut e = Episodes::default();
        let mut g = group("new");
        let (s, first) = check(&mut e, &g, "2024-05-01T09:01:00Z");
        assert_eq!((s, first), (Status::Triggered, g.created_at));
        assert_eq!(
            check(&mut e, &g, "2024-05-01T09:02:00Z").1,
            first,
            "unchanged"
        );
        // Silenced by the user at 09:03.
        g.state = Some("silenced".into());
        g.silenced_at = Some(t("2024-05-01T09:03:00Z"));
        let (s, silenced) = check(&mut e, &g, "2024-05-01T09:04:00Z");
        assert_eq!(
            (s, silenced),
            (Status::Acknowledged, t("2024-05-01T09:03:00Z"))
        );
        // The silence ended: firing again, seen at 10:00.
        g.state = Some("firing".into());
        g.silenced_at = None;
        let (s, woke) = check(&mut e, &g, "2024-05-01T10:00:00Z");
        assert_eq!((s, woke), (Status::Triggered, t("2024-05-01T10:00:00Z")));
        assert_eq!(
            check(&mut e, &g, "2024-05-01T10:01:00Z").1,
            woke,
            "stays put"
        );
        // Acknowledged and un-acknowledged elsewhere.
        g.state = Some("acknowledged".into());
        g.acknowledged_at = Some(t("2024-05-01T10:02:00Z"));
        assert_eq!(
            check(&mut e, &g, "2024-05-01T10:03:00Z"),
            (Status::Acknowledged, t("2024-05-01T10:02:00Z"))
        );
        g.state = Some("new".into());
        g.acknowledged_at = None;
        let (s, again) = check(&mut e, &g, "2024-05-01T10:05:00Z");
        assert_eq!((s, again), (Status::Triggered, t("2024-05-01T10:05:00Z")));
    }

    #[test]
    fn a_group_back_after_missing_from_the_polls_is_a_new_episode_for_a_day() {
        let mut e = Episodes::default();
        let g = group("new");
        let (_, first) = check(&mut e, &g, "2024-05-01T09:01:00Z");
        e.retain(&HashSet::new(), t("2024-05-01T09:02:00Z"));
        let (_, back) = check(&mut e, &g, "2024-05-01T09:30:00Z");
        assert!(back > first, "{back} > {first}");
        e.retain(&HashSet::new(), t("2024-05-01T09:31:00Z"));
        e.retain(&HashSet::new(), t("2024-05-02T09:31:00Z"));
        assert!(e.pinned.is_empty(), "forgotten after a day");
    }
}

//! JSM Operations alerts → [`Incident`]s, and the one subtle part: `status_changed_at`.
//!
//! The alert model is Opsgenie's (the API moved to Atlassian's gateway unchanged in this
//! respect), so the reasoning below is the Opsgenie client's, kept in step with it.
//!
//! # Why `status_changed_at` needs care
//! The engine rings once per trigger *episode*, identified by `status_changed_at` (and
//! `assigned_to_me_at`). An alert that goes back to needing attention (un-acknowledged,
//! or its snooze ended) must therefore get a **later** time, or nobody is paged again;
//! and an alert that did not change must keep **the same** time, or it rings twice.
//! JSM has no "last status change" field, so the time is derived:
//! - Acknowledged (acknowledged, or snoozed): `createdAt + report.ackTime`, else
//!   `updatedAt`, else `createdAt`. (Acknowledged episodes never ring; only stability
//!   matters.)
//! - Triggered: the latest of `createdAt`, the end of an expired snooze (`snoozedUntil`
//!   while `snoozed` is false) and the acknowledgement time `createdAt + report.ackTime`
//!   of an alert that is no longer acknowledged. JSM keeps no un-acknowledge time,
//!   so for such an alert `updatedAt` (never earlier than the un-acknowledgement) is used.
//!   `lastOccurredAt` is not used: a repeat of an open alert (`count` + 1) is not a new
//!   page on JSM either, and a closed alert that fires again is a *new* alert (new
//!   id), which pages anyway.
//!
//! `updatedAt` also moves for changes that are no status change (a note, a tag, someone
//! viewing it), so [`Episodes`] pins the time first computed for a status and keeps it
//! while the status stays, unless a stable field proves a new episode (a later snooze
//! end or acknowledgement). When the status changes, the new time is at least 1 ms after
//! the previous one. The pins live in memory: after a restart, an alert that was
//! un-acknowledged *and then edited* may ring once more — a repeat, never a miss.
//!
//! Text meant for a person (message, source, tags, owner, priority) leaves here through
//! [`display_text`]: every screen above shows what it is given. Ids stay exactly as
//! sent; actions name them.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use oncall_model::{display_text, AccountId, Incident, IncidentKey, Person, Status, Urgency};

use url::Url;

use crate::wire::Alert;

/// The alert in the Jira site's web UI: `https://{site}/jira/ops/alerts/{id}`, the path
/// the Operations UI shows alerts under. `None` when the site's URL cannot take it.
pub(crate) fn web_link(site: &Url, id: &str) -> Option<String> {
    let mut url = site.clone();
    url.path_segments_mut()
        .ok()?
        .pop_if_empty()
        .extend(["jira", "ops", "alerts", id]);
    url.set_query(None);
    url.set_fragment(None);
    Some(url.to_string())
}

/// The last status and time reported per alert id.
#[derive(Debug, Default)]
pub(crate) struct Episodes {
    pinned: HashMap<String, (Status, DateTime<Utc>)>,
}

impl Episodes {
    /// The `status_changed_at` to report for `alert` now, remembering it.
    pub fn status_changed_at(&mut self, alert: &Alert, status: Status) -> DateTime<Utc> {
        let (stable, volatile) = derived(alert, status);
        let chosen = match self.pinned.get(&alert.id) {
            Some((seen, at)) if *seen == status && stable <= *at => *at,
            Some((_, at)) => stable.max(volatile).max(later_by_a_millisecond(*at)),
            None => stable.max(volatile),
        };
        self.pinned.insert(alert.id.clone(), (status, chosen));
        chosen
    }

    /// Forgets alerts that are not open any more.
    pub fn retain(&mut self, open: &std::collections::HashSet<String>) {
        self.pinned.retain(|id, _| open.contains(id));
    }
}

/// `at` plus one millisecond, or `at` itself at the end of the calendar.
fn later_by_a_millisecond(at: DateTime<Utc>) -> DateTime<Utc> {
    at.checked_add_signed(Duration::milliseconds(1))
        .unwrap_or(at)
}

/// (time from fields that never move without a status change, time from `updatedAt`).
fn derived(alert: &Alert, status: Status) -> (DateTime<Utc>, DateTime<Utc>) {
    let created = alert.created_at;
    let acked_at = alert
        .report
        .as_ref()
        .and_then(|r| r.ack_time)
        // A service-sent ackTime can be any i64: past the calendar's end it is no time.
        .and_then(|ms| created.checked_add_signed(Duration::try_milliseconds(ms.max(0))?));
    let updated = alert.updated_at.unwrap_or(created).max(created);
    match status {
        Status::Acknowledged => {
            let at = match acked_at {
                Some(at) if alert.acknowledged => at,
                _ => updated,
            };
            (at, at)
        }
        _ => {
            let mut stable = created;
            if let Some(end) = alert.snoozed_until.filter(|_| !alert.snoozed) {
                stable = stable.max(end);
            }
            let mut volatile = created;
            if let Some(at) = acked_at {
                stable = stable.max(at);
                volatile = updated;
            }
            (stable, volatile)
        }
    }
}

/// The incident for an open alert, `None` for a closed one.
pub(crate) fn incident(
    account: &AccountId,
    site: &Url,
    alert: &Alert,
    high_priorities: &[String],
    episodes: &mut Episodes,
) -> Option<Incident> {
    if alert
        .status
        .as_deref()
        .is_some_and(|s| s.eq_ignore_ascii_case("closed"))
    {
        return None;
    }
    let status = if alert.acknowledged || alert.snoozed {
        Status::Acknowledged
    } else {
        Status::Triggered
    };
    let urgency = match &alert.priority {
        Some(p) if high_priorities.iter().any(|h| h.eq_ignore_ascii_case(p)) => Urgency::High,
        _ => Urgency::Low,
    };
    let owner = alert
        .owner
        .as_deref()
        .map(str::trim)
        .filter(|o| !o.is_empty());
    Some(Incident {
        key: IncidentKey {
            account: account.clone(),
            id: alert.id.clone(),
        },
        number: alert.tiny_id.as_deref().and_then(|t| t.parse().ok()),
        title: shown(alert.message.as_deref()).unwrap_or_else(|| {
            display_text(&format!(
                "JSM alert {}",
                alert.tiny_id.as_deref().unwrap_or(&alert.id)
            ))
        }),
        status,
        urgency,
        service: service(alert),
        created_at: alert.created_at,
        status_changed_at: episodes.status_changed_at(alert, status),
        web_url: web_link(site, &alert.id),
        assignees: owner
            .map(|o| {
                vec![Person {
                    id: o.to_string(),
                    name: display_text(o),
                }]
            })
            .unwrap_or_default(),
        // The account's query defines "mine": everything it returns is.
        assigned_to_me_at: Some(alert.created_at),
        escalation_policy: None,
        priority: shown(alert.priority.as_deref()),
        teams: Vec::new(),
    })
}

/// `source` when it names something; Opsgenie (and so JSM) fills it with the sender's IP address
/// when the creator gave none, which names nothing, so then the first tag.
fn service(alert: &Alert) -> Option<String> {
    let source = alert.source.as_deref().map(str::trim).unwrap_or("");
    if source.parse::<std::net::IpAddr>().is_err() {
        if let Some(source) = shown(Some(source)) {
            return Some(source.trim().to_owned());
        }
    }
    alert
        .tags
        .iter()
        .find_map(|t| shown(Some(t)))
        .map(|t| t.trim().to_owned())
}

/// Alert text as it may be shown, `None` when nothing visible is left.
fn shown(text: Option<&str>) -> Option<String> {
    text.map(display_text).filter(|t| !t.trim().is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::Report;

    fn site() -> Url {
        Url::parse("https://acme.atlassian.net/").unwrap()
    }

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn alert() -> Alert {
        Alert {
            id: "a1".into(),
            tiny_id: Some("42".into()),
            message: Some("Disk full".into()),
            status: Some("open".into()),
            acknowledged: false,
            snoozed: false,
            snoozed_until: None,
            created_at: t("2024-05-01T09:00:00Z"),
            updated_at: Some(t("2024-05-01T09:00:00Z")),
            source: Some("10.0.0.7".into()),
            owner: None,
            priority: Some("P2".into()),
            tags: vec!["db".into()],
            report: None,
        }
    }

    fn check(episodes: &mut Episodes, alert: &Alert) -> (Status, DateTime<Utc>) {
        let i = incident(
            &AccountId::new("ops"),
            &site(),
            alert,
            &["P1".into(), "P2".into()],
            episodes,
        )
        .expect("open");
        (i.status, i.status_changed_at)
    }

    #[test]
    fn fields_convert() {
        let mut e = Episodes::default();
        let i = incident(
            &AccountId::new("ops"),
            &site(),
            &alert(),
            &["P1".into()],
            &mut e,
        )
        .unwrap();
        assert_eq!(i.number, Some(42));
        assert_eq!(i.urgency, Urgency::Low);
        assert_eq!(
            i.service.as_deref(),
            Some("db"),
            "an IP source names nothing"
        );
        assert_eq!(i.assigned_to_me_at, Some(i.created_at));
        assert_eq!(
            i.web_url.as_deref(),
            Some("https://acme.atlassian.net/jira/ops/alerts/a1")
        );
        assert_eq!(
            web_link(&site(), "a/../b?c").as_deref(),
            Some("https://acme.atlassian.net/jira/ops/alerts/a%2F..%2Fb%3Fc")
        );
        let mut closed = alert();
        closed.status = Some("closed".into());
        assert!(incident(&AccountId::new("ops"), &site(), &closed, &[], &mut e).is_none());
    }

    /// CI's proptest found this: an ackTime of i64::MAX ms overflowed the calendar and
    /// panicked the poll.
    #[test]
    fn an_ack_time_past_the_end_of_the_calendar_is_no_time() {
        let mut e = Episodes::default();
        let mut a = alert();
        a.status = Some("open".into());
        a.acknowledged = true;
        a.updated_at = Some(t("2024-05-01T09:05:00Z"));
        for ms in [i64::MAX, i64::MAX / 2, 1 << 60] {
            a.report = Some(Report { ack_time: Some(ms) });
            let (status, at) = check(&mut e, &a);
            assert_eq!(status, Status::Acknowledged);
            assert_eq!(at, t("2024-05-01T09:05:00Z"), "falls back to updatedAt");
        }
        assert_eq!(
            later_by_a_millisecond(DateTime::<Utc>::MAX_UTC),
            DateTime::<Utc>::MAX_UTC
        );
    }

    /// ESC [2J, an OSC 52 clipboard write, a NUL, a right-to-left override and a C1 CSI.
    const HOSTILE: &str = "DB\u{1b}[2J down\u{1b}]52;c;ZXZpbA==\u{7}\u{0}\u{202E}txet\u{9b}31m";
    const CLEANED: &str = "DB [2J down ]52;c;ZXZpbA== txet 31m";

    #[test]
    fn alert_text_is_cleaned_for_display_and_ids_are_kept() {
        let mut a = alert();
        a.message = Some(HOSTILE.into());
        a.source = Some(HOSTILE.into());
        a.owner = Some(format!("pat{HOSTILE}"));
        a.priority = Some(format!("P2{HOSTILE}"));
        let i = incident(
            &AccountId::new("ops"),
            &site(),
            &a,
            &[],
            &mut Episodes::default(),
        )
        .unwrap();
        assert_eq!(i.title, CLEANED);
        assert_eq!(i.service.as_deref(), Some(CLEANED));
        assert_eq!(i.priority, Some(format!("P2{CLEANED}")));
        assert_eq!(i.assignees[0].name, format!("pat{CLEANED}"));
        assert_eq!(
            i.assignees[0].id,
            format!("pat{HOSTILE}"),
            "sent back as it came"
        );

        // Nothing visible left: the fallbacks, as for missing text.
        a.message = Some("\u{202E}\u{1b}".into());
        a.source = Some("\u{200B}".into());
        a.tags = vec!["\u{0}".into(), format!(" {HOSTILE} ")];
        let i = incident(
            &AccountId::new("ops"),
            &site(),
            &a,
            &[],
            &mut Episodes::default(),
        )
        .unwrap();
        assert_eq!(i.title, "JSM alert 42");
        assert_eq!(i.service.as_deref(), Some(CLEANED));
    }

    #[test]
    fn unacknowledge_and_snooze_end_start_later_episodes_and_edits_do_not() {
        let mut e = Episodes::default();
        let mut a = alert();
        let (s, first) = check(&mut e, &a);
        assert_eq!((s, first), (Status::Triggered, a.created_at));
        // Seen in the web UI: updatedAt moves, the episode does not.
        a.updated_at = Some(t("2024-05-01T09:01:00Z"));
        assert_eq!(check(&mut e, &a), (Status::Triggered, first));
        // Acknowledged after 2 minutes.
        a.acknowledged = true;
        a.report = Some(Report {
            ack_time: Some(120_000),
        });
        a.updated_at = Some(t("2024-05-01T09:02:00Z"));
        let (s, acked) = check(&mut e, &a);
        assert_eq!(
            (s, acked),
            (Status::Acknowledged, t("2024-05-01T09:02:00Z"))
        );
        // Un-acknowledged at 09:05: a new, later episode that stays put.
        a.acknowledged = false;
        a.updated_at = Some(t("2024-05-01T09:05:00Z"));
        let (s, again) = check(&mut e, &a);
        assert_eq!((s, again), (Status::Triggered, t("2024-05-01T09:05:00Z")));
        a.updated_at = Some(t("2024-05-01T09:06:00Z"));
        assert_eq!(check(&mut e, &a).1, again);
        // Snoozed, then the snooze ends at 10:00.
        a.snoozed = true;
        a.snoozed_until = Some(t("2024-05-01T10:00:00Z"));
        assert_eq!(check(&mut e, &a).0, Status::Acknowledged);
        a.snoozed = false;
        a.updated_at = Some(t("2024-05-01T10:00:00Z"));
        let (s, woke) = check(&mut e, &a);
        assert_eq!((s, woke), (Status::Triggered, t("2024-05-01T10:00:00Z")));
        // Without the pins (a restart) the same alert gets a time at least as late.
        assert!(check(&mut Episodes::default(), &a).1 >= woke);
    }

    #[test]
    fn a_status_change_always_moves_time_forward() {
        let mut e = Episodes::default();
        let mut a = alert();
        a.snoozed = true;
        a.snoozed_until = Some(t("2024-05-01T11:00:00Z"));
        a.updated_at = Some(t("2024-05-01T09:30:00Z"));
        let (_, snoozed) = check(&mut e, &a);
        // The fields claim nothing newer than the snooze (a snooze cancelled early).
        a.snoozed = false;
        a.snoozed_until = None;
        let (s, woke) = check(&mut e, &a);
        assert_eq!(s, Status::Triggered);
        assert!(woke > snoozed, "{woke} > {snoozed}");
    }
}

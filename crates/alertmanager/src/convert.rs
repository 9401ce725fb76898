//! Alerts and silences → incidents. Pure functions, tested as tables.
//!
//! Alertmanager has no "acknowledged" state: an acknowledgement is a silence we wrote
//! (our `createdBy`, our comment; see `ack.rs`). So the status of an alert is read from
//! who silenced it:
//! - not silenced → triggered;
//! - silenced only by our silences → acknowledged;
//! - silenced by anyone else (or muted, or inhibited) → not listed: someone chose not to
//!   be paged for it, and the tray must not second-guess them.
//!
//! A trigger episode is identified by `status_changed_at`. When our silence runs out (or
//! is expired by un-acknowledge) while the alert still fires, the alert is a new episode
//! that must page again, so a triggered alert's `status_changed_at` is the latest end of
//! an expired silence of ours that matched it, when that is later than `startsAt`.
//!
//! Labels, annotations and `generatorURL` are written by whoever posts an alert. Text
//! meant for a person leaves here through [`display_text`], and a link only as a
//! [`web_link`]: every screen above shows and opens what it is given.

use chrono::{DateTime, Utc};
use oncall_model::{display_text, web_link, AccountId, Incident, IncidentKey, Status, Urgency};
use url::Url;

use crate::ack::{acknowledged_at, is_ours};
use crate::wire::{Alert, Labels, Matcher, Silence};

/// Labels named in a title when the alert has no `summary` annotation, in this order.
const TITLE_LABELS: [&str; 3] = ["instance", "job", "service"];

/// What converting needs from the account's configuration.
pub(crate) struct Settings<'a> {
    pub account: &'a AccountId,
    pub base: &'a Url,
    pub severity_high: &'a [String],
}

/// How an alert shows in the tray.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Classified {
    Triggered {
        since: DateTime<Utc>,
    },
    /// Silenced by our acknowledgement(s); `silences` are their ids.
    Acknowledged {
        since: DateTime<Utc>,
        silences: Vec<String>,
    },
    /// Muted by someone or something else: not listed.
    Hidden,
}

/// Whether every matcher selects `labels`, as Alertmanager evaluates them (a missing
/// label is the empty string). Regex matchers are never ours and are not evaluated:
/// they count as not matching.
pub(crate) fn matches(matchers: &[Matcher], labels: &Labels) -> bool {
    !matchers.is_empty()
        && matchers.iter().all(|m| {
            if m.is_regex {
                return false;
            }
            let value = labels.get(&m.name).map(String::as_str).unwrap_or("");
            (value == m.value) == m.is_equal
        })
}

pub(crate) fn classify(alert: &Alert, silences: &[Silence], created_by: &str) -> Classified {
    let status = &alert.status;
    // The poll asks for `inhibited=false`; `mutedBy` (0.28+) has no query parameter.
    if !status.inhibited_by.is_empty() || !status.muted_by.is_empty() {
        return Classified::Hidden;
    }
    if status.silenced_by.is_empty() {
        let last_ack_end = silences
            .iter()
            .filter(|s| s.status.state == "expired" && is_ours(s, created_by))
            .filter(|s| matches(&s.matchers, &alert.labels))
            .map(|s| s.ends_at)
            .max();
        let since = last_ack_end.map_or(alert.starts_at, |end| end.max(alert.starts_at));
        return Classified::Triggered { since };
    }
    let mut ours = Vec::new();
    for id in &status.silenced_by {
        // Alerts are read before silences, so every silencing id is in the list; one that
        // is not cannot be shown to be ours.
        match silences.iter().find(|s| &s.id == id) {
            Some(silence) if is_ours(silence, created_by) => ours.push(silence),
            _ => return Classified::Hidden,
        }
    }
    // The earliest acknowledgement of our silences: acknowledging again (a second
    // silence), or Alertmanager replacing a silence we extended, must not move the
    // episode.
    let since = ours
        .iter()
        .map(|s| acknowledged_at(s))
        .min()
        .unwrap_or(alert.starts_at);
    Classified::Acknowledged {
        since,
        silences: ours.iter().map(|s| s.id.clone()).collect(),
    }
}

/// The incident for a listed alert.
pub(crate) fn incident(
    alert: &Alert,
    status: Status,
    since: DateTime<Utc>,
    settings: &Settings,
) -> Incident {
    let severity = alert.labels.get("severity").map(|s| s.trim());
    let urgency = match severity {
        Some(sev)
            if settings
                .severity_high
                .iter()
                .any(|h| h.eq_ignore_ascii_case(sev)) =>
        {
            Urgency::High
        }
        _ => Urgency::Low,
    };
    let service = ["service", "job"]
        .iter()
        .find_map(|name| shown(alert.labels.get(*name)));
    let receivers: Vec<&str> = alert.receivers.iter().map(|r| r.name.as_str()).collect();
    // A `generatorURL` that is no web link gives no link at all (not the fallback): the
    // missing Open action is what tells the user the alert's link was refused.
    let generator = alert.generator_url.as_deref().map(str::trim);
    let web_url = match generator.filter(|g| !g.is_empty()) {
        Some(generator) => web_link(generator),
        None => settings
            .base
            .join("#/alerts")
            .ok()
            .and_then(|url| web_link(url.as_str())),
    };
    Incident {
        teams: Vec::new(),
        key: IncidentKey {
            account: settings.account.clone(),
            id: alert.fingerprint.clone(),
        },
        number: None,
        title: title(alert),
        status,
        urgency,
        service,
        created_at: alert.starts_at,
        status_changed_at: since,
        web_url,
        assignees: Vec::new(),
        // The account's filter chose these alerts for this user: they are all theirs.
        // `startsAt` never moves while the alert fires, so this never re-rings.
        assigned_to_me_at: Some(alert.starts_at),
        escalation_policy: (!receivers.is_empty()).then(|| display_text(&receivers.join(", "))),
        priority: None,
    }
}

/// The `summary` annotation, else the alert name and the labels that say where.
fn title(alert: &Alert) -> String {
    if let Some(summary) = shown(alert.annotations.get("summary")) {
        return summary;
    }
    let name = shown(alert.labels.get("alertname"))
        .unwrap_or_else(|| format!("alert {}", display_text(&alert.fingerprint)));
    let details: Vec<String> = TITLE_LABELS
        .iter()
        .filter_map(|label| shown(alert.labels.get(*label)).map(|value| format!("{label}={value}")))
        .collect();
    if details.is_empty() {
        name
    } else {
        format!("{name} ({})", details.join(", "))
    }
}

/// A label or annotation as it may be shown, `None` when nothing visible is left.
fn shown(text: Option<&String>) -> Option<String> {
    let text = display_text(text?);
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ack::{matchers_for, ACK_COMMENT};
    use crate::wire::{AlertStatus, Receiver, SilenceStatus};

    fn ack_matchers(labels: &Labels) -> Vec<Matcher> {
        matchers_for(labels, None)
    }

    fn at(minute: u32) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(&format!("2024-05-01T12:{minute:02}:00Z"))
            .unwrap()
            .with_timezone(&Utc)
    }

    fn labels(pairs: &[(&str, &str)]) -> Labels {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn alert(pairs: &[(&str, &str)], silenced_by: &[&str]) -> Alert {
        Alert {
            fingerprint: "fp1".into(),
            labels: labels(pairs),
            annotations: Labels::new(),
            starts_at: at(0),
            receivers: vec![Receiver {
                name: "team-db".into(),
            }],
            generator_url: None,
            status: AlertStatus {
                silenced_by: silenced_by.iter().map(|s| s.to_string()).collect(),
                inhibited_by: Vec::new(),
                muted_by: Vec::new(),
            },
        }
    }

    fn silence(id: &str, by: &str, comment: &str, state: &str, span: (u32, u32)) -> Silence {
        Silence {
            id: id.into(),
            matchers: ack_matchers(&labels(&[("alertname", "DiskFull"), ("instance", "db1")])),
            starts_at: at(span.0),
            ends_at: at(span.1),
            created_by: by.into(),
            comment: comment.into(),
            status: SilenceStatus {
                state: state.into(),
            },
        }
    }

    const LABELS: [(&str, &str); 2] = [("alertname", "DiskFull"), ("instance", "db1")];

    #[test]
    fn classification_table() {
        let ours_active = silence("ours", "pat", ACK_COMMENT, "active", (5, 50));
        let ours_second = silence("ours2", "pat", ACK_COMMENT, "active", (8, 59));
        let ours_expired = silence("old", "pat", ACK_COMMENT, "expired", (2, 7));
        let ours_expired_later = silence("old2", "pat", ACK_COMMENT, "expired", (9, 12));
        let theirs = silence("theirs", "sam", "maintenance", "active", (1, 59));
        let impostor = silence("impostor", "pat", "planned work", "active", (1, 59));
        let all = [
            ours_active.clone(),
            ours_second.clone(),
            ours_expired.clone(),
            ours_expired_later.clone(),
            theirs.clone(),
            impostor.clone(),
        ];
        let triggered = |since| Classified::Triggered { since };
        let acked = |since, ids: &[&str]| Classified::Acknowledged {
            since,
            silences: ids.iter().map(|s| s.to_string()).collect(),
        };
        let cases: Vec<(&str, Alert, Vec<Silence>, Classified)> = vec![
            (
                "never silenced",
                alert(&LABELS, &[]),
                vec![],
                triggered(at(0)),
            ),
            (
                "silenced by us",
                alert(&LABELS, &["ours"]),
                all.to_vec(),
                acked(at(5), &["ours"]),
            ),
            (
                "acknowledged twice keeps the first time",
                alert(&LABELS, &["ours2", "ours"]),
                all.to_vec(),
                acked(at(5), &["ours2", "ours"]),
            ),
            (
                "extended and replaced by Alertmanager: still acknowledged when the user did",
                alert(&LABELS, &["replaced"]),
                vec![silence(
                    "replaced",
                    "pat",
                    &crate::ack::comment(at(4)),
                    "active",
                    (40, 59),
                )],
                acked(at(4), &["replaced"]),
            ),
            (
                "silenced by someone else",
                alert(&LABELS, &["theirs"]),
                all.to_vec(),
                Classified::Hidden,
            ),
            (
                "silenced by us and them",
                alert(&LABELS, &["ours", "theirs"]),
                all.to_vec(),
                Classified::Hidden,
            ),
            (
                "our user, another comment: not an ack",
                alert(&LABELS, &["impostor"]),
                all.to_vec(),
                Classified::Hidden,
            ),
            (
                "an unknown silence",
                alert(&LABELS, &["gone"]),
                all.to_vec(),
                Classified::Hidden,
            ),
            (
                "an ack that ran out re-triggers at its end (the latest one)",
                alert(&LABELS, &[]),
                all.to_vec(),
                triggered(at(12)),
            ),
            (
                "an expired ack on other labels does not count",
                alert(&[("alertname", "DiskFull"), ("instance", "db2")], &[]),
                all.to_vec(),
                triggered(at(0)),
            ),
            (
                "an expired ack from before the alert started",
                Alert {
                    starts_at: at(30),
                    ..alert(&LABELS, &[])
                },
                vec![ours_expired.clone()],
                triggered(at(30)),
            ),
            (
                "someone else's expired silence does not re-trigger",
                alert(&LABELS, &[]),
                vec![silence("t", "sam", ACK_COMMENT, "expired", (2, 20))],
                triggered(at(0)),
            ),
        ];
        for (name, alert, silences, expected) in cases {
            assert_eq!(classify(&alert, &silences, "pat"), expected, "{name}");
        }

        let mut inhibited = alert(&LABELS, &[]);
        inhibited.status.inhibited_by = vec!["x".into()];
        assert_eq!(classify(&inhibited, &[], "pat"), Classified::Hidden);
        let mut muted = alert(&LABELS, &[]);
        muted.status.muted_by = vec!["weekends".into()];
        assert_eq!(classify(&muted, &[], "pat"), Classified::Hidden);
    }

    fn settings_for<'a>(account: &'a AccountId, base: &'a Url) -> Settings<'a> {
        Settings {
            account,
            base,
            severity_high: &[],
        }
    }

    #[test]
    fn a_generator_url_that_is_not_a_web_link_gives_no_link() {
        let account = AccountId::new("prom");
        let base = Url::parse("https://am.example.com/").unwrap();
        let settings = settings_for(&account, &base);
        let link_of = |generator: Option<&str>| {
            let mut a = alert(&LABELS, &[]);
            a.generator_url = generator.map(str::to_owned);
            incident(&a, Status::Triggered, at(0), &settings).web_url
        };
        for refused in [
            "file:///etc/passwd",
            "smb://fileserver/share/payload.exe",
            r"\\fileserver\share\payload.exe",
            "search-ms:query=invoice&crumb=location:\\\\evil\\share",
            "javascript:alert(1)",
        ] {
            assert_eq!(link_of(Some(refused)), None, "{refused:?}");
        }
        assert_eq!(
            link_of(Some("https://prometheus.example/graph?g0.expr=up")).as_deref(),
            Some("https://prometheus.example/graph?g0.expr=up")
        );
        assert_eq!(
            link_of(None).as_deref(),
            Some("https://am.example.com/#/alerts"),
            "no generatorURL: the Alertmanager's own page"
        );
    }

    /// ESC [2J, an OSC 52 clipboard write, a NUL, a right-to-left override and a C1 CSI.
    const HOSTILE: &str = "DB\u{1b}[2J down\u{1b}]52;c;ZXZpbA==\u{7}\u{0}\u{202E}txet\u{9b}31m";
    const CLEANED: &str = "DB [2J down ]52;c;ZXZpbA== txet 31m";

    #[test]
    fn labels_annotations_and_receivers_are_cleaned_for_display() {
        let account = AccountId::new("prom");
        let base = Url::parse("https://am.example.com/").unwrap();
        let settings = settings_for(&account, &base);
        let mut a = alert(
            &[
                ("alertname", HOSTILE),
                ("instance", HOSTILE),
                ("job", HOSTILE),
            ],
            &[],
        );
        a.receivers = vec![Receiver {
            name: HOSTILE.into(),
        }];
        let got = incident(&a, Status::Triggered, at(0), &settings);
        assert_eq!(
            got.title,
            format!("{CLEANED} (instance={CLEANED}, job={CLEANED})")
        );
        assert_eq!(got.service.as_deref(), Some(CLEANED));
        assert_eq!(got.escalation_policy.as_deref(), Some(CLEANED));

        a.annotations = labels(&[("summary", HOSTILE)]);
        assert_eq!(
            incident(&a, Status::Triggered, at(0), &settings).title,
            CLEANED
        );
        // A summary with nothing visible left gives way to the labels.
        a.annotations = labels(&[("summary", "\u{202E}\u{1b}")]);
        assert!(incident(&a, Status::Triggered, at(0), &settings)
            .title
            .starts_with(CLEANED));
    }

    #[test]
    fn matcher_table() {
        let l = labels(&[("a", "1"), ("b", "2")]);
        let m = |name: &str, value: &str, is_regex, is_equal| Matcher {
            name: name.into(),
            value: value.into(),
            is_regex,
            is_equal,
        };
        assert!(matches(&ack_matchers(&l), &l));
        assert!(matches(&[m("a", "1", false, true)], &l));
        assert!(!matches(&[m("a", "2", false, true)], &l));
        assert!(matches(&[m("a", "2", false, false)], &l));
        assert!(
            matches(&[m("c", "", false, true)], &l),
            "missing label is empty"
        );
        assert!(
            !matches(&[m("a", "1", true, true)], &l),
            "regex is never ours"
        );
        assert!(!matches(&[], &l), "no matchers never match");
        assert_eq!(ack_matchers(&l).len(), 2);
    }

    #[test]
    fn incident_fields() {
        let account = AccountId::new("prom");
        let base = Url::parse("https://am.example.com/am/").unwrap();
        let high = vec!["critical".to_string(), "page".to_string()];
        let settings = Settings {
            account: &account,
            base: &base,
            severity_high: &high,
        };
        let mut a = alert(
            &[
                ("alertname", "DiskFull"),
                ("instance", "db1"),
                ("job", "node"),
                ("severity", "Critical"),
            ],
            &[],
        );
        let incident_ = incident(&a, Status::Triggered, at(3), &settings);
        assert_eq!(incident_.key, IncidentKey::new("prom", "fp1"));
        assert_eq!(incident_.title, "DiskFull (instance=db1, job=node)");
        assert_eq!(incident_.urgency, Urgency::High);
        assert_eq!(incident_.service.as_deref(), Some("node"));
        assert_eq!(incident_.created_at, at(0));
        assert_eq!(incident_.status_changed_at, at(3));
        assert_eq!(incident_.assigned_to_me_at, Some(at(0)));
        assert_eq!(
            incident_.web_url.as_deref(),
            Some("https://am.example.com/am/#/alerts")
        );
        assert_eq!(incident_.escalation_policy.as_deref(), Some("team-db"));
        assert_eq!(incident_.number, None);

        a.annotations = labels(&[("summary", " Disk almost full on db1 ")]);
        a.labels.insert("severity".into(), "warning".into());
        a.labels.insert("service".into(), "postgres".into());
        a.generator_url = Some("http://prom:9090/graph?g0.expr=x".into());
        a.receivers.clear();
        let incident_ = incident(&a, Status::Acknowledged, at(5), &settings);
        assert_eq!(incident_.title, "Disk almost full on db1");
        assert_eq!(incident_.urgency, Urgency::Low);
        assert_eq!(incident_.service.as_deref(), Some("postgres"));
        assert_eq!(
            incident_.web_url.as_deref(),
            Some("http://prom:9090/graph?g0.expr=x")
        );
        assert_eq!(incident_.escalation_policy, None);

        let bare = alert(&[], &[]);
        let incident_ = incident(&bare, Status::Triggered, at(0), &settings);
        assert_eq!(incident_.title, "alert fp1");
        assert_eq!(incident_.service, None);
        assert_eq!(incident_.urgency, Urgency::Low);
    }
}

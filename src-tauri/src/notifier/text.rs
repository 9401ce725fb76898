//! The words of each notification. Pure, so the wording is tested without a desktop.

use chrono::{DateTime, Local, TimeZone, Utc};
use oncall_model::{display_text, AccountId, ActionKind, Incident, ProviderKind, Urgency};
use oncall_policy::{AwayNotice, ShiftMoment, ShiftNotice, Summary, SummaryReason};

/// How many service names a summary lists before "and N more".
const SUMMARY_SERVICES: usize = 3;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text {
    pub summary: String,
    pub body: String,
}

/// The longest summary or body sent; servers cut long text anyway, and a title of
/// megabytes must not make the notification fail.
const MAX_CHARS: usize = 1000;

/// Text made safe to send, as every screen shows service text ([`display_text`]): no
/// control characters (a NUL is not even allowed in a D-Bus string, so it would make
/// the page fail to show), no bidirectional controls that make a title read backwards,
/// no invisible characters, one line. Cut at [`MAX_CHARS`].
///
/// The providers clean what they convert already; this is the notification's own edge,
/// which also shows pages an older version left in the outbox and text that is not an
/// incident's (a notice quoting an error).
pub fn printable(text: &str) -> String {
    let text = display_text(text);
    match text.char_indices().nth(MAX_CHARS) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}

/// `[high] #42 Checkout API is down` / `Checkout API · triggered 5 min ago`; with
/// `name_account`, `work: [high] #42 …` so that pages of several accounts are told apart.
pub fn incident(incident: &Incident, now: DateTime<Utc>, name_account: bool) -> Text {
    let mut summary = String::new();
    if name_account {
        summary.push_str(&format!("{}: ", incident.key.account));
    }
    if incident.urgency == Urgency::High {
        summary.push_str("[high] ");
    }
    if let Some(number) = incident.number {
        summary.push_str(&format!("#{number} "));
    }
    summary.push_str(&incident.title);
    let age = age(now - incident.status_changed_at);
    let body = match &incident.service {
        Some(service) => format!("{service} · triggered {age}"),
        None => format!("triggered {age}"),
    };
    Text { summary, body }
}

/// `30 incidents need you — Checkout API, Payments DB`.
pub fn summary(summary: &Summary) -> Text {
    let count = summary.incidents.len();
    let mut title = if count == 1 {
        "1 incident needs you".to_string()
    } else {
        format!("{count} incidents need you")
    };
    if !summary.services.is_empty() {
        let shown: Vec<&str> = summary
            .services
            .iter()
            .take(SUMMARY_SERVICES)
            .map(String::as_str)
            .collect();
        title.push_str(" — ");
        title.push_str(&shown.join(", "));
        let more = summary.services.len().saturating_sub(SUMMARY_SERVICES);
        if more > 0 {
            title.push_str(&format!(" and {more} more"));
        }
    }
    let body = match summary.reason {
        SummaryReason::FirstStart => format!(
            "Already open when oncall-tray started (account {}).",
            summary.account
        ),
        SummaryReason::Storm => format!(
            "Too many at once to show one by one (account {}).",
            summary.account
        ),
    };
    Text {
        summary: title,
        body,
    }
}

/// A shift reminder or handover, in the user's local time:
/// `On call in 15 minutes: Checkout (level 1)` / `from 09:00 until Mon 17:00`,
/// `You are on call for Checkout (level 1) until Mon 17:00`,
/// `Your shift ended; 2 incidents are still open`.
pub fn shift(notice: &ShiftNotice, now: DateTime<Utc>, name_account: bool) -> Text {
    shift_in(notice, now, name_account, &Local)
}

fn shift_in<Tz: TimeZone>(
    notice: &ShiftNotice,
    now: DateTime<Utc>,
    name_account: bool,
    zone: &Tz,
) -> Text
where
    Tz::Offset: std::fmt::Display,
{
    let what = printable(&notice.shift.label());
    let when = |at: DateTime<Utc>| moment(at, now, zone);
    let until = match notice.shift.end {
        Some(end) => format!("until {}", when(end)),
        None => "with no end".to_string(),
    };
    let (summary, mut body) = match notice.moment {
        ShiftMoment::Reminder => {
            let start = notice.shift.start.unwrap_or(now);
            let minutes = ((start - now).num_seconds().max(0) + 59) / 60;
            let soon = if minutes <= 1 {
                "in a minute".to_string()
            } else {
                format!("in {minutes} minutes")
            };
            (
                format!("On call {soon}: {what}"),
                format!("from {} {until}", when(start)),
            )
        }
        ShiftMoment::Started => (format!("You are on call for {what} {until}"), String::new()),
        ShiftMoment::Ended {
            early,
            open_incidents,
        } => {
            let open = match open_incidents {
                0 => "no incidents are open".to_string(),
                1 => "1 incident is still open".to_string(),
                n => format!("{n} incidents are still open"),
            };
            let summary = if early {
                format!("Your shift ended early; {open}")
            } else {
                format!("Your shift ended; {open}")
            };
            let body = if early {
                format!("Someone else is on call for {what} now.")
            } else {
                format!("You are no longer on call for {what}.")
            };
            (summary, body)
        }
    };
    if let Some(schedule) = notice.shift.schedule.as_deref() {
        if notice.shift.escalation_policy.is_some() {
            let schedule = printable(schedule);
            body = if body.is_empty() {
                format!("Schedule {schedule}.")
            } else {
                format!("{body} Schedule {schedule}.")
            };
        }
    }
    let summary = if name_account {
        format!("{}: {summary}", notice.account)
    } else {
        summary
    };
    Text { summary, body }
}

/// `While you were away (2 h 10 min): 3 pages` / `1 acknowledged by someone else ·
/// 2 still open. The History tab has each one.`
pub fn while_away(notice: &AwayNotice) -> Text {
    let plural = |n: usize, one: &str, many: &str| {
        if n == 1 {
            format!("1 {one}")
        } else {
            format!("{n} {many}")
        }
    };
    let minutes = (notice.to - notice.from).num_minutes().max(0);
    let away = if minutes >= 60 {
        format!("{} h {} min", minutes / 60, minutes % 60)
    } else {
        format!("{minutes} min")
    };
    let summary = format!(
        "While you were away ({away}): {}",
        plural(notice.paged, "page", "pages")
    );
    let mut parts = Vec::new();
    if notice.handled_by_others > 0 {
        parts.push(format!(
            "{} handled by someone else",
            notice.handled_by_others
        ));
    }
    if notice.paged > 0 {
        parts.push(match notice.still_open {
            0 => "none still open".to_string(),
            n => format!("{n} still open"),
        });
    }
    let mut body = parts.join(" · ");
    if !body.is_empty() {
        body.push_str(". ");
    }
    body.push_str("History has each one.");
    Text { summary, body }
}

/// A time as a person reads it in a notification: `17:00` today, `Mon 17:00` within
/// the week, `Mon 14 Dec 17:00` further off.
fn moment<Tz: TimeZone>(at: DateTime<Utc>, now: DateTime<Utc>, zone: &Tz) -> String
where
    Tz::Offset: std::fmt::Display,
{
    let local = at.with_timezone(zone);
    let today = now.with_timezone(zone).date_naive();
    let days = (local.date_naive() - today).num_days();
    if days == 0 {
        local.format("%H:%M").to_string()
    } else if (-6..=6).contains(&days) {
        local.format("%a %H:%M").to_string()
    } else {
        local.format("%a %-d %b %H:%M").to_string()
    }
}

/// Escapes text for a notification server that renders body markup (a subset of
/// HTML): `&`, `<` and `>` become entities, so incident text is shown, never rendered.
// macOS and Windows notifications take plain text only.
#[cfg_attr(any(target_os = "macos", windows), allow(dead_code))]
pub fn escape_markup(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

/// The one notification a rejected token gets.
pub fn token_rejected(account: &AccountId, provider: ProviderKind, reason: &str) -> Text {
    let service = match provider {
        ProviderKind::PagerDuty => "PagerDuty",
        ProviderKind::Alertmanager => "Alertmanager",
        ProviderKind::Opsgenie => "Opsgenie",
        ProviderKind::Jsm => "JSM",
        ProviderKind::GrafanaOnCall => "Grafana OnCall",
    };
    Text {
        summary: format!("{service} rejected the token of account {account}"),
        body: format!(
            "oncall-tray cannot see your incidents until it has a new token: enter \
             one in Settings, or run `oncall-tray token set {account}`. ({reason})"
        ),
    }
}

/// The one notification a token that cannot be had gets (not one per retry). `cause`
/// is what failed, in lower case ("the token command failed (…)").
pub fn credential_failed(account: &AccountId, cause: &str) -> Text {
    let mut chars = cause.chars();
    let cause: String = match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => "Something failed".into(),
    };
    Text {
        summary: format!("oncall-tray cannot get the token for {account}"),
        body: format!(
            "{cause}. Paging for {account} is stopped until it works; oncall-tray keeps \
             retrying on its own."
        ),
    }
}

/// An action the user took that could not be saved, so was not sent: what to do about
/// it, and the incident's name (`title`: its number and title, when known). `cause` is
/// in lower case ("the disk is full").
pub fn action_not_saved(kind: &ActionKind, title: Option<&str>, cause: &str) -> Text {
    let not_done = match kind {
        ActionKind::Acknowledge => "Not acknowledged",
        ActionKind::Resolve => "Not resolved",
        ActionKind::Snooze { .. } => "Not snoozed",
        ActionKind::Unacknowledge => "Not unacknowledged",
        ActionKind::Reassign { .. } => "Not reassigned",
        ActionKind::Escalate { .. } => "Not escalated",
        ActionKind::AddNote { .. } => "Note not added",
        ActionKind::AddResponders { .. } => "Responders not added",
        ActionKind::SetUrgency { .. } => "Urgency not changed",
    };
    Text {
        summary: match title {
            Some(title) => format!("{not_done}: {title}"),
            None => not_done.to_string(),
        },
        body: format!(
            "oncall-tray could not save it to disk first ({cause}), so nothing was sent. \
             Free some space or fix its data folder, then try again."
        ),
    }
}

/// `just now`, `5 min ago`, `3 h ago`, `2 days ago`.
fn age(elapsed: chrono::Duration) -> String {
    let minutes = elapsed.num_minutes();
    match minutes {
        i64::MIN..=0 => "just now".to_string(),
        1..=59 => format!("{minutes} min ago"),
        60..=2879 => format!("{} h ago", minutes / 60),
        _ => format!("{} days ago", minutes / 1440),
    }
}

#[cfg(test)]
mod tests {
    use oncall_model::{IncidentKey, Status};
    use oncall_policy::SummaryId;

    use super::*;

    #[test]
    fn markup_in_incident_text_is_shown_not_rendered() {
        assert_eq!(
            escape_markup("<b>DB</b> & <a href=\"x\">cache</a>"),
            "&lt;b&gt;DB&lt;/b&gt; &amp; &lt;a href=\"x\"&gt;cache&lt;/a&gt;"
        );
        assert_eq!(escape_markup("plain · text"), "plain · text");
    }

    fn at(minute: u32) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(&format!("2025-01-01T10:{minute:02}:00Z"))
            .unwrap()
            .into()
    }

    fn checkout(urgency: Urgency, number: Option<u64>) -> Incident {
        Incident {
            teams: Vec::new(),
            key: IncidentKey::new("work", "Q1"),
            number,
            title: "Checkout API is down".into(),
            status: Status::Triggered,
            urgency,
            service: Some("Checkout API".into()),
            created_at: at(0),
            status_changed_at: at(0),
            web_url: None,
            assignees: Vec::new(),
            assigned_to_me_at: Some(at(0)),
            escalation_policy: None,
            priority: None,
        }
    }

    #[test]
    fn incident_text_carries_urgency_number_service_and_age() {
        let text = incident(&checkout(Urgency::High, Some(42)), at(5), false);
        assert_eq!(text.summary, "[high] #42 Checkout API is down");
        assert_eq!(text.body, "Checkout API · triggered 5 min ago");
        let text = incident(&checkout(Urgency::Low, None), at(0), false);
        assert_eq!(text.summary, "Checkout API is down");
        assert_eq!(text.body, "Checkout API · triggered just now");
        // With several accounts, the title says whose page it is.
        let text = incident(&checkout(Urgency::High, Some(42)), at(5), true);
        assert_eq!(text.summary, "work: [high] #42 Checkout API is down");
    }

    #[test]
    fn summary_names_the_most_affected_services() {
        let keys = (0..30)
            .map(|i| IncidentKey::new("work", format!("Q{i}")))
            .collect();
        let services = ["Checkout API", "Payments DB", "Search", "Mail", "Auth"]
            .map(String::from)
            .to_vec();
        let s = Summary {
            id: SummaryId(1),
            account: AccountId::new("work"),
            reason: SummaryReason::Storm,
            incidents: keys,
            services,
            urgency: Urgency::High,
            repeats: Vec::new(),
            episodes: Vec::new(),
        };
        assert_eq!(
            summary(&s).summary,
            "30 incidents need you — Checkout API, Payments DB, Search and 2 more"
        );
    }

    #[test]
    fn a_token_that_cannot_be_had_says_what_failed_and_that_paging_is_stopped() {
        let text = credential_failed(
            &AccountId::new("work"),
            "the token command failed (it exited with code 1: vault is locked)",
        );
        assert_eq!(text.summary, "oncall-tray cannot get the token for work");
        assert_eq!(
            text.body,
            "The token command failed (it exited with code 1: vault is locked). Paging for \
             work is stopped until it works; oncall-tray keeps retrying on its own."
        );
    }

    fn shift_notice(moment: ShiftMoment) -> ShiftNotice {
        ShiftNotice {
            account: AccountId::new("work"),
            moment,
            shift: oncall_model::OnCallShift {
                escalation_policy: Some("Checkout".into()),
                escalation_policy_id: Some("PEP1".into()),
                schedule: Some("Primary".into()),
                schedule_id: Some("PS1".into()),
                level: Some(1),
                start: Some("2026-12-07T09:00:00Z".parse().unwrap()),
                end: Some("2026-12-14T09:00:00Z".parse().unwrap()),
            },
            decided_at: "2026-12-07T08:45:00Z".parse().unwrap(),
        }
    }

    #[test]
    fn shift_notices_say_what_when_and_what_is_left() {
        let utc = chrono::Utc;
        let now = |t: &str| {
            format!("2026-12-07T{t}:00Z")
                .parse::<DateTime<Utc>>()
                .unwrap()
        };
        let reminder = shift_in(
            &shift_notice(ShiftMoment::Reminder),
            now("08:47"),
            false,
            &utc,
        );
        assert_eq!(
            reminder.summary,
            "On call in 13 minutes: Checkout (level 1)"
        );
        assert_eq!(
            reminder.body,
            "from 09:00 until Mon 14 Dec 09:00 Schedule Primary."
        );
        let started = shift_in(
            &shift_notice(ShiftMoment::Started),
            now("09:00"),
            true,
            &utc,
        );
        assert_eq!(
            started.summary,
            "work: You are on call for Checkout (level 1) until Mon 14 Dec 09:00"
        );
        let ended = ShiftMoment::Ended {
            early: false,
            open_incidents: 2,
        };
        let mut notice = shift_notice(ended);
        notice.shift.end = Some(now("17:00"));
        let text = shift_in(&notice, now("17:00"), false, &utc);
        assert_eq!(text.summary, "Your shift ended; 2 incidents are still open");
        assert_eq!(
            text.body,
            "You are no longer on call for Checkout (level 1). Schedule Primary."
        );
        notice.moment = ShiftMoment::Ended {
            early: true,
            open_incidents: 0,
        };
        let text = shift_in(&notice, now("11:00"), false, &utc);
        assert_eq!(
            text.summary,
            "Your shift ended early; no incidents are open"
        );
    }

    #[test]
    fn the_word_after_an_absence_counts_pages_others_and_what_is_open() {
        let from: DateTime<Utc> = "2026-12-07T01:00:00Z".parse().unwrap();
        let notice = AwayNotice {
            from,
            to: from + chrono::Duration::minutes(130),
            paged: 3,
            handled_by_others: 1,
            still_open: 2,
        };
        let text = while_away(&notice);
        assert_eq!(text.summary, "While you were away (2 h 10 min): 3 pages");
        assert_eq!(
            text.body,
            "1 handled by someone else · 2 still open. History has each one."
        );
        let quiet_page = AwayNotice {
            to: from + chrono::Duration::minutes(12),
            paged: 1,
            handled_by_others: 0,
            still_open: 0,
            ..notice
        };
        let text = while_away(&quiet_page);
        assert_eq!(text.summary, "While you were away (12 min): 1 page");
        assert_eq!(text.body, "none still open. History has each one.");
    }

    #[test]
    fn shift_times_read_as_today_this_week_or_a_date() {
        let utc = chrono::Utc;
        let now: DateTime<Utc> = "2026-12-07T08:00:00Z".parse().unwrap();
        let at = |t: &str| t.parse::<DateTime<Utc>>().unwrap();
        assert_eq!(moment(at("2026-12-07T17:00:00Z"), now, &utc), "17:00");
        assert_eq!(moment(at("2026-12-09T09:00:00Z"), now, &utc), "Wed 09:00");
        assert_eq!(
            moment(at("2026-12-21T09:00:00Z"), now, &utc),
            "Mon 21 Dec 09:00"
        );
    }

    #[test]
    fn ages_read_naturally() {
        assert_eq!(age(chrono::Duration::minutes(125)), "2 h ago");
        assert_eq!(age(chrono::Duration::days(3)), "3 days ago");
    }

    #[test]
    fn control_characters_and_direction_overrides_never_reach_the_notification() {
        assert_eq!(
            printable("DB\u{0}down\u{1b}[31m\u{202E}txet\nnext\tline"),
            "DB down [31mtxet next line"
        );
        // Issue 12: what the old rule let through (bidi marks, invisible characters,
        // Unicode line separators, C1 controls as spaces) goes too.
        assert_eq!(
            printable("a\u{1b}]52;c;ZXZpbA==\u{7}b\u{9b}2Jc\u{200F}\u{200B}d\u{2028}e\u{FEFF}"),
            "a ]52;c;ZXZpbA== b 2Jcd e"
        );
        let long = "x".repeat(5000);
        assert_eq!(printable(&long).chars().count(), MAX_CHARS + 1);
    }
}

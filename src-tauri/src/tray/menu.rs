//! What the tray shows, as plain data: the icon state, the label, and the menu as a
//! tree of entries with string ids. Built from the engine's `View` by pure functions so
//! the 3 a.m. wording and the menu's shape are unit-tested without a display; `tray.rs`
//! only turns this into tauri menu items.
//!
//! Every label leaves [`build`] as [`display_text`] makes it: titles, service names and
//! reasons come from services, and GTK cuts a label at a NUL (a debug build panics), a
//! bidi override reorders it, a line break splits it.

use chrono::{DateTime, Local, Utc};
use oncall_engine::{Connection, Delivery, IncidentView, Quiet, View};
use oncall_model::{
    display_text, web_link, AccountId, ActionKind, Capabilities, IncidentKey, Status, Urgency,
};
use oncall_policy::Pause;

/// How many incidents get their own submenu before "N more…".
pub const MAX_INCIDENTS: usize = 10;

/// The tray icon to show, worst first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrayState {
    /// An account is offline, rate limited or its token was rejected, or notifications
    /// do not reach the desktop.
    Error,
    /// At least one incident needs the user.
    Triggered,
    Paused,
    /// Open incidents, all acknowledged.
    Acknowledged,
    /// Nothing needs the user, and they are on call now.
    OnCall,
    Clear,
}

impl TrayState {
    pub fn of(view: &View, now: DateTime<Utc>) -> TrayState {
        // A muted or rule-quiet incident is listed but needs no one: not red.
        let triggered = view.needing_user() > 0;
        let undelivered = view.delivery != Delivery::Ok;
        if undelivered || view.accounts.iter().any(|a| !a.connection.is_healthy()) {
            TrayState::Error
        } else if triggered && view.pause.is_none() {
            TrayState::Triggered
        } else if view.pause.is_some() {
            TrayState::Paused
        } else if view.count(Status::Acknowledged) > 0 || view.count(Status::Triggered) > 0 {
            TrayState::Acknowledged
        } else if current_shift_ends(view, now).is_some() {
            TrayState::OnCall
        } else {
            TrayState::Clear
        }
    }
}

/// What a menu entry does when clicked. Encoded in the entry's id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Act(IncidentKey, ActionKind),
    Open(IncidentKey),
    /// Open the window on the incident's details (notes, reassign, escalate…).
    Details(IncidentKey),
    /// Mute the account's service for so many minutes.
    Mute {
        account: AccountId,
        service: String,
        minutes: u32,
    },
    Unmute {
        account: AccountId,
        service: String,
    },
    AckAllTriggered,
    Pause(Option<u32>),
    Resume,
    OpenWindow,
    /// Turn "start at login" on or off.
    ToggleAutostart,
    Quit,
}

// Ids are how tauri's menus (macOS, Windows) name an entry's command; the
// StatusNotifierItem's menu keeps the commands themselves.
#[cfg_attr(all(unix, not(target_os = "macos")), allow(dead_code))]
impl Command {
    pub fn id(&self) -> String {
        match self {
            Command::Act(key, ActionKind::Acknowledge) => format!("ack:{key}"),
            Command::Act(key, ActionKind::Resolve) => format!("resolve:{key}"),
            Command::Act(key, ActionKind::Snooze { seconds }) => format!("snooze{seconds}:{key}"),
            Command::Act(key, ActionKind::Unacknowledge) => format!("unack:{key}"),
            Command::Act(key, ActionKind::Escalate { to: None }) => format!("escalate:{key}"),
            // What needs a choice or words (a note, a reassignment) is made in the
            // window, never from a menu id.
            Command::Act(key, other) => format!("unsupported-{}:{key}", other.verb()),
            Command::Open(key) => format!("open:{key}"),
            Command::Details(key) => format!("details:{key}"),
            // An account name has no '/', so the service after the first one is whole.
            Command::Mute {
                account,
                service,
                minutes,
            } => format!("mute{minutes}:{account}/{service}"),
            Command::Unmute { account, service } => format!("unmute:{account}/{service}"),
            Command::AckAllTriggered => "ack-all".into(),
            Command::Pause(Some(minutes)) => format!("pause:{minutes}"),
            Command::Pause(None) => "pause:forever".into(),
            Command::Resume => "resume".into(),
            Command::OpenWindow => "open-window".into(),
            Command::ToggleAutostart => "autostart".into(),
            Command::Quit => "quit".into(),
        }
    }

    pub fn parse(id: &str) -> Option<Command> {
        let (verb, rest) = id.split_once(':').unwrap_or((id, ""));
        let key = || {
            let (account, incident) = rest.split_once('/')?;
            Some(IncidentKey::new(account, incident))
        };
        Some(match verb {
            "ack" => Command::Act(key()?, ActionKind::Acknowledge),
            "resolve" => Command::Act(key()?, ActionKind::Resolve),
            "unack" => Command::Act(key()?, ActionKind::Unacknowledge),
            "escalate" => Command::Act(key()?, ActionKind::Escalate { to: None }),
            "open" => Command::Open(key()?),
            "details" => Command::Details(key()?),
            "unmute" => {
                let key = key()?;
                Command::Unmute {
                    account: key.account,
                    service: key.id,
                }
            }
            "ack-all" => Command::AckAllTriggered,
            "pause" if rest == "forever" => Command::Pause(None),
            "pause" => Command::Pause(Some(rest.parse().ok()?)),
            "resume" => Command::Resume,
            "open-window" => Command::OpenWindow,
            "autostart" => Command::ToggleAutostart,
            "quit" => Command::Quit,
            snooze if snooze.starts_with("snooze") => Command::Act(
                key()?,
                ActionKind::Snooze {
                    seconds: snooze["snooze".len()..].parse().ok()?,
                },
            ),
            mute if mute.starts_with("mute") => {
                let key = key()?;
                Command::Mute {
                    account: key.account,
                    service: key.id,
                    minutes: mute["mute".len()..].parse().ok()?,
                }
            }
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    /// A line of text that does nothing (state lines, account problems).
    Info(String),
    Item {
        command: Command,
        label: String,
        enabled: bool,
    },
    Check {
        command: Command,
        label: String,
        checked: bool,
    },
    Submenu {
        label: String,
        entries: Vec<Entry>,
    },
    Separator,
}

impl Entry {
    fn item(command: Command, label: impl Into<String>) -> Entry {
        Entry::Item {
            command,
            label: label.into(),
            enabled: true,
        }
    }
}

/// The tray's label: the number of triggered incidents that need the user (not muted
/// or kept quiet by a rule), when there are any.
pub fn label(view: &View) -> Option<String> {
    match view.needing_user() {
        0 => None,
        n => Some(n.to_string()),
    }
}

/// "2 triggered · 1 quiet · 1 acknowledged · on call until 18:00"
pub fn state_line(view: &View, now: DateTime<Utc>) -> String {
    let triggered = view.needing_user();
    let quiet = view.count(Status::Triggered) - triggered;
    let acknowledged = view.count(Status::Acknowledged);
    let mut parts = Vec::new();
    if triggered + quiet + acknowledged == 0 {
        parts.push("All clear".to_string());
    }
    for (n, what) in [
        (triggered, "triggered"),
        (quiet, "quiet"),
        (acknowledged, "acknowledged"),
    ] {
        if n > 0 {
            parts.push(format!("{n} {what}"));
        }
    }
    if let Some(on_call) = on_call_phrase(view, now) {
        parts.push(on_call);
    }
    parts.join(" · ")
}

fn on_call_phrase(view: &View, now: DateTime<Utc>) -> Option<String> {
    match current_shift_ends(view, now) {
        Some(None) => Some("on call".into()),
        Some(Some(end)) => Some(format!("on call until {}", clock_time(end, now))),
        // Said only where shifts are known: an account without schedules has none.
        None => next_shift_start(view, now)
            .map(|start| format!("not on call · next shift {}", clock_time(start, now))),
    }
}

/// If the user is on call now, when that ends (`Some(None)`: never). The shift that
/// ends last decides when they are free.
fn current_shift_ends(view: &View, now: DateTime<Utc>) -> Option<Option<DateTime<Utc>>> {
    let ends: Vec<Option<DateTime<Utc>>> = view
        .accounts
        .iter()
        .flat_map(|a| &a.on_call)
        .filter(|s| s.start.is_none_or(|start| start <= now))
        .filter(|s| s.end.is_none_or(|end| end > now))
        .map(|s| s.end)
        .collect();
    if ends.is_empty() {
        None
    } else if ends.contains(&None) {
        Some(None)
    } else {
        Some(ends.into_iter().max().flatten())
    }
}

/// When the user's next shift starts, if one is known.
fn next_shift_start(view: &View, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    view.accounts
        .iter()
        .flat_map(|a| &a.on_call)
        .filter_map(|s| s.start)
        .filter(|start| *start > now)
        .min()
}

/// "18:00" today, "Fri 18:00" within a week, else the date.
fn clock_time(at: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let local = at.with_timezone(&Local);
    let today = now.with_timezone(&Local).date_naive();
    if local.date_naive() == today {
        local.format("%H:%M").to_string()
    } else if (local.date_naive() - today).num_days() < 7 {
        local.format("%a %H:%M").to_string()
    } else {
        local.format("%b %-d %H:%M").to_string()
    }
}

/// "3 min", "2 h", "4 d": how long ago, in the fewest characters that still read well.
pub fn age(since: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let minutes = (now - since).num_minutes().max(0);
    match minutes {
        0 => "just now".into(),
        m if m < 60 => format!("{m} min"),
        m if m < 48 * 60 => format!("{} h", m / 60),
        m => format!("{} d", m / (24 * 60)),
    }
}

/// One line per account that is not fine, in words for 3 a.m.
fn account_problems(view: &View) -> Vec<String> {
    view.accounts
        .iter()
        .filter_map(|a| {
            let name = &a.account;
            let problem = match &a.connection {
                Connection::Ok | Connection::Connecting => return None,
                Connection::AuthFailed { .. } => {
                    format!(
                        "{name}: token rejected — enter a new one in Settings (Open oncall-tray…)"
                    )
                }
                Connection::Offline { .. } => format!("{name}: cannot reach the service, retrying"),
                Connection::TokenUnavailable { .. } => {
                    format!("{name}: cannot get the token, retrying")
                }
                Connection::RateLimited { .. } => format!("{name}: rate limited, waiting"),
                Connection::Misconfigured { reason } => format!("{name}: {reason}"),
            };
            Some(problem)
        })
        .collect()
}

fn incident_label(view: &IncidentView, now: DateTime<Utc>) -> String {
    let i = &view.incident;
    let marker = match (i.status, i.urgency) {
        (Status::Triggered, Urgency::High) => "●",
        (Status::Triggered, Urgency::Low) => "○",
        _ => "✓",
    };
    let number = i.number.map(|n| format!("#{n} ")).unwrap_or_default();
    // Cleaned before it is cut, so that the cut counts what is shown.
    let full_title = display_text(&i.title);
    let mut title: String = full_title.chars().take(60).collect();
    if title.len() < full_title.len() {
        title.push('…');
    }
    let pending = match &view.pending {
        Some(ActionKind::Acknowledge) => " (acknowledging…)",
        Some(ActionKind::Resolve) => " (resolving…)",
        Some(ActionKind::Snooze { .. }) => " (snoozing…)",
        Some(ActionKind::Unacknowledge) => " (un-acknowledging…)",
        Some(_) | None => "",
    };
    // Listed, never dropped, and said to be quiet so its silence is no surprise.
    let quiet = match &view.quiet {
        Some(Quiet::Muted { .. }) => " · muted",
        Some(Quiet::Rule { .. }) => " · quiet by rule",
        None => "",
    };
    format!(
        "{marker} {number}{title} · {}{pending}{quiet}",
        age(i.created_at, now)
    )
}

fn incident_entries(view: &IncidentView, can: Capabilities) -> Vec<Entry> {
    let i = &view.incident;
    let key = &i.key;
    let idle = view.pending.is_none();
    let acknowledged = i.status == Status::Acknowledged;
    let mut entries = Vec::new();
    if let Some(service) = &i.service {
        entries.push(Entry::Info(format!(
            "{service} · {} urgency",
            i.urgency.as_str()
        )));
    }
    let item = |kind: ActionKind, label: &str, enabled: bool| Entry::Item {
        command: Command::Act(key.clone(), kind),
        label: label.into(),
        enabled: enabled && idle,
    };
    entries.push(item(
        ActionKind::Acknowledge,
        "Acknowledge",
        i.status == Status::Triggered,
    ));
    if can.unacknowledge && acknowledged {
        entries.push(item(ActionKind::Unacknowledge, "Unacknowledge", true));
    }
    if can.resolve {
        entries.push(item(ActionKind::Resolve, "Resolve", true));
    } else {
        // Alertmanager: alerts resolve when their source recovers.
        entries.push(Entry::Info("Resolves when its source recovers".into()));
    }
    if can.snooze && acknowledged {
        for (seconds, label) in [
            (900, "Snooze 15 minutes"),
            (3600, "Snooze 1 hour"),
            (4 * 3600, "Snooze 4 hours"),
        ] {
            entries.push(item(ActionKind::Snooze { seconds }, label, true));
        }
    }
    if can.escalate_needs_target == Some(false) && i.status != Status::Resolved {
        entries.push(item(
            ActionKind::Escalate { to: None },
            "Escalate to the next level",
            true,
        ));
    }
    if let Some(service) = &i.service {
        let shown = display_text(service);
        match &view.quiet {
            Some(Quiet::Muted { .. }) => entries.push(Entry::Item {
                command: Command::Unmute {
                    account: key.account.clone(),
                    service: service.clone(),
                },
                label: format!("Unmute {shown}"),
                enabled: true,
            }),
            _ => {
                for (minutes, label) in [(60, "1 hour"), (4 * 60, "4 hours")] {
                    entries.push(Entry::Item {
                        command: Command::Mute {
                            account: key.account.clone(),
                            service: service.clone(),
                            minutes,
                        },
                        label: format!("Mute {shown} for {label}"),
                        enabled: true,
                    });
                }
            }
        }
    }
    if can.details || can.notes {
        // A note or a hand-over needs words or a choice: the window has the fields.
        entries.push(Entry::Item {
            command: Command::Details(key.clone()),
            label: "Notes, reassign, escalate…".into(),
            enabled: true,
        });
    }
    // Offered only for what the opener will open (`browser.rs` checks the same rule).
    entries.push(Entry::Item {
        command: Command::Open(key.clone()),
        label: "Open in browser".into(),
        enabled: i.web_url.as_deref().and_then(web_link).is_some(),
    });
    entries
}

/// What the incident's account can do (PagerDuty's set, for an account the view lacks).
fn capabilities(view: &View, incident: &IncidentView) -> Capabilities {
    view.accounts
        .iter()
        .find(|a| a.account == incident.incident.key.account)
        .map_or(
            Capabilities {
                resolve: true,
                snooze: true,
                schedules: true,
                ..Capabilities::ACKNOWLEDGE_ONLY
            },
            |a| a.capabilities,
        )
}

/// The whole tray menu for `view`, every label shown as [`display_text`] makes it.
/// `autostart` is whether the app starts at login, when that is known.
pub fn build(view: &View, now: DateTime<Utc>, autostart: Option<bool>) -> Vec<Entry> {
    shown(compose(view, now, autostart))
}

/// Every label of `entries` as it may be shown.
fn shown(entries: Vec<Entry>) -> Vec<Entry> {
    entries
        .into_iter()
        .map(|entry| match entry {
            Entry::Info(text) => Entry::Info(display_text(&text)),
            Entry::Item {
                command,
                label,
                enabled,
            } => Entry::Item {
                command,
                label: display_text(&label),
                enabled,
            },
            Entry::Check {
                command,
                label,
                checked,
            } => Entry::Check {
                command,
                label: display_text(&label),
                checked,
            },
            Entry::Submenu { label, entries } => Entry::Submenu {
                label: display_text(&label),
                entries: shown(entries),
            },
            Entry::Separator => Entry::Separator,
        })
        .collect()
}

fn compose(view: &View, now: DateTime<Utc>, autostart: Option<bool>) -> Vec<Entry> {
    let mut menu = vec![Entry::Info(state_line(view, now))];
    if let Some(pause) = view.pause {
        menu.push(Entry::Info(match pause {
            Pause::Until(until) => format!("Notifications paused until {}", clock_time(until, now)),
            Pause::UntilResumed => "Notifications paused".into(),
        }));
    }
    if let Some(problem) = view.delivery.describe() {
        menu.push(Entry::Info(problem));
    }
    menu.extend(account_problems(view).into_iter().map(Entry::Info));

    let open: Vec<&IncidentView> = view
        .incidents
        .iter()
        .filter(|i| i.incident.status != Status::Resolved)
        .collect();
    if !open.is_empty() {
        menu.push(Entry::Separator);
        // With several accounts, incidents are grouped under their account's name
        // (each group most urgent first); the cap counts all of them.
        let grouped = view.accounts.len() > 1;
        let mut shown: Vec<&IncidentView> = open.iter().take(MAX_INCIDENTS).copied().collect();
        if grouped {
            let order = |i: &IncidentView| {
                view.accounts
                    .iter()
                    .position(|a| a.account == i.incident.key.account)
            };
            shown.sort_by_key(|i| order(i));
        }
        let mut current_account = None;
        for incident in shown {
            if grouped && current_account != Some(&incident.incident.key.account) {
                current_account = Some(&incident.incident.key.account);
                menu.push(Entry::Info(incident.incident.key.account.to_string()));
            }
            menu.push(Entry::Submenu {
                label: incident_label(incident, now),
                entries: incident_entries(incident, capabilities(view, incident)),
            });
        }
        if open.len() > MAX_INCIDENTS {
            menu.push(Entry::item(
                Command::OpenWindow,
                format!("{} more…", open.len() - MAX_INCIDENTS),
            ));
        }
    }

    menu.push(Entry::Separator);
    let triggered = open
        .iter()
        .filter(|i| i.incident.status == Status::Triggered && i.pending.is_none())
        .count();
    menu.push(Entry::Item {
        command: Command::AckAllTriggered,
        label: if triggered > 0 {
            format!("Acknowledge all triggered ({triggered})")
        } else {
            "Acknowledge all triggered".into()
        },
        enabled: triggered > 0,
    });
    if view.pause.is_some() {
        menu.push(Entry::item(Command::Resume, "Resume notifications"));
    } else {
        menu.push(Entry::Submenu {
            label: "Pause notifications".into(),
            entries: vec![
                Entry::item(Command::Pause(Some(15)), "For 15 minutes"),
                Entry::item(Command::Pause(Some(60)), "For 1 hour"),
                Entry::item(Command::Pause(None), "Until I resume"),
            ],
        });
    }
    menu.push(Entry::Separator);
    if let Some(checked) = autostart {
        menu.push(Entry::Check {
            command: Command::ToggleAutostart,
            label: "Start at login".into(),
            checked,
        });
    }
    menu.push(Entry::item(Command::OpenWindow, "Open oncall-tray…"));
    menu.push(Entry::item(Command::Quit, "Quit"));
    menu
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};
    use oncall_engine::AccountView;
    use oncall_model::{AccountId, Incident, OnCallShift};

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 26, 3, 0, 0).unwrap()
    }

    fn incident(id: &str, number: u64, status: Status, urgency: Urgency) -> IncidentView {
        IncidentView {
            sending: Vec::new(),
            quiet: None,
            incident: Incident {
                teams: Vec::new(),
                key: IncidentKey::new("work", id),
                number: Some(number),
                title: format!("Incident {id}"),
                status,
                urgency,
                service: Some("Checkout API".into()),
                created_at: now() - Duration::minutes(7),
                status_changed_at: now(),
                web_url: Some(format!("https://example.pagerduty.com/incidents/{id}")),
                assignees: vec![],
                assigned_to_me_at: Some(now()),
                escalation_policy: None,
                priority: None,
            },
            pending: None,
            pending_error: None,
        }
    }

    fn account(connection: Connection) -> AccountView {
        AccountView {
            account: AccountId::new("work"),
            provider: oncall_model::ProviderKind::PagerDuty,
            capabilities: Capabilities {
                resolve: true,
                snooze: true,
                schedules: true,
                ..Capabilities::ACKNOWLEDGE_ONLY
            },
            connection,
            last_success: None,
            next_poll: None,
            on_call: vec![],
            rota: vec![],
            shifts_problem: None,
        }
    }

    /// Alertmanager's: no resolve, snooze or schedules; unacknowledge.
    fn oncall_alertmanager_capabilities() -> Capabilities {
        Capabilities {
            unacknowledge: true,
            ..Capabilities::ACKNOWLEDGE_ONLY
        }
    }

    fn view(incidents: Vec<IncidentView>) -> View {
        View {
            accounts: vec![account(Connection::Ok)],
            incidents,
            pause: None,
            delivery: Delivery::Ok,
            mutes: Vec::new(),
        }
    }

    /// The menu as indented text, the way a person reads it.
    fn render(entries: &[Entry], depth: usize, out: &mut String) {
        for e in entries {
            let pad = "  ".repeat(depth);
            match e {
                Entry::Info(text) => out.push_str(&format!("{pad}{text}\n")),
                Entry::Item { label, enabled, .. } => out.push_str(&format!(
                    "{pad}[{label}]{}\n",
                    if *enabled { "" } else { " (disabled)" }
                )),
                Entry::Submenu { label, entries } => {
                    out.push_str(&format!("{pad}{label} >\n"));
                    render(entries, depth + 1, out);
                }
                Entry::Check { label, checked, .. } => out.push_str(&format!(
                    "{pad}[{}] {label}\n",
                    if *checked { "x" } else { " " }
                )),
                Entry::Separator => out.push_str(&format!("{pad}---\n")),
            }
        }
    }

    fn menu_text(view: &View) -> String {
        let mut out = String::new();
        render(&build(view, now(), Some(false)), 0, &mut out);
        out
    }

    #[test]
    fn all_clear() {
        let v = view(vec![]);
        assert_eq!(TrayState::of(&v, now()), TrayState::Clear);
        assert_eq!(label(&v), None);
        assert_eq!(
            menu_text(&v),
            "All clear\n---\n[Acknowledge all triggered] (disabled)\nPause notifications >\n  [For 15 minutes]\n  [For 1 hour]\n  [Until I resume]\n---\n[ ] Start at login\n[Open oncall-tray…]\n[Quit]\n"
        );
    }

    #[test]
    fn triggered_and_acknowledged_incidents_with_their_actions() {
        let v = view(vec![
            incident("Q1", 101, Status::Triggered, Urgency::High),
            incident("Q2", 102, Status::Acknowledged, Urgency::Low),
        ]);
        assert_eq!(TrayState::of(&v, now()), TrayState::Triggered);
        assert_eq!(label(&v).as_deref(), Some("1"));
        let text = menu_text(&v);
        assert!(
            text.starts_with("1 triggered · 1 acknowledged\n---\n"),
            "{text}"
        );
        assert!(text.contains(
            "● #101 Incident Q1 · 7 min >\n  Checkout API · high urgency\n  [Acknowledge]\n  [Resolve]\n  [Mute Checkout API for 1 hour]\n  [Mute Checkout API for 4 hours]\n  [Open in browser]\n"
        ), "{text}");
        assert!(text.contains(
            "✓ #102 Incident Q2 · 7 min >\n  Checkout API · low urgency\n  [Acknowledge] (disabled)\n  [Resolve]\n  [Snooze 15 minutes]\n  [Snooze 1 hour]\n  [Snooze 4 hours]\n  [Mute Checkout API for 1 hour]\n  [Mute Checkout API for 4 hours]\n  [Open in browser]\n"
        ), "{text}");
        assert!(text.contains("[Acknowledge all triggered (1)]\n"), "{text}");
    }

    #[test]
    fn several_accounts_group_their_incidents_under_their_names() {
        let mut v = view(vec![
            incident("Q1", 1, Status::Triggered, Urgency::High),
            incident("Q2", 2, Status::Triggered, Urgency::High),
        ]);
        v.incidents[1].incident.key = IncidentKey::new("home", "Q2");
        let mut home = account(Connection::Ok);
        home.account = AccountId::new("home");
        v.accounts.insert(0, home);
        let text = menu_text(&v);
        let home_at = text.find("home\n● #2").expect(&text);
        let work_at = text.find("work\n● #1").expect(&text);
        assert!(home_at < work_at, "{text}");
        // One account: no headers.
        let text = menu_text(&view(vec![incident(
            "Q1",
            1,
            Status::Triggered,
            Urgency::High,
        )]));
        assert!(!text.contains("work\n"), "{text}");
    }

    #[test]
    fn an_alertmanager_incident_offers_unacknowledge_and_no_resolve_or_snooze() {
        let mut v = view(vec![incident("Q1", 1, Status::Acknowledged, Urgency::High)]);
        v.accounts[0].capabilities = oncall_alertmanager_capabilities();
        let text = menu_text(&v);
        assert!(
            text.contains("  [Acknowledge] (disabled)\n  [Unacknowledge]\n  Resolves when its source recovers\n  [Mute Checkout API for 1 hour]\n  [Mute Checkout API for 4 hours]\n  [Open in browser]\n"),
            "{text}"
        );
        assert!(!text.contains("Snooze"), "{text}");
    }

    #[test]
    fn a_pending_action_shows_and_disables_the_incident_actions() {
        let mut q1 = incident("Q1", 101, Status::Acknowledged, Urgency::High);
        q1.pending = Some(ActionKind::Acknowledge);
        let text = menu_text(&view(vec![q1]));
        assert!(
            text.contains("#101 Incident Q1 · 7 min (acknowledging…) >"),
            "{text}"
        );
        assert!(text.contains("  [Resolve] (disabled)\n"), "{text}");
    }

    #[test]
    fn many_incidents_are_capped_with_n_more() {
        let incidents = (0..13)
            .map(|n| incident(&format!("Q{n}"), n, Status::Triggered, Urgency::High))
            .collect();
        let text = menu_text(&view(incidents));
        assert_eq!(text.matches(" >\n").count(), MAX_INCIDENTS + 1, "{text}"); // + the pause submenu
        assert!(text.contains("[3 more…]"), "{text}");
        assert!(text.contains("[Acknowledge all triggered (13)]"), "{text}");
    }

    #[test]
    fn account_trouble_is_said_in_plain_words_and_wins_the_icon() {
        let mut v = view(vec![incident("Q1", 1, Status::Triggered, Urgency::High)]);
        v.accounts[0].connection = Connection::AuthFailed {
            reason: "401".into(),
        };
        assert_eq!(TrayState::of(&v, now()), TrayState::Error);
        assert!(menu_text(&v)
            .contains("work: token rejected — enter a new one in Settings (Open oncall-tray…)\n"));
        v.accounts[0].connection = Connection::Offline {
            reason: "timeout".into(),
            retry_at: now(),
        };
        assert!(menu_text(&v).contains("work: cannot reach the service, retrying\n"));
        v.accounts[0].connection = Connection::TokenUnavailable {
            reason: "the token command of account `work` failed: it exited with code 1".into(),
            retry_at: now(),
        };
        assert!(menu_text(&v).contains("work: cannot get the token, retrying\n"));
    }

    #[test]
    fn notifications_that_do_not_reach_the_desktop_are_said_and_win_the_icon() {
        let mut v = view(vec![incident("Q1", 1, Status::Triggered, Urgency::High)]);
        assert_eq!(TrayState::of(&v, now()), TrayState::Triggered);
        v.delivery = Delivery::Failing {
            since: now(),
            reason: "no notification server is running".into(),
        };
        assert_eq!(TrayState::of(&v, now()), TrayState::Error);
        let text = menu_text(&v);
        assert!(
            text.contains("notifications are not reaching your desktop (no notification server is running): pages wait and are retried\n"),
            "{text}"
        );
    }

    #[test]
    fn paused() {
        let mut v = view(vec![incident("Q1", 1, Status::Triggered, Urgency::High)]);
        v.pause = Some(Pause::UntilResumed);
        assert_eq!(TrayState::of(&v, now()), TrayState::Paused);
        let text = menu_text(&v);
        assert!(text.contains("Notifications paused\n"), "{text}");
        assert!(text.contains("[Resume notifications]"), "{text}");
        assert!(!text.contains("Pause notifications >"), "{text}");
    }

    #[test]
    fn acknowledged_only() {
        let v = view(vec![incident("Q1", 1, Status::Acknowledged, Urgency::High)]);
        assert_eq!(TrayState::of(&v, now()), TrayState::Acknowledged);
        assert_eq!(label(&v), None);
    }

    #[test]
    fn on_call_until() {
        let mut v = view(vec![]);
        v.accounts[0].on_call = vec![OnCallShift {
            escalation_policy: Some("Checkout".into()),
            escalation_policy_id: None,
            schedule: Some("Primary".into()),
            schedule_id: None,
            level: Some(1),
            start: Some(now() - Duration::hours(2)),
            end: Some(now() + Duration::hours(1)),
        }];
        let expected = format!(
            "All clear · on call until {}",
            (now() + Duration::hours(1))
                .with_timezone(&Local)
                .format("%H:%M")
        );
        let line = state_line(&v, now());
        // Near midnight local time the end may fall on the next day.
        assert!(
            line == expected || line.starts_with("All clear · on call until "),
            "{line}"
        );
        v.accounts[0].on_call[0].end = None;
        assert_eq!(state_line(&v, now()), "All clear · on call");
        assert_eq!(TrayState::of(&v, now()), TrayState::OnCall);
        let next = now() + Duration::hours(3);
        v.accounts[0].on_call[0].start = Some(next);
        assert_eq!(
            state_line(&v, now()),
            format!(
                "All clear · not on call · next shift {}",
                clock_time(next, now())
            )
        );
        assert_eq!(TrayState::of(&v, now()), TrayState::Clear);
        v.accounts[0].on_call.clear();
        assert_eq!(state_line(&v, now()), "All clear");
    }

    #[test]
    fn command_ids_round_trip() {
        let key = IncidentKey::new("work-eu", "Q1AB2C");
        for command in [
            Command::Act(key.clone(), ActionKind::Acknowledge),
            Command::Act(key.clone(), ActionKind::Resolve),
            Command::Act(key.clone(), ActionKind::Snooze { seconds: 3600 }),
            Command::Act(key.clone(), ActionKind::Unacknowledge),
            Command::Act(key.clone(), ActionKind::Escalate { to: None }),
            Command::Open(key.clone()),
            Command::Details(key.clone()),
            Command::Mute {
                account: AccountId::new("work-eu"),
                service: "Checkout / API: EU".into(),
                minutes: 240,
            },
            Command::Unmute {
                account: AccountId::new("work-eu"),
                service: "Checkout / API: EU".into(),
            },
            Command::AckAllTriggered,
            Command::Pause(Some(15)),
            Command::Pause(None),
            Command::Resume,
            Command::OpenWindow,
            Command::ToggleAutostart,
            Command::Quit,
        ] {
            assert_eq!(
                Command::parse(&command.id()),
                Some(command.clone()),
                "{}",
                command.id()
            );
        }
        assert_eq!(Command::parse("bogus"), None);
        assert_eq!(Command::parse("ack:no-slash"), None);
        // What needs words or a choice is never made from a menu id.
        let note = Command::Act(key.clone(), ActionKind::AddNote { text: "x".into() });
        assert_eq!(Command::parse(&note.id()), None);
    }

    /// PagerDuty: escalate from the menu, the window for what needs words or a choice,
    /// and a muted incident is said to be muted and offers Unmute.
    #[test]
    fn escalate_mute_and_details_entries() {
        let mut v = view(vec![incident("Q1", 1, Status::Triggered, Urgency::High)]);
        let can = &mut v.accounts[0].capabilities;
        can.escalate_needs_target = Some(false);
        can.details = true;
        can.notes = true;
        let text = menu_text(&v);
        assert!(
            text.contains("  [Resolve]\n  [Escalate to the next level]\n  [Mute Checkout API for 1 hour]\n  [Mute Checkout API for 4 hours]\n  [Notes, reassign, escalate…]\n  [Open in browser]\n"),
            "{text}"
        );
        v.incidents[0].quiet = Some(Quiet::Muted { until: now() });
        // Listed, but needing no one: no count, not red.
        assert_eq!(label(&v), None);
        assert_eq!(TrayState::of(&v, now()), TrayState::Acknowledged);
        assert_eq!(state_line(&v, now()), "1 quiet");
        let text = menu_text(&v);
        assert!(
            text.contains("● #1 Incident Q1 · 7 min · muted >"),
            "{text}"
        );
        assert!(text.contains("  [Unmute Checkout API]\n"), "{text}");
        assert!(!text.contains("[Mute "), "{text}");
    }

    /// ESC [2J, an OSC 52 clipboard write, a NUL, a right-to-left override, a C1 CSI and
    /// a line break: each would act on the label instead of being shown.
    const HOSTILE: &str =
        "DB\u{1b}[2J down\u{1b}]52;c;ZXZpbA==\u{7}\u{0}\u{202E}txet\u{9b}31m\nFAKE";
    const CLEANED: &str = "DB [2J down ]52;c;ZXZpbA== txet 31m FAKE";

    /// Every label in `entries`, depth first.
    fn labels(entries: &[Entry]) -> Vec<&str> {
        entries
            .iter()
            .flat_map(|e| match e {
                Entry::Info(text) => vec![text.as_str()],
                Entry::Item { label, .. } | Entry::Check { label, .. } => vec![label.as_str()],
                Entry::Submenu { label, entries } => {
                    let mut all = vec![label.as_str()];
                    all.extend(labels(entries));
                    all
                }
                Entry::Separator => vec![],
            })
            .collect()
    }

    /// Issue 12: a NUL in a title panicked GTK in debug builds (and cut the label in
    /// release ones); bidi overrides reordered labels.
    #[test]
    fn service_text_in_every_label_is_cleaned() {
        let mut hostile = incident("Q1", 1, Status::Triggered, Urgency::High);
        hostile.incident.title = HOSTILE.into();
        hostile.incident.service = Some(HOSTILE.into());
        let mut v = view(vec![hostile]);
        v.accounts[0].connection = Connection::Misconfigured {
            reason: HOSTILE.into(),
        };
        v.delivery = Delivery::Failing {
            since: now(),
            reason: HOSTILE.into(),
        };
        let entries = build(&v, now(), Some(false));
        for label in labels(&entries) {
            assert_eq!(label, display_text(label), "{label:?}");
        }
        let text = menu_text(&v);
        assert!(
            text.contains(&format!(
                "● #1 {CLEANED} · 7 min >\n  {CLEANED} · high urgency\n"
            )),
            "{text}"
        );
        assert!(text.contains(&format!("work: {CLEANED}\n")), "{text}");
        assert!(
            text.contains(&format!(
                "notifications are not reaching your desktop ({CLEANED})"
            )),
            "{text}"
        );
    }

    #[test]
    fn a_long_title_is_cut_at_what_is_shown() {
        let mut long = incident("Q1", 1, Status::Triggered, Urgency::High);
        long.incident.title = format!("{}{}", "\u{200B}".repeat(100), "x".repeat(70));
        let text = menu_text(&view(vec![long]));
        assert!(
            text.contains(&format!("● #1 {}… · 7 min >", "x".repeat(60))),
            "{text}"
        );
    }

    /// A link that is no web page (from a file an older version wrote) offers no Open.
    #[test]
    fn open_in_browser_is_offered_for_web_links_only() {
        let mut file = incident("Q1", 1, Status::Triggered, Urgency::High);
        file.incident.web_url = Some("file:///etc/passwd".into());
        let web = incident("Q2", 2, Status::Triggered, Urgency::High);
        let text = menu_text(&view(vec![file, web]));
        assert!(
            text.contains("● #1 Incident Q1 · 7 min >\n  Checkout API · high urgency\n  [Acknowledge]\n  [Resolve]\n  [Mute Checkout API for 1 hour]\n  [Mute Checkout API for 4 hours]\n  [Open in browser] (disabled)\n"),
            "{text}"
        );
        assert!(
            text.contains("● #2 Incident Q2 · 7 min >\n  Checkout API · high urgency\n  [Acknowledge]\n  [Resolve]\n  [Mute Checkout API for 1 hour]\n  [Mute Checkout API for 4 hours]\n  [Open in browser]\n"),
            "{text}"
        );
    }

    #[test]
    fn ages() {
        assert_eq!(age(now(), now()), "just now");
        assert_eq!(age(now() - Duration::minutes(59), now()), "59 min");
        assert_eq!(age(now() - Duration::hours(5), now()), "5 h");
        assert_eq!(age(now() - Duration::days(3), now()), "3 d");
    }
}

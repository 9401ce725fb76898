use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveTime, Utc};
use oncall_model::{AccountId, Incident, IncidentKey, Status, Urgency};

use crate::{
    AccountState, Decision, EpisodeKey, LowUrgency, NotificationTarget, NotifyFor, PolicyState,
    RingReason, Rung, Settings, ShownSummary, Summary, SummaryId, SummaryReason, Tracked,
};

/// The moment of an evaluation, in both clocks the rules need.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Now {
    pub utc: DateTime<Utc>,
    /// Local wall-clock time, for quiet hours.
    pub local_time: NaiveTime,
}

/// One account's open incidents, as a successful poll read them.
#[derive(Debug, Clone, Copy)]
pub struct Poll<'a> {
    pub account: &'a AccountId,
    /// Every open incident of the account (a complete snapshot, never a partial page).
    pub incidents: &'a [Incident],
    /// `true` when the service has just listed `incidents`; `false` when the last
    /// snapshot is judged again (after a press, or when a mute ends). Only a fresh list
    /// rings: a ring says the service lists the incident as needing the user *now*, and
    /// a snapshot kept through an outage or a refused token can be minutes old (the
    /// incident acknowledged by a colleague meanwhile, or re-triggered as a new episode
    /// that the next poll pages, so it would ring twice). A judgement of an old list
    /// still withdraws, and what it would have rung rings at the next poll (a held page
    /// stays held until then).
    pub just_read: bool,
    /// `false` for accounts configured to list incidents without ever notifying.
    pub notify: bool,
    /// The ids of the incidents kept quiet (a muted service, a noise rule): they never
    /// ring and their notification leaves the screen; one that stops being quiet while
    /// it still needs the user rings then, once (as a pause's held page does), unless
    /// it rang in this episode before it went quiet.
    pub quiet: &'a BTreeSet<String>,
}

/// No incident kept quiet.
static NONE_QUIET: BTreeSet<String> = BTreeSet::new();

impl<'a> Poll<'a> {
    /// A poll with no incident kept quiet.
    pub fn new(account: &'a AccountId, incidents: &'a [Incident], notify: bool) -> Poll<'a> {
        Poll {
            account,
            incidents,
            just_read: true,
            notify,
            quiet: &NONE_QUIET,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evaluation {
    pub state: PolicyState,
    /// Withdrawals first, then rings (most urgent first).
    pub decisions: Vec<Decision>,
}

/// Applies the notification rules to one account's new snapshot.
///
/// Pure: the same inputs give the same output, which is what lets the rules be
/// tested as tables and lets the engine persist `state` before acting on decisions.
pub fn evaluate(
    mut state: PolicyState,
    poll: Poll<'_>,
    settings: &Settings,
    now: Now,
) -> Evaluation {
    if matches!(state.pause, Some(crate::Pause::Until(until)) if now.utc >= until) {
        state.pause = None;
    }
    let paused = state.is_paused(now.utc);
    let quiet = settings
        .quiet_hours
        .is_some_and(|q| q.contains(now.local_time));
    let first_start = !state.accounts.contains_key(poll.account);
    let previous = state.accounts.remove(poll.account).unwrap_or_default();

    let mut withdrawals = Vec::new();
    let mut rings: Vec<(&Incident, RingReason)> = Vec::new();
    let mut next = AccountState::default();

    for incident in poll.incidents {
        let prev = previous.incidents.get(&incident.key.id);
        let episode = EpisodeKey::of(incident);
        let mut tracked = Tracked {
            episode,
            status: incident.status,
            urgency: incident.urgency,
            rung: prev.and_then(|p| p.rung),
            held: false,
            shown: prev.is_some_and(|p| p.shown),
            service: incident.service.clone(),
        };

        let needs_user =
            incident.status == Status::Triggered && may_ring(incident, poll.notify, settings);
        if !needs_user {
            // Acknowledged, resolved, or no longer mine (reassigned away).
            if tracked.shown {
                withdrawals.push(NotificationTarget::Incident(incident.key.clone()));
                tracked.shown = false;
            }
        } else {
            let kept_quiet = poll.quiet.contains(&incident.key.id);
            if kept_quiet && tracked.shown {
                // Muted (or a rule added) while on screen: the user said it is noise.
                withdrawals.push(NotificationTarget::Incident(incident.key.clone()));
                tracked.shown = false;
            }
            let held = paused || (quiet && incident.urgency == Urgency::Low) || kept_quiet;
            let rung_this_episode = tracked.rung.filter(|r| r.episode == episode);
            let reason = match rung_this_episode {
                None if prev.is_some_and(|p| p.held && p.episode == episode) => {
                    Some(RingReason::Released)
                }
                None => Some(RingReason::New),
                Some(rung) => settings
                    .repeat_high_urgency
                    .filter(|_| incident.urgency == Urgency::High)
                    .filter(|every| now.utc - rung.at >= *every)
                    .map(|_| RingReason::Repeat),
            };
            match reason {
                // A held repeat is simply skipped: it comes due again after the hold.
                Some(RingReason::Repeat) if held => {}
                Some(_) if held => tracked.held = true,
                // Not rung from an old list: it comes due again at the next poll.
                Some(_) if !poll.just_read => {
                    tracked.held = prev.is_some_and(|p| p.held && p.episode == episode)
                }
                Some(reason) => rings.push((incident, reason)),
                None => {}
            }
        }
        next.incidents.insert(incident.key.id.clone(), tracked);
    }

    // Gone from the snapshot: resolved, or no longer selected by the account's filter.
    for (id, tracked) in &previous.incidents {
        if tracked.shown && !next.incidents.contains_key(id) {
            withdrawals.push(NotificationTarget::Incident(IncidentKey {
                account: poll.account.clone(),
                id: id.clone(),
            }));
        }
    }

    state.summaries.retain(|summary| {
        let still_needed = &summary.account != poll.account
            || summary.incidents.iter().any(|key| {
                !poll.quiet.contains(&key.id)
                    && next
                        .incidents
                        .get(&key.id)
                        .is_some_and(|t| t.status == Status::Triggered)
            });
        if !still_needed {
            withdrawals.push(NotificationTarget::Summary(summary.id));
        }
        still_needed
    });

    rings.sort_by(|(a, _), (b, _)| {
        b.urgency
            .cmp(&a.urgency)
            .then(a.created_at.cmp(&b.created_at))
            .then(a.key.cmp(&b.key))
    });
    let summary_reason = if first_start && rings.len() > 1 {
        Some(SummaryReason::FirstStart)
    } else if rings.len() > settings.storm_threshold {
        Some(SummaryReason::Storm)
    } else {
        None
    };

    let mut decisions: Vec<Decision> = withdrawals.into_iter().map(Decision::Withdraw).collect();
    for (incident, _) in &rings {
        let tracked = next
            .incidents
            .get_mut(&incident.key.id)
            .expect("every ringing incident was tracked above");
        tracked.rung = Some(Rung {
            episode: tracked.episode,
            at: now.utc,
        });
        tracked.held = false;
        // A repeat folded into a summary leaves the incident's own notification on
        // screen, and that one must still be withdrawn once the incident is handled.
        tracked.shown = tracked.shown || summary_reason.is_none();
    }
    match summary_reason {
        Some(reason) if !rings.is_empty() => {
            let id = SummaryId(state.next_summary_id);
            state.next_summary_id += 1;
            let incidents: Vec<IncidentKey> = rings.iter().map(|(i, _)| i.key.clone()).collect();
            state.summaries.push(ShownSummary {
                id,
                account: poll.account.clone(),
                incidents: incidents.clone(),
            });
            decisions.push(Decision::Summarize(Summary {
                id,
                account: poll.account.clone(),
                reason,
                services: services_by_count(rings.iter().map(|(i, _)| *i)),
                urgency: rings
                    .iter()
                    .map(|(i, _)| i.urgency)
                    .max()
                    .unwrap_or(Urgency::Low),
                repeats: rings
                    .iter()
                    .filter(|(_, reason)| *reason == RingReason::Repeat)
                    .map(|(i, _)| i.key.clone())
                    .collect(),
                episodes: rings.iter().map(|(i, _)| EpisodeKey::of(i)).collect(),
                incidents,
            }));
        }
        _ => decisions.extend(
            rings
                .into_iter()
                .map(|(incident, reason)| Decision::Notify {
                    incident: Box::new(incident.clone()),
                    reason,
                }),
        ),
    }

    state.accounts.insert(poll.account.clone(), next);
    Evaluation { state, decisions }
}

/// Whether this triggered incident may produce a notification at all.
fn may_ring(incident: &Incident, account_notifies: bool, settings: &Settings) -> bool {
    account_notifies
        && (settings.notify_for == NotifyFor::All || incident.is_mine())
        && !(incident.urgency == Urgency::Low && settings.low_urgency == LowUrgency::Never)
}

fn services_by_count<'a>(incidents: impl Iterator<Item = &'a Incident>) -> Vec<String> {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for incident in incidents {
        if let Some(service) = incident.service.as_deref() {
            *counts.entry(service).or_default() += 1;
        }
    }
    let mut services: Vec<(&str, usize)> = counts.into_iter().collect();
    services.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    services.into_iter().map(|(s, _)| s.to_owned()).collect()
}

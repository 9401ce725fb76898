//! The rules for what waits in the outbox (`state.json`'s undelivered decisions). It
//! fills only while the desktop cannot show notifications; when it can again, a person
//! should get one ring per incident, about what needs them now, and one word per shift.

use oncall_model::IncidentKey;
use oncall_policy::{Decision, EpisodeKey, NotificationTarget, PolicyState, RingReason};

use crate::persist::StateFile;

/// What joins the outbox for `decision`, given what already waits there (normally
/// nothing: it only fills while the desktop cannot show notifications). One ring per
/// incident waits at a time: a repeat of an incident whose ring still waits is not
/// queued, and a first ring (a new episode) replaces the one that waits. A page that
/// no longer needs the user is not shown late: a withdrawal takes what waits for its
/// target (and still goes out, for an earlier notification on screen), and the policy
/// forgets that ring: it never rang, so should its episode need the user again (a
/// muted service unmuted, my acknowledgement refused) it rings then. A newer word
/// about a shift, or about an absence, replaces the one that waits. The ring on its way
/// to the screen right now (`in_flight`) is never touched, and the policy keeps its
/// memory of it, since it may reach the screen.
pub(crate) fn queue(
    state: &mut StateFile,
    in_flight: bool,
    decision: Decision,
) -> Option<Decision> {
    let waiting = |outbox: &[Decision], key: &IncidentKey| outbox.iter().any(|d| rings(d, key));
    match decision {
        Decision::Withdraw(target) => {
            let dropped = drop_waiting(&mut state.outbox, in_flight, |queued| {
                shows(queued, &target)
            });
            for ring in &dropped {
                forget_ring(&mut state.policy, ring, None);
            }
            Some(Decision::Withdraw(target))
        }
        Decision::Notify { incident, reason } => {
            if reason == RingReason::Repeat {
                if waiting(&state.outbox, &incident.key) {
                    return None;
                }
            } else {
                let key = &incident.key;
                drop_waiting(
                    &mut state.outbox,
                    in_flight,
                    |queued| matches!(queued, Decision::Notify { incident, .. } if &incident.key == key),
                );
            }
            Some(Decision::Notify { incident, reason })
        }
        Decision::Summarize(mut summary) => {
            let outbox = &state.outbox;
            let repeats_waiting: Vec<IncidentKey> = summary
                .repeats
                .iter()
                .filter(|key| waiting(outbox, key))
                .cloned()
                .collect();
            if !repeats_waiting.is_empty() {
                summary.retain_members(|k| !repeats_waiting.contains(k));
                state
                    .policy
                    .summary_shown_with(summary.id, &summary.incidents);
            }
            (!summary.incidents.is_empty()).then_some(Decision::Summarize(summary))
        }
        Decision::Shift(notice) => {
            // A newer word about the same shift (it started while its reminder waited)
            // says what is true now: one notification, not two.
            drop_waiting(
                &mut state.outbox,
                in_flight,
                |queued| matches!(queued, Decision::Shift(waiting) if waiting.same_shift(&notice)),
            );
            Some(Decision::Shift(notice))
        }
        Decision::WhileAway(notice) => {
            // One word on the latest absence is enough.
            drop_waiting(&mut state.outbox, in_flight, |queued| {
                matches!(queued, Decision::WhileAway(_))
            });
            Some(Decision::WhileAway(notice))
        }
    }
}

/// Takes out of `outbox` what `replaced` says a newer decision replaces, except its first
/// decision while that one is on its way to the screen (`in_flight`). Returns what it
/// took out.
fn drop_waiting(
    outbox: &mut Vec<Decision>,
    in_flight: bool,
    replaced: impl Fn(&Decision) -> bool,
) -> Vec<Decision> {
    let mut dropped = Vec::new();
    let mut index = 0;
    outbox.retain(|queued| {
        index += 1;
        let keep = (in_flight && index == 1) || !replaced(queued);
        if !keep {
            dropped.push(queued.clone());
        }
        keep
    });
    dropped
}

/// Whether `decision` rings for `key`, alone or in a summary.
fn rings(decision: &Decision, key: &IncidentKey) -> bool {
    match decision {
        Decision::Notify { incident, .. } => &incident.key == key,
        Decision::Summarize(summary) => summary.incidents.contains(key),
        Decision::Withdraw(_) | Decision::Shift(_) | Decision::WhileAway(_) => false,
    }
}

/// A ring in `decision` was dropped before it reached the screen: the policy forgets
/// it rang (only `members` of a summary, when given). A dropped repeat leaves the
/// policy's memory alone: the first ring of that episode did reach the screen.
pub(crate) fn forget_ring(
    policy: &mut PolicyState,
    decision: &Decision,
    members: Option<&[IncidentKey]>,
) {
    match decision {
        Decision::Notify { incident, reason } if *reason != RingReason::Repeat => {
            policy.not_shown(&incident.key, Some(EpisodeKey::of(incident)));
        }
        Decision::Summarize(summary) => {
            for key in members.unwrap_or(&summary.incidents) {
                if !summary.repeats.contains(key) {
                    policy.not_shown(key, None);
                }
            }
        }
        _ => {}
    }
}

/// Whether `decision` rings for `key` other than as a repeat, alone or in a summary.
pub(crate) fn rings_first(decision: &Decision, key: &IncidentKey) -> bool {
    match decision {
        Decision::Notify { incident, reason } => {
            &incident.key == key && *reason != RingReason::Repeat
        }
        Decision::Summarize(summary) => {
            summary.incidents.contains(key) && !summary.repeats.contains(key)
        }
        Decision::Withdraw(_) | Decision::Shift(_) | Decision::WhileAway(_) => false,
    }
}

/// Whether `decision` would put `target` on screen.
fn shows(decision: &Decision, target: &NotificationTarget) -> bool {
    match (decision, target) {
        (Decision::Notify { incident, .. }, NotificationTarget::Incident(key)) => {
            &incident.key == key
        }
        (Decision::Summarize(summary), NotificationTarget::Summary(id)) => &summary.id == id,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use oncall_model::Status;
    use oncall_policy::SummaryId;

    use super::*;
    use crate::testing::{incident, key};

    fn ring(id: &str, reason: RingReason) -> Decision {
        Decision::Notify {
            incident: Box::new(incident(id, Status::Triggered)),
            reason,
        }
    }

    fn waiting(outbox: Vec<Decision>) -> StateFile {
        StateFile {
            outbox,
            ..StateFile::default()
        }
    }

    #[test]
    fn a_repeat_is_not_queued_while_a_ring_of_its_incident_waits() {
        let mut state = waiting(vec![ring("1", RingReason::New)]);
        assert_eq!(
            queue(&mut state, false, ring("1", RingReason::Repeat)),
            None
        );
        assert_eq!(
            queue(&mut state, false, ring("2", RingReason::Repeat)),
            Some(ring("2", RingReason::Repeat))
        );
        assert_eq!(state.outbox, [ring("1", RingReason::New)]);
    }

    #[test]
    fn a_first_ring_replaces_the_one_waiting_but_not_the_one_on_its_way() {
        let mut state = waiting(vec![
            ring("1", RingReason::New),
            ring("1", RingReason::Repeat),
        ]);
        let next = queue(&mut state, true, ring("1", RingReason::Released));
        assert_eq!(next, Some(ring("1", RingReason::Released)));
        assert_eq!(state.outbox, [ring("1", RingReason::New)]);

        let mut state = waiting(vec![ring("1", RingReason::New), ring("2", RingReason::New)]);
        queue(&mut state, false, ring("1", RingReason::New));
        assert_eq!(state.outbox, [ring("2", RingReason::New)]);
    }

    #[test]
    fn a_withdrawal_takes_what_waits_for_its_target_and_still_goes_out() {
        let withdraw = Decision::Withdraw(NotificationTarget::Incident(key("work", "1")));
        let mut state = waiting(vec![ring("1", RingReason::New), ring("2", RingReason::New)]);
        assert_eq!(
            queue(&mut state, false, withdraw.clone()),
            Some(withdraw.clone())
        );
        assert_eq!(state.outbox, [ring("2", RingReason::New)]);

        let mut state = waiting(vec![ring("1", RingReason::New)]);
        queue(&mut state, true, withdraw);
        assert_eq!(state.outbox, [ring("1", RingReason::New)]);
    }

    #[test]
    fn a_withdrawal_matches_only_its_own_target() {
        let target = NotificationTarget::Summary(SummaryId(7));
        assert!(!shows(&ring("1", RingReason::New), &target));
        assert!(shows(
            &ring("1", RingReason::New),
            &NotificationTarget::Incident(key("work", "1"))
        ));
        assert!(!shows(
            &ring("1", RingReason::New),
            &NotificationTarget::Incident(key("work", "2"))
        ));
    }
}

//! The user's actions laid over the service's snapshot: what the user expects to see,
//! and what the policy must judge (an acknowledged incident must not repeat while our
//! acknowledgement is on its way, nor after the service confirmed it but before a poll
//! shows it).

use oncall_model::{AccountId, ActionKind, Incident, IncidentKey, Status};

use crate::persist::PendingAction;
use crate::view::IncidentView;

/// An action the service confirmed, whose effect the last snapshot may not show yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ConfirmedAction {
    pub incident: IncidentKey,
    pub kind: ActionKind,
    /// The account's poll generation when it was confirmed: a snapshot from a later
    /// poll is sure to include it.
    pub after_poll: u64,
}

/// The actions on their way (the journal's) and those confirmed but perhaps not polled
/// yet, borrowed for one look at a snapshot.
#[derive(Clone, Copy)]
pub(crate) struct Overlay<'a> {
    pub pending: &'a [PendingAction],
    pub confirmed: &'a [ConfirmedAction],
}

impl Overlay<'_> {
    /// Whether any action, on its way or confirmed, concerns `account`.
    pub(crate) fn touches(&self, account: &AccountId) -> bool {
        self.pending.iter().any(|p| &p.incident.account == account)
            || self
                .confirmed
                .iter()
                .any(|c| &c.incident.account == account)
    }

    /// Whether I acknowledged or resolved `key` (on its way, or confirmed but perhaps
    /// not polled yet).
    pub(crate) fn handled_by_me(&self, key: &IncidentKey) -> bool {
        self.pending
            .iter()
            .map(|p| (&p.incident, &p.kind))
            .chain(self.confirmed.iter().map(|c| (&c.incident, &c.kind)))
            .any(|(k, kind)| {
                k == key && matches!(kind, ActionKind::Acknowledge | ActionKind::Resolve)
            })
    }

    /// The snapshot as the user should see it: each incident's status as our actions
    /// leave it, and the action still on its way (with its last error), if any.
    pub(crate) fn apply(&self, snapshot: &[Incident]) -> Vec<IncidentView> {
        snapshot
            .iter()
            .map(|incident| {
                let mut view = IncidentView {
                    incident: incident.clone(),
                    pending: None,
                    pending_error: None,
                    sending: Vec::new(),
                    quiet: None,
                };
                let confirmed = self
                    .confirmed
                    .iter()
                    .filter(|c| c.incident == incident.key)
                    .map(|c| (&c.kind, None));
                let pending = self
                    .pending
                    .iter()
                    .filter(|p| p.incident == incident.key)
                    .map(|p| (&p.kind, Some(p)));
                for (kind, pending) in confirmed.chain(pending) {
                    // Only the status changes: `status_changed_at` is the service's, and
                    // the policy relies on it to tell a re-trigger from our own optimism.
                    match kind {
                        ActionKind::Acknowledge if view.incident.status == Status::Triggered => {
                            view.incident.status = Status::Acknowledged
                        }
                        ActionKind::Resolve => view.incident.status = Status::Resolved,
                        ActionKind::Unacknowledge
                            if view.incident.status == Status::Acknowledged =>
                        {
                            view.incident.status = Status::Triggered
                        }
                        _ => {}
                    }
                    let Some(pending) = pending else { continue };
                    if kind.changes_status() {
                        view.pending = Some(kind.clone());
                        view.pending_error = pending.last_error.clone();
                    } else {
                        // A note or a hand-over on its way changes nothing the policy
                        // reads; the user sees it as sending until the service has it.
                        view.sending.push(kind.clone());
                        if view.pending.is_none() {
                            view.pending_error = pending.last_error.clone();
                        }
                    }
                }
                view
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use oncall_model::ActionId;

    use super::*;
    use crate::testing::{at, incident, key};

    fn pending(id: &str, kind: ActionKind, last_error: Option<&str>) -> PendingAction {
        PendingAction {
            id: ActionId(id.len() as u64),
            incident: key("work", id),
            kind,
            requested_at: at(),
            attempts: u32::from(last_error.is_some()),
            last_error: last_error.map(String::from),
        }
    }

    fn confirmed(id: &str, kind: ActionKind) -> ConfirmedAction {
        ConfirmedAction {
            incident: key("work", id),
            kind,
            after_poll: 1,
        }
    }

    /// (status, pending kind, pending error) of each incident, in order.
    fn seen(
        overlay: Overlay<'_>,
        snapshot: &[Incident],
    ) -> Vec<(Status, Option<ActionKind>, Option<String>)> {
        overlay
            .apply(snapshot)
            .into_iter()
            .map(|v| (v.incident.status, v.pending, v.pending_error))
            .collect()
    }

    #[test]
    fn without_actions_the_snapshot_is_shown_as_the_service_sent_it() {
        let snapshot = [
            incident("1", Status::Triggered),
            incident("2", Status::Acknowledged),
        ];
        let overlay = Overlay {
            pending: &[],
            confirmed: &[],
        };
        let views = overlay.apply(&snapshot);
        let shown: Vec<&Incident> = views.iter().map(|v| &v.incident).collect();
        assert_eq!(shown, snapshot.iter().collect::<Vec<_>>());
        assert!(views.iter().all(|v| v.pending.is_none()));
    }

    #[test]
    fn an_acknowledgement_on_its_way_shows_acknowledged_and_pending_with_its_error() {
        let snapshot = [
            incident("1", Status::Triggered),
            incident("22", Status::Triggered),
        ];
        let pending = [pending("1", ActionKind::Acknowledge, Some("offline"))];
        let overlay = Overlay {
            pending: &pending,
            confirmed: &[],
        };
        assert_eq!(
            seen(overlay, &snapshot),
            [
                (
                    Status::Acknowledged,
                    Some(ActionKind::Acknowledge),
                    Some("offline".into())
                ),
                (Status::Triggered, None, None),
            ]
        );
    }

    #[test]
    fn a_confirmed_action_changes_the_status_but_is_not_pending() {
        let snapshot = [
            incident("1", Status::Triggered),
            incident("22", Status::Triggered),
        ];
        let confirmed = [confirmed("22", ActionKind::Resolve)];
        let overlay = Overlay {
            pending: &[],
            confirmed: &confirmed,
        };
        assert_eq!(
            seen(overlay, &snapshot),
            [
                (Status::Triggered, None, None),
                (Status::Resolved, None, None)
            ]
        );
    }

    #[test]
    fn only_the_status_an_action_undoes_changes() {
        // An acknowledgement leaves a resolved incident resolved; an unacknowledgement
        // leaves a triggered one triggered and only brings an acknowledged one back.
        let snapshot = [
            incident("1", Status::Resolved),
            incident("22", Status::Triggered),
            incident("333", Status::Acknowledged),
        ];
        let pending = [
            pending("1", ActionKind::Acknowledge, None),
            pending("22", ActionKind::Unacknowledge, None),
            pending("333", ActionKind::Unacknowledge, None),
        ];
        let overlay = Overlay {
            pending: &pending,
            confirmed: &[],
        };
        let statuses: Vec<Status> = seen(overlay, &snapshot).into_iter().map(|s| s.0).collect();
        assert_eq!(
            statuses,
            [Status::Resolved, Status::Triggered, Status::Triggered]
        );
    }

    #[test]
    fn a_pending_action_is_laid_over_a_confirmed_one() {
        // Confirmed acknowledgement first, then an unacknowledgement on its way.
        let snapshot = [incident("1", Status::Triggered)];
        let pending = [pending("1", ActionKind::Unacknowledge, None)];
        let confirmed = [confirmed("1", ActionKind::Acknowledge)];
        let overlay = Overlay {
            pending: &pending,
            confirmed: &confirmed,
        };
        assert_eq!(
            seen(overlay, &snapshot),
            [(Status::Triggered, Some(ActionKind::Unacknowledge), None)]
        );
    }

    #[test]
    fn handled_by_me_means_acknowledged_or_resolved_on_its_way_or_confirmed() {
        let pending = [
            pending("1", ActionKind::Acknowledge, None),
            pending("22", ActionKind::Unacknowledge, None),
        ];
        let confirmed = [confirmed("333", ActionKind::Resolve)];
        let overlay = Overlay {
            pending: &pending,
            confirmed: &confirmed,
        };
        assert!(overlay.handled_by_me(&key("work", "1")));
        assert!(!overlay.handled_by_me(&key("work", "22")));
        assert!(overlay.handled_by_me(&key("work", "333")));
        assert!(!overlay.handled_by_me(&key("home", "1")));
    }

    #[test]
    fn touches_names_the_accounts_with_actions() {
        let pending = [pending("1", ActionKind::Acknowledge, None)];
        let confirmed = [ConfirmedAction {
            incident: key("home", "7"),
            kind: ActionKind::Resolve,
            after_poll: 3,
        }];
        let overlay = Overlay {
            pending: &pending,
            confirmed: &confirmed,
        };
        assert!(overlay.touches(&AccountId("work".into())));
        assert!(overlay.touches(&AccountId("home".into())));
        assert!(!overlay.touches(&AccountId("other".into())));
        let only_pending = Overlay {
            pending: &pending,
            confirmed: &[],
        };
        assert!(!only_pending.touches(&AccountId("home".into())));
    }
}

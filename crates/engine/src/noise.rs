//! The noise rules and mutes as the engine applies them: which incidents are kept quiet
//! (listed, marked with why, never paging) and the urgency a rule gives a service's
//! incidents. The rules come from each account's `[accounts.noise]`; the mutes from
//! `mutes.json` (see `mutes.rs`, which keeps them current).
//!
//! Pure and small on purpose: `Shared` asks it the same question for the policy
//! (`quiet_ids`), the view (`quiet`) and a page waiting for the screen, so the three
//! can never disagree about what is quiet.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use oncall_model::{AccountId, Incident};
use oncall_store::mutes::MuteEntry;
use oncall_store::{Dirs, NoiseRules};
use tokio::sync::Notify;

use crate::view::{Mute, Quiet};

pub(crate) struct Noise {
    /// Where `mutes.json` is.
    pub dirs: Dirs,
    /// Each configured account's rules (an account without rules has the empty set).
    rules: BTreeMap<AccountId, NoiseRules>,
    /// The running mutes as last read, soonest to end first; one past its end counts
    /// for nothing even before it is dropped.
    mutes: Vec<MuteEntry>,
    /// Wakes the task that ends mutes (`mutes::run`) when they change, so a new mute's
    /// end is kept to the second.
    pub changed: Arc<Notify>,
}

impl Noise {
    pub(crate) fn new(
        dirs: Dirs,
        rules: BTreeMap<AccountId, NoiseRules>,
        mutes: Vec<MuteEntry>,
    ) -> Noise {
        Noise {
            dirs,
            rules,
            mutes,
            changed: Arc::default(),
        }
    }

    /// Replaces the running mutes; whether anything changed.
    pub(crate) fn set_mutes(&mut self, mutes: Vec<MuteEntry>) -> bool {
        if self.mutes == mutes {
            return false;
        }
        self.mutes = mutes;
        self.changed.notify_one();
        true
    }

    /// When the next running mute ends.
    pub(crate) fn next_end(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.mutes
            .iter()
            .map(|m| m.until)
            .filter(|u| *u > now)
            .min()
    }

    /// Why `incident` must not page at `now`: its service is muted, or a rule of its
    /// account says so. `None`: it may page.
    pub(crate) fn quiet(&self, incident: &Incident, now: DateTime<Utc>) -> Option<Quiet> {
        let account = &incident.key.account;
        if let Some(service) = incident.service.as_deref() {
            if let Some(until) = self.muted_until(account, service, now) {
                return Some(Quiet::Muted { until });
            }
        }
        let rules = self.rules.get(account)?;
        rules
            .quiet_rule(
                &incident.title,
                incident.service.as_deref(),
                &incident.teams,
            )
            .map(|rule| Quiet::Rule { rule })
    }

    /// When the mute of `account`'s `service` running at `now` ends, if one runs.
    pub(crate) fn muted_until(
        &self,
        account: &AccountId,
        service: &str,
        now: DateTime<Utc>,
    ) -> Option<DateTime<Utc>> {
        self.mutes
            .iter()
            .filter(|m| m.until > now && m.covers(account, service))
            .map(|m| m.until)
            .max()
    }

    /// The ids of `account`'s incidents kept quiet at `now`, for the policy.
    pub(crate) fn quiet_ids(
        &self,
        account: &AccountId,
        incidents: &[Incident],
        now: DateTime<Utc>,
    ) -> BTreeSet<String> {
        let nothing_to_do = self.rules.get(account).is_none_or(NoiseRules::is_empty)
            && !self.mutes.iter().any(|m| &m.account == account);
        if nothing_to_do {
            return BTreeSet::new();
        }
        incidents
            .iter()
            .filter(|i| self.quiet(i, now).is_some())
            .map(|i| i.key.id.clone())
            .collect()
    }

    /// Gives `account`'s incidents the urgency its rules set for their service, before
    /// anything else reads them (the policy, the view, the history).
    pub(crate) fn apply_urgency(&self, account: &AccountId, incidents: &mut [Incident]) {
        let Some(rules) = self.rules.get(account).filter(|r| !r.urgency.is_empty()) else {
            return;
        };
        for incident in incidents {
            if let Some(urgency) = rules.urgency_for(incident.service.as_deref()) {
                incident.urgency = urgency;
            }
        }
    }

    /// The running mutes of configured accounts, soonest to end first.
    pub(crate) fn view(&self, now: DateTime<Utc>) -> Vec<Mute> {
        self.mutes
            .iter()
            .filter(|m| m.until > now && self.rules.contains_key(&m.account))
            .map(|m| Mute {
                account: m.account.clone(),
                service: m.service.clone(),
                until: m.until,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use chrono::Duration;
    use oncall_model::{Status, Urgency};
    use oncall_store::TitlePattern;

    use super::*;
    use crate::testing::{at, incident};

    fn noise() -> Noise {
        let rules = NoiseRules {
            exclude_title: vec![TitlePattern::new("(?i)staging").unwrap()],
            urgency: vec![("Batch".into(), Urgency::Low)],
            ..NoiseRules::default()
        };
        let mute = MuteEntry {
            account: AccountId::new("work"),
            service: "checkout".into(),
            until: at() + Duration::hours(1),
        };
        let dirs = Dirs {
            config_dir: "/nowhere/config".into(),
            data_dir: "/nowhere/data".into(),
        };
        Noise::new(
            dirs,
            BTreeMap::from([(AccountId::new("work"), rules)]),
            vec![mute],
        )
    }

    fn on(service: &str, title: &str) -> Incident {
        let mut incident = incident("Q1", Status::Triggered);
        incident.service = Some(service.into());
        incident.title = title.into();
        incident
    }

    #[test]
    fn a_mute_wins_over_a_rule_and_ends_at_its_time() {
        let noise = noise();
        let staging_checkout = on("Checkout", "staging down");
        assert_eq!(
            noise.quiet(&staging_checkout, at()),
            Some(Quiet::Muted {
                until: at() + Duration::hours(1)
            })
        );
        assert_eq!(
            noise.quiet(&staging_checkout, at() + Duration::hours(1)),
            Some(Quiet::Rule {
                rule: r#"title matches "(?i)staging""#.into()
            })
        );
        assert_eq!(noise.quiet(&on("Search", "down"), at()), None);
        assert_eq!(noise.view(at()).len(), 1);
        assert!(noise.view(at() + Duration::hours(1)).is_empty());
    }

    #[test]
    fn the_urgency_rule_applies_to_its_service_only() {
        let noise = noise();
        let mut incidents = vec![on("batch", "x"), on("Search", "y")];
        noise.apply_urgency(&AccountId::new("work"), &mut incidents);
        assert_eq!(incidents[0].urgency, Urgency::Low);
        assert_eq!(incidents[1].urgency, Urgency::High);
    }
}

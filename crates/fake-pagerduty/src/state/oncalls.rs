//! On-calls: the shifts `GET /oncalls` reports, derived from the escalation policies
//! (a schedule target has a shift, a user target is on call permanently) unless a test
//! replaced a user's shifts with `set_oncalls`.

use std::collections::HashSet;

use chrono::{DateTime, Duration, Utc};

use super::{State, Target};
use crate::types::FakeOnCall;

/// The filters of `GET /oncalls`.
#[derive(Clone, Debug, Default)]
pub(crate) struct OnCallFilter {
    pub(crate) user_ids: Vec<String>,
    pub(crate) escalation_policy_ids: Vec<String>,
    pub(crate) schedule_ids: Vec<String>,
    pub(crate) since: DateTime<Utc>,
    pub(crate) until: DateTime<Utc>,
    pub(crate) earliest: bool,
}

/// One row of `GET /oncalls`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct OnCallRow {
    pub(crate) user_id: String,
    pub(crate) shift: FakeOnCall,
}

impl State {
    // ----- on-calls -----

    pub(crate) fn set_oncalls(&mut self, user_id: &str, shifts: Vec<FakeOnCall>) {
        self.oncall_overrides.insert(user_id.to_string(), shifts);
    }

    pub(crate) fn oncalls(&mut self, filter: &OnCallFilter, now: DateTime<Utc>) -> Vec<OnCallRow> {
        let mut rows = Vec::new();
        for policy in &mut self.policies {
            let user_id = policy.level1.user().to_string();
            if self.oncall_overrides.contains_key(&user_id) {
                continue;
            }
            let shift = match &mut policy.level1 {
                Target::User(_) => FakeOnCall {
                    escalation_policy_id: policy.id.clone(),
                    level: 1,
                    schedule: None,
                    start: None,
                    end: None,
                },
                Target::Schedule {
                    id, name, shift, ..
                } => {
                    let (start, end) =
                        *shift.get_or_insert((now - Duration::hours(2), now + Duration::hours(8)));
                    FakeOnCall {
                        escalation_policy_id: policy.id.clone(),
                        level: 1,
                        schedule: Some((id.clone(), name.clone())),
                        start: Some(start),
                        end: Some(end),
                    }
                }
            };
            rows.push(OnCallRow { user_id, shift });
        }
        for (user_id, shifts) in &self.oncall_overrides {
            rows.extend(shifts.iter().map(|shift| OnCallRow {
                user_id: user_id.clone(),
                shift: shift.clone(),
            }));
        }
        rows.retain(|row| {
            let s = &row.shift;
            (filter.user_ids.is_empty() || filter.user_ids.contains(&row.user_id))
                && (filter.escalation_policy_ids.is_empty()
                    || filter
                        .escalation_policy_ids
                        .contains(&s.escalation_policy_id))
                && (filter.schedule_ids.is_empty()
                    || s.schedule
                        .as_ref()
                        .is_some_and(|(id, _)| filter.schedule_ids.contains(id)))
                && s.start.is_none_or(|start| start <= filter.until)
                && s.end.is_none_or(|end| end > filter.since)
        });
        rows.sort_by(|a, b| {
            (
                &a.shift.escalation_policy_id,
                a.shift.level,
                a.shift.start,
                &a.user_id,
            )
                .cmp(&(
                    &b.shift.escalation_policy_id,
                    b.shift.level,
                    b.shift.start,
                    &b.user_id,
                ))
        });
        if filter.earliest {
            // Rows are sorted by start within each (policy, level, user): keep the first.
            let mut seen = HashSet::new();
            rows.retain(|row| {
                seen.insert((
                    row.shift.escalation_policy_id.clone(),
                    row.shift.level,
                    row.user_id.clone(),
                ))
            });
        }
        rows
    }
}

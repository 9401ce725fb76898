//! On-calls: the shifts `GET /oncalls` reports, derived from the escalation policies (a
//! schedule target yields one row per shift of its final schedule, a user target is on
//! call permanently) unless a test replaced a user's shifts with `set_oncalls`.

use std::collections::HashSet;

use chrono::{DateTime, Duration, Utc};

use super::{Schedule, Source, State, Target};
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

impl OnCallFilter {
    /// `schedule_ids[]` keeps rows of the schedules named, and permanent (direct user)
    /// on-calls only when `null` is one of the values, as PagerDuty documents.
    fn wants_schedule(&self, schedule_id: Option<&str>) -> bool {
        self.schedule_ids.is_empty()
            || self
                .schedule_ids
                .iter()
                .any(|wanted| wanted == schedule_id.unwrap_or("null"))
    }
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
        self.anchor_seeded_schedule(now);
        let mut rows = Vec::new();
        for policy in &self.policies {
            for (level, target) in policy.targets() {
                let row = |user_id: &str, schedule: Option<&Schedule>, start, end| OnCallRow {
                    user_id: user_id.to_string(),
                    shift: FakeOnCall {
                        escalation_policy_id: policy.id.clone(),
                        level,
                        schedule: schedule.map(|s| (s.id.clone(), s.name.clone())),
                        start,
                        end,
                    },
                };
                match target {
                    Target::User(user_id) => rows.push(row(user_id, None, None, None)),
                    Target::Schedule(id) => {
                        let Some(schedule) = self.schedule(id) else {
                            continue;
                        };
                        if !filter.wants_schedule(Some(id)) {
                            continue;
                        }
                        // Entries starting exactly at `until` overlap it too.
                        let end = filter.until + Duration::seconds(1);
                        for entry in schedule.render(Source::Final, filter.since, end, true) {
                            rows.push(row(
                                &entry.user_id,
                                Some(schedule),
                                Some(entry.start),
                                Some(entry.end),
                            ));
                        }
                    }
                }
            }
        }
        rows.retain(|row| !self.oncall_overrides.contains_key(&row.user_id));
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
                && filter.wants_schedule(s.schedule.as_ref().map(|(id, _)| id.as_str()))
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

//! On-call from the schedules: `GET /api/v1/schedules/` (the account's team only, when
//! it names one), then each schedule's final shifts
//! (`GET /api/v1/schedules/{id}/final_shifts?start_date=…&end_date=…`, a day back to
//! [`SHIFT_HORIZON`] ahead): the shifts as Grafana OnCall rendered them, rotations,
//! levels and overrides applied, so nothing of the recurrence rules of `on_call_shifts`
//! is re-implemented here. The user is the key's own (`users/current`).
//!
//! Cost: one request for the schedules and one per schedule, each time the engine asks
//! (every 10 minutes); well inside the API's 300 requests per 5 minutes for an account
//! of up to a hundred schedules.

use chrono::{DateTime, Duration, Utc};
use oncall_http::Query;
use oncall_model::{OnCallPerson, OnCallShift, Provider, ProviderError, RotaEntry, SHIFT_HORIZON};

use super::GrafanaOnCallClient;
use crate::convert::shown;
use crate::wire::{FinalShift, Schedule};

/// One schedule and its final shifts over the window.
pub(crate) struct Rendered {
    pub schedule: Schedule,
    pub shifts: Vec<FinalShift>,
}

impl GrafanaOnCallClient {
    async fn rendered_schedules(&self) -> Result<Vec<Rendered>, ProviderError> {
        let now = (self.clock)();
        let mut requests = 0;
        let mut query = Query::default();
        if let Some(team) = self.config.team_id.as_deref().map(str::trim) {
            query.push("team_id", team);
        }
        let schedules: Vec<Schedule> = self
            .all_pages(
                self.api_url(&["schedules", ""], Some(&query)),
                &mut requests,
            )
            .await?;
        let mut window = Query::default();
        window
            .push("start_date", &day(now - Duration::days(1)))
            .push("end_date", &day(now + SHIFT_HORIZON + Duration::days(1)));
        let mut rendered = Vec::with_capacity(schedules.len());
        for schedule in schedules {
            let url = self.api_url(&["schedules", &schedule.id, "final_shifts"], Some(&window));
            let shifts = self.all_pages(url, &mut requests).await?;
            rendered.push(Rendered { schedule, shifts });
        }
        Ok(rendered)
    }

    pub(crate) async fn my_shifts(&self) -> Result<Vec<OnCallShift>, ProviderError> {
        let me = self.identify().await?.user_id;
        let now = (self.clock)();
        let mut shifts: Vec<OnCallShift> = self
            .rendered_schedules()
            .await?
            .iter()
            .flat_map(|r| my_shifts_in(r, &me, now))
            .collect();
        shifts.sort_by_key(|s| (s.start, s.schedule_id.clone()));
        Ok(shifts)
    }

    pub(crate) async fn rota_entries(&self) -> Result<Vec<RotaEntry>, ProviderError> {
        let me = self.identify().await?.user_id;
        let now = (self.clock)();
        Ok(self
            .rendered_schedules()
            .await?
            .iter()
            .filter_map(|r| rota_of(r, &me, now))
            .collect())
    }
}

/// A date as `start_date`/`end_date` take it (ISO 8601, day only).
fn day(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d").to_string()
}

/// The user's shifts in one schedule that have not ended and start within the horizon,
/// touching ones joined (final shifts may be cut at day boundaries).
pub(crate) fn my_shifts_in(rendered: &Rendered, me: &str, now: DateTime<Utc>) -> Vec<OnCallShift> {
    let horizon = now + SHIFT_HORIZON;
    let mut mine: Vec<&FinalShift> = rendered
        .shifts
        .iter()
        .filter(|s| s.user_pk.as_deref() == Some(me))
        .filter(|s| s.shift_start < s.shift_end && s.shift_end > now && s.shift_start < horizon)
        .collect();
    mine.sort_by_key(|s| s.shift_start);
    let mut joined: Vec<OnCallShift> = Vec::new();
    for shift in mine {
        if let Some(last) = joined.last_mut() {
            if last.end.is_some_and(|end| end >= shift.shift_start) {
                last.end = last.end.max(Some(shift.shift_end));
                continue;
            }
        }
        joined.push(OnCallShift {
            escalation_policy: None,
            escalation_policy_id: None,
            schedule: Some(schedule_name(&rendered.schedule)),
            schedule_id: Some(rendered.schedule.id.clone()),
            level: None,
            start: Some(shift.shift_start),
            end: Some(shift.shift_end),
        });
    }
    joined
}

/// Who is on call now and next in one schedule, if the user is on call in it now or
/// within the horizon; `None` for the schedules that are not the user's.
pub(crate) fn rota_of(rendered: &Rendered, me: &str, now: DateTime<Utc>) -> Option<RotaEntry> {
    let schedule = &rendered.schedule;
    let mine = schedule.on_call_now.iter().any(|id| id == me)
        || !my_shifts_in(rendered, me, now).is_empty();
    if !mine {
        return None;
    }
    let shifts = joined(&rendered.shifts);
    let valid = || shifts.iter();
    let mut current: Vec<&FinalShift> = valid()
        .filter(|s| s.shift_start <= now && now < s.shift_end)
        .collect();
    current.dedup_by(|a, b| a.user_pk == b.user_pk);
    let mut now_people: Vec<OnCallPerson> = current.iter().map(|s| person(s, me)).collect();
    if now_people.is_empty() {
        // The schedule says who is on call even where the shifts were not rendered.
        now_people = schedule
            .on_call_now
            .iter()
            .map(|id| OnCallPerson {
                user_id: id.clone(),
                name: oncall_model::display_text(id),
                is_me: id == me,
                start: None,
                end: None,
            })
            .collect();
    }
    let after = current.iter().map(|s| s.shift_end).min().unwrap_or(now);
    let next_start = valid()
        .map(|s| s.shift_start)
        .filter(|start| *start > now && *start >= after)
        .min();
    let mut next: Vec<OnCallPerson> = valid()
        .filter(|s| Some(s.shift_start) == next_start)
        .map(|s| person(s, me))
        .collect();
    next.dedup_by(|a, b| a.user_id == b.user_id);
    Some(RotaEntry {
        escalation_policy: None,
        escalation_policy_id: None,
        level: None,
        schedule: Some(schedule_name(schedule)),
        // Only schedules the user can take a shift in carry their id, and the API has
        // no overrides to take one with.
        schedule_id: None,
        now: now_people,
        next,
    })
}

/// The valid shifts, each person's touching or overlapping ones joined into one.
fn joined(shifts: &[FinalShift]) -> Vec<FinalShift> {
    let mut valid: Vec<&FinalShift> = shifts
        .iter()
        .filter(|s| s.shift_start < s.shift_end)
        .collect();
    valid.sort_by(|a, b| (&a.user_pk, a.shift_start).cmp(&(&b.user_pk, b.shift_start)));
    let mut joined: Vec<FinalShift> = Vec::with_capacity(valid.len());
    for shift in valid {
        match joined.last_mut() {
            Some(last) if last.user_pk == shift.user_pk && last.shift_end >= shift.shift_start => {
                last.shift_end = last.shift_end.max(shift.shift_end);
            }
            _ => joined.push(shift.clone()),
        }
    }
    joined.sort_by_key(|s| s.shift_start);
    joined
}

fn person(shift: &FinalShift, me: &str) -> OnCallPerson {
    let id = shift.user_pk.clone().unwrap_or_default();
    OnCallPerson {
        name: shown(shift.user_username.as_deref())
            .or_else(|| shown(shift.user_email.as_deref()))
            .unwrap_or_else(|| oncall_model::display_text(&id)),
        is_me: id == me,
        user_id: id,
        start: Some(shift.shift_start),
        end: Some(shift.shift_end),
    }
}

fn schedule_name(schedule: &Schedule) -> String {
    shown(schedule.name.as_deref()).unwrap_or_else(|| oncall_model::display_text(&schedule.id))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn shift(user: &str, start: &str, end: &str) -> FinalShift {
        FinalShift {
            user_pk: Some(user.into()),
            user_username: Some(format!("{user}-name")),
            user_email: None,
            shift_start: t(start),
            shift_end: t(end),
        }
    }

    fn rendered(on_call_now: &[&str], shifts: Vec<FinalShift>) -> Rendered {
        Rendered {
            schedule: Schedule {
                id: "S1".into(),
                name: Some("Primary".into()),
                on_call_now: on_call_now.iter().map(|s| s.to_string()).collect(),
            },
            shifts,
        }
    }

    #[test]
    fn my_shifts_are_joined_and_clipped_to_the_horizon() {
        let r = rendered(
            &["U1"],
            vec![
                shift("U1", "2024-05-01T00:00:00Z", "2024-05-01T12:00:00Z"),
                shift("U1", "2024-05-01T12:00:00Z", "2024-05-02T00:00:00Z"),
                shift("U2", "2024-05-02T00:00:00Z", "2024-05-03T00:00:00Z"),
                shift("U1", "2024-04-29T00:00:00Z", "2024-04-30T00:00:00Z"),
                shift("U1", "2024-06-01T00:00:00Z", "2024-06-02T00:00:00Z"),
            ],
        );
        let now = t("2024-05-01T09:00:00Z");
        let mine = my_shifts_in(&r, "U1", now);
        assert_eq!(mine.len(), 1, "{mine:?}");
        assert_eq!(mine[0].start, Some(t("2024-05-01T00:00:00Z")));
        assert_eq!(mine[0].end, Some(t("2024-05-02T00:00:00Z")));
        assert_eq!(mine[0].label(), "Primary");

        let entry = rota_of(&r, "U1", now).unwrap();
        assert_eq!(
            entry.now.len(),
            1,
            "the two halves are one shift: {entry:?}"
        );
        assert!(entry.now[0].is_me);
        assert_eq!(entry.now[0].end, Some(t("2024-05-02T00:00:00Z")));
        assert_eq!(entry.next.len(), 1);
        assert_eq!(entry.next[0].name, "U2-name");
        assert!(!entry.next[0].is_me);
        assert_eq!(entry.schedule_id, None);
        assert!(rota_of(&r, "U9", now).is_none(), "not my schedule");
    }
}

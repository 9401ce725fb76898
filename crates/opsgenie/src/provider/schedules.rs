//! On-call schedules over Opsgenie's Schedule API: the configured user
//! (`GET /v2/users/{identifier}`, once), their schedules (`GET /v2/users/{id}/schedules`),
//! and each schedule's final timeline (`GET /v2/schedules/{id}/timeline`), from which
//! both the user's shifts and who is on call now and next are read: the on-call routes
//! give no times. `cover` posts a schedule override.
//!
//! These routes need an API key with configuration access; alert polling does not. A
//! 403 here is therefore `Rejected` (this feature is off), never `Unauthorized`, which
//! would stop the account's polling. An account without an on-call user is `Rejected`
//! the same way, before anything is sent: an empty list would read as "no shifts", where
//! the truth is "the tray does not know who you are".

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use oncall_http::{displayable, malformed, Query};
use oncall_model::{
    display_text, CoverRequest, OnCallPerson, OnCallShift, ProviderError, RotaEntry,
    ScheduleOverride, SHIFT_HORIZON,
};
use serde_json::json;

use super::access::configuration_refused;
use super::OpsgenieClient;
use crate::wire;

/// How far back a timeline starts: a period is cut at the timeline's start, and a shift
/// under way should keep its real start (reminders and hand-overs go by it). Shifts that
/// began earlier than this show this as their start.
const LOOK_BACK: Duration = Duration::days(1);

/// The configured user, as Opsgenie knows them.
#[derive(Debug, Clone)]
pub(super) struct Me {
    id: String,
    username: Option<String>,
}

/// One schedule's periods, read from its final timeline.
struct Schedule {
    id: String,
    name: Option<String>,
    periods: Vec<Period>,
}

/// Someone on call in a schedule from `start` to `end`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Period {
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    /// The recipient's id, else its name.
    who: String,
    name: String,
    is_me: bool,
}

impl OpsgenieClient {
    /// The configured user, fetched once; `None` when the account names none.
    async fn me(&self) -> Result<Option<Me>, ProviderError> {
        let Some(identifier) = self
            .config
            .on_call_user
            .as_deref()
            .map(str::trim)
            .filter(|u| !u.is_empty())
        else {
            return Ok(None);
        };
        self.me
            .get_or_try_init(|| async {
                let url = self.http.url(&["v2", "users", identifier], None);
                let reply = self
                    .http
                    .get(url)
                    .await
                    .map_err(|e| match schedule_error(e) {
                        ProviderError::Rejected { status: 404, .. } => ProviderError::Rejected {
                            status: 404,
                            code: None,
                            message: displayable(&format!(
                                "Opsgenie has no user {identifier:?} (the on-call user of \
                                 account {})",
                                self.config.account
                            )),
                        },
                        other => other,
                    })?;
                let user = reply.json::<wire::Data<wire::User>>()?.data;
                let id = user
                    .id
                    .filter(|id| !id.trim().is_empty())
                    .ok_or_else(|| malformed("GET /v2/users returned a user without an id"))?;
                Ok(Me {
                    id,
                    username: user.username,
                })
            })
            .await
            .cloned()
            .map(Some)
    }

    /// Every enabled schedule of `me`, with the periods of its final timeline from
    /// [`LOOK_BACK`] before `now` to [`SHIFT_HORIZON`] after it.
    async fn schedules(&self, me: &Me, now: DateTime<Utc>) -> Result<Vec<Schedule>, ProviderError> {
        let url = self.http.url(&["v2", "users", &me.id, "schedules"], None);
        let listed = self
            .get_schedule_data::<Vec<wire::ScheduleMeta>>(url)
            .await?;
        let from = now - LOOK_BACK;
        let days = (LOOK_BACK + SHIFT_HORIZON).num_days().to_string();
        let mut schedules = Vec::new();
        for meta in listed {
            let Some(id) = meta.id.filter(|id| !id.trim().is_empty()) else {
                continue;
            };
            // A disabled schedule pages nobody.
            if meta.enabled == Some(false) {
                continue;
            }
            let mut query = Query::default();
            query
                .push("identifierType", "id")
                .push("interval", &days)
                .push("intervalUnit", "days")
                .push("date", &from.to_rfc3339_opts(SecondsFormat::Millis, true));
            let url = self
                .http
                .url(&["v2", "schedules", &id, "timeline"], Some(&query));
            let timeline = self
                .get_schedule_data::<wire::ScheduleTimeline>(url)
                .await?;
            schedules.push(Schedule {
                periods: periods(timeline, me),
                id,
                name: meta.name.and_then(|n| shown(&n)),
            });
        }
        Ok(schedules)
    }

    async fn get_schedule_data<T: serde::de::DeserializeOwned>(
        &self,
        url: url::Url,
    ) -> Result<T, ProviderError> {
        let reply = self.http.get(url).await.map_err(schedule_error)?;
        Ok(reply.json::<wire::Data<T>>()?.data)
    }

    pub(super) async fn my_shifts(&self) -> Result<Vec<OnCallShift>, ProviderError> {
        let Some(me) = self.me().await? else {
            return Err(self.no_on_call_user("to see your shifts"));
        };
        let now = (self.clock)();
        let mut shifts: Vec<OnCallShift> = self
            .schedules(&me, now)
            .await?
            .into_iter()
            .flat_map(|schedule| my_shifts_in(schedule, now))
            .collect();
        shifts.sort_by_key(|s| s.start);
        Ok(shifts)
    }

    pub(super) async fn rota_entries(&self) -> Result<Vec<RotaEntry>, ProviderError> {
        let Some(me) = self.me().await? else {
            return Err(self.no_on_call_user("to see your shifts"));
        };
        let now = (self.clock)();
        let mut entries: Vec<RotaEntry> = self
            .schedules(&me, now)
            .await?
            .into_iter()
            .map(|schedule| rota_entry(schedule, now))
            .collect();
        entries.sort_by(|a, b| (&a.schedule, &a.schedule_id).cmp(&(&b.schedule, &b.schedule_id)));
        Ok(entries)
    }

    /// Why there is nothing to show or do without an on-call user: nothing was sent, so
    /// no status came back; 400 says the request could not be made as it stands.
    fn no_on_call_user(&self, purpose: &str) -> ProviderError {
        ProviderError::Rejected {
            status: 400,
            code: None,
            message: format!(
                "set your Opsgenie user (on_call_user: your Opsgenie login email) for \
                 account {} in Settings {purpose}",
                self.config.account
            ),
        }
    }

    pub(super) async fn create_override(
        &self,
        request: &CoverRequest,
    ) -> Result<ScheduleOverride, ProviderError> {
        let Some(me) = self.me().await? else {
            return Err(self.no_on_call_user("to cover a shift"));
        };
        let body = json!({
            "user": {"type": "user", "id": me.id},
            "startDate": request.start.to_rfc3339_opts(SecondsFormat::Secs, true),
            "endDate": request.end.to_rfc3339_opts(SecondsFormat::Secs, true),
        });
        // Unlike the timeline's `identifierType`, the override routes name it
        // `scheduleIdentifierType`.
        let mut query = Query::default();
        query.push("scheduleIdentifierType", "id");
        let url = self.http.url(
            &["v2", "schedules", &request.schedule_id, "overrides"],
            Some(&query),
        );
        let reply = self
            .http
            .post_json(url, &body)
            .await
            .map_err(schedule_error)?;
        if reply.status.as_u16() != 201 {
            return Err(malformed(format_args!(
                "Opsgenie answered the override with HTTP {} instead of 201",
                reply.status.as_u16()
            )));
        }
        let alias = reply
            .json::<wire::Data<wire::OverrideMeta>>()?
            .data
            .alias
            .filter(|a| !a.trim().is_empty())
            .ok_or_else(|| malformed("Opsgenie created the override but named no alias"))?;
        Ok(ScheduleOverride {
            id: alias,
            schedule_id: request.schedule_id.clone(),
            start: request.start,
            end: request.end,
        })
    }
}

/// What `on_calls` and `rota` make of one schedule's timeline, for the decoder property
/// tests: whatever the body held, shifts and an entry, never a panic.
#[cfg(test)]
pub(crate) fn timeline_views(
    timeline: wire::ScheduleTimeline,
    now: DateTime<Utc>,
) -> (Vec<OnCallShift>, RotaEntry) {
    let me = Me {
        id: "u-me".into(),
        username: Some("me@example.com".into()),
    };
    let periods = periods(timeline, &me);
    let schedule = || Schedule {
        id: "s1".into(),
        name: Some("Schedule".into()),
        periods: periods.clone(),
    };
    (my_shifts_in(schedule(), now), rota_entry(schedule(), now))
}

/// A 403 on the schedule and user routes as what it means (see `access.rs`).
fn schedule_error(error: ProviderError) -> ProviderError {
    configuration_refused(error, "shifts and schedules")
}

/// Text as it may be shown, `None` when nothing visible is left.
fn shown(text: &str) -> Option<String> {
    let text = display_text(text.trim());
    (!text.is_empty()).then_some(text)
}

/// The periods of every rotation of the final timeline, by start. A period without times
/// or with nobody on call (`none`) is left out.
fn periods(timeline: wire::ScheduleTimeline, me: &Me) -> Vec<Period> {
    let rotations = timeline
        .final_timeline
        .and_then(|t| t.rotations)
        .unwrap_or_default();
    let mut periods: Vec<Period> = rotations
        .into_iter()
        .flat_map(|r| r.periods.unwrap_or_default())
        .filter_map(|period| {
            let (start, end) = (period.start_date?, period.end_date?);
            let recipient = period.recipient?;
            let kind = recipient.kind.as_deref().unwrap_or("user");
            if kind == "none" || end <= start {
                return None;
            }
            let id = recipient.id.filter(|i| !i.trim().is_empty());
            let name = recipient.name.filter(|n| !n.trim().is_empty());
            let who = id.clone().or_else(|| name.clone())?;
            let is_me = kind == "user"
                && (id.as_deref() == Some(me.id.as_str())
                    || matches!((&name, &me.username), (Some(n), Some(u)) if n.eq_ignore_ascii_case(u)));
            Some(Period {
                start,
                end,
                name: name.and_then(|n| shown(&n)).unwrap_or_else(|| display_text(&who)),
                who,
                is_me,
            })
        })
        .collect();
    periods.sort_by(|a, b| (a.start, &a.who).cmp(&(b.start, &b.who)));
    periods
}

/// My periods in a schedule that have not ended, touching ones (consecutive turns, or two
/// rotations both having me) joined into one shift.
fn my_shifts_in(schedule: Schedule, now: DateTime<Utc>) -> Vec<OnCallShift> {
    let mut shifts: Vec<OnCallShift> = Vec::new();
    for period in schedule.periods.iter().filter(|p| p.is_me && p.end > now) {
        if let Some(last) = shifts.last_mut() {
            if last.end.is_some_and(|end| period.start <= end) {
                last.end = last.end.max(Some(period.end));
                continue;
            }
        }
        shifts.push(OnCallShift {
            escalation_policy: None,
            escalation_policy_id: None,
            schedule: schedule.name.clone(),
            schedule_id: Some(schedule.id.clone()),
            level: None,
            start: Some(period.start),
            end: Some(period.end),
        });
    }
    shifts
}

/// Who a schedule has on call at `now`, and who comes on next (the earliest start after
/// `now`), each person once.
fn rota_entry(schedule: Schedule, now: DateTime<Utc>) -> RotaEntry {
    let person = |p: &Period| OnCallPerson {
        user_id: p.who.clone(),
        name: p.name.clone(),
        is_me: p.is_me,
        start: Some(p.start),
        end: Some(p.end),
    };
    let mut on_now: Vec<OnCallPerson> = Vec::new();
    for period in schedule
        .periods
        .iter()
        .filter(|p| p.start <= now && now < p.end)
    {
        // The same person in two rotations is on call until the later end.
        match on_now.iter_mut().find(|o| o.user_id == period.who) {
            Some(known) => known.end = known.end.max(Some(period.end)),
            None => on_now.push(person(period)),
        }
    }
    let first_next = schedule
        .periods
        .iter()
        .map(|p| p.start)
        .filter(|s| *s > now)
        .min();
    let mut next: Vec<OnCallPerson> = Vec::new();
    for period in schedule
        .periods
        .iter()
        .filter(|p| Some(p.start) == first_next)
    {
        if !next.iter().any(|n| n.user_id == period.who) {
            next.push(person(period));
        }
    }
    RotaEntry {
        escalation_policy: None,
        escalation_policy_id: None,
        level: None,
        schedule: schedule.name,
        schedule_id: Some(schedule.id),
        now: on_now,
        next,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2024, 5, 1, hour, 0, 0).unwrap()
    }

    fn me() -> Me {
        Me {
            id: "u-pat".into(),
            username: Some("pat@example.com".into()),
        }
    }

    fn schedule(timeline: serde_json::Value) -> Schedule {
        let timeline: wire::ScheduleTimeline = serde_json::from_value(timeline).unwrap();
        Schedule {
            id: "s1".into(),
            name: Some("Payments".into()),
            periods: periods(timeline, &me()),
        }
    }

    fn period(
        start: &str,
        end: &str,
        id: Option<&str>,
        name: &str,
        kind: &str,
    ) -> serde_json::Value {
        json!({"startDate": start, "endDate": end, "type": "default",
               "recipient": {"id": id, "name": name, "type": kind}})
    }

    fn two_rotations() -> serde_json::Value {
        json!({"finalTimeline": {"rotations": [
            {"id": "r1", "name": "Day", "order": 0, "periods": [
                period("2024-05-01T08:00:00Z", "2024-05-01T12:00:00Z", Some("u-sam"), "sam@example.com", "user"),
                // Me by username only, in another zone's offset.
                period("2024-05-01T14:00:00+02:00", "2024-05-01T16:00:00Z", None, "PAT@example.com", "user"),
                period("2024-05-01T16:00:00Z", "2024-05-01T20:00:00Z", Some("u-alex"), "alex@example.com", "user"),
            ]},
            {"id": "r2", "name": "Backup", "order": 1, "periods": [
                period("2024-05-01T06:00:00Z", "2024-05-01T11:00:00Z", None, "none", "none"),
                period("2024-05-01T11:00:00Z", "2024-05-01T12:00:00Z", Some("u-pat"), "pat@example.com", "user"),
                period("2024-05-01T16:00:00Z", "2024-05-01T18:00:00Z", Some("u-sam"), "sam@example.com", "user"),
            ]},
            {"id": "r3", "periods": null},
        ]}})
    }

    #[test]
    fn my_shifts_join_touching_periods_across_rotations() {
        let shifts = my_shifts_in(schedule(two_rotations()), at(9));
        let spans: Vec<_> = shifts.iter().map(|s| (s.start, s.end)).collect();
        assert_eq!(spans, vec![(Some(at(11)), Some(at(16)))]);
        assert_eq!(shifts[0].schedule_id.as_deref(), Some("s1"));
        assert_eq!(shifts[0].label(), "Payments");
        // Once it has ended it is gone.
        assert!(my_shifts_in(schedule(two_rotations()), at(16)).is_empty());
    }

    #[test]
    fn now_and_next_come_from_every_rotation() {
        let names = |people: &[OnCallPerson]| -> Vec<String> {
            people.iter().map(|p| p.name.clone()).collect()
        };
        let entry = rota_entry(schedule(two_rotations()), at(10));
        assert_eq!(names(&entry.now), vec!["sam@example.com"]);
        assert_eq!(names(&entry.next), vec!["pat@example.com"]);
        assert!(entry.next[0].is_me);
        assert_eq!(entry.now[0].user_id, "u-sam");

        let entry = rota_entry(schedule(two_rotations()), at(15));
        assert_eq!(names(&entry.now), vec!["PAT@example.com"]);
        assert!(entry.now[0].is_me);
        assert_eq!(
            names(&entry.next),
            vec!["alex@example.com", "sam@example.com"]
        );
        assert_eq!(entry.schedule_id.as_deref(), Some("s1"));
        assert_eq!(entry.level, None);

        // Nobody on call and nothing ahead: an empty entry, not an error.
        let entry = rota_entry(schedule(two_rotations()), at(21));
        assert!(entry.now.is_empty() && entry.next.is_empty());
    }

    #[test]
    fn a_forbidden_schedule_request_names_configuration_access_and_stays_per_request() {
        let forbidden = ProviderError::Unauthorized {
            status: 403,
            message: "You are not authorized".into(),
        };
        let ProviderError::Rejected {
            status: 403,
            message,
            ..
        } = schedule_error(forbidden)
        else {
            panic!("a 403 should become Rejected")
        };
        assert!(message.contains("Configuration access"), "{message}");
        let unauthorized = ProviderError::Unauthorized {
            status: 401,
            message: "bad key".into(),
        };
        assert_eq!(schedule_error(unauthorized.clone()), unauthorized);
    }
}

//! On-call over JSM's schedule API, for the account's own Atlassian user.
//!
//! - Who "me" is: schedules name people by Atlassian account id, and the account knows
//!   only an e-mail, so the account id is asked once of the Jira platform through the
//!   same gateway and credential (`GET {api}/ex/jira/{cloudId}/rest/api/3/myself`, the
//!   route Atlassian gives API tokens on `api.atlassian.com`:
//!   <https://support.atlassian.com/atlassian-account/docs/manage-api-tokens-for-your-atlassian-account/>).
//!   The token never goes to the site.
//! - The schedules: `GET …/v1/schedules` (every schedule the user can view, paged by
//!   `links.next`, <https://developer.atlassian.com/cloud/jira/service-desk-ops/rest/v2/api-group-schedules/>),
//!   then each enabled one's timeline (`GET …/v1/schedules/{id}/timeline`, a day back to
//!   two weeks ahead,
//!   <https://developer.atlassian.com/cloud/jira/service-desk-ops/rest/v2/api-group-schedule-timelines/>).
//!   Shifts and who is on call now and next are read from the final timeline; the on-call
//!   routes give no times. The rota lists the schedules that have me in that window.
//! - `cover`: `POST …/v1/schedules/{id}/overrides` with me as the `responder`
//!   (<https://developer.atlassian.com/cloud/jira/service-desk-ops/rest/v2/api-group-schedule-overrides/>).
//!
//! The timeline's shape is not in the reference's excerpts: it is read as Opsgenie's
//! (`finalTimeline.rotations[].periods[]` with `startDate`, `endDate` and the person as
//! `responder` or `recipient`, `{type, id}`). People other than me are shown by account
//! id, the only name a timeline gives. A 403 here is `Rejected` (these need the
//! schedule's team access), never `Unauthorized`, which would stop the polling.

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use oncall_http::{displayable, malformed, Query};
use oncall_model::{
    display_text, CoverRequest, OnCallPerson, OnCallShift, ProviderError, RotaEntry,
    ScheduleOverride, SHIFT_HORIZON,
};
use serde_json::json;

use super::list::follow;
use super::JsmClient;
use crate::wire;

/// How far back a timeline starts, so that a shift under way keeps its real start.
const LOOK_BACK: Duration = Duration::days(1);
/// More schedule pages than this is a server looping its links.
const MAX_SCHEDULE_PAGES: u32 = 20;

/// The account's Atlassian user.
#[derive(Debug, Clone)]
pub(crate) struct Me {
    account_id: String,
    name: String,
}

/// One schedule's periods, read from its final timeline.
pub(crate) struct Schedule {
    id: String,
    name: Option<String>,
    periods: Vec<Period>,
}

/// Someone on call in a schedule from `start` to `end`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Period {
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    who: String,
    name: String,
    is_me: bool,
}

impl JsmClient {
    async fn me(&self) -> Result<Me, ProviderError> {
        self.me
            .get_or_try_init(|| async {
                let cloud_id = self.cloud_id().await?;
                let url = self.api.url(
                    &["ex", "jira", cloud_id, "rest", "api", "3", "myself"],
                    None,
                );
                let myself: wire::Myself =
                    self.api.get(url).await.map_err(schedule_error)?.json()?;
                let account_id = myself
                    .account_id
                    .filter(|id| !id.trim().is_empty())
                    .ok_or_else(|| malformed("Atlassian named no account id for the e-mail"))?;
                Ok(Me {
                    name: myself
                        .display_name
                        .and_then(|n| shown(&n))
                        .unwrap_or_else(|| display_text(self.config.email.trim())),
                    account_id,
                })
            })
            .await
            .cloned()
    }

    /// Every enabled schedule with its periods from [`LOOK_BACK`] before `now` to
    /// [`SHIFT_HORIZON`] after it.
    async fn schedules(&self, me: &Me, now: DateTime<Utc>) -> Result<Vec<Schedule>, ProviderError> {
        let list = self.ops_url(&["schedules"], None).await?;
        let mut query = Query::default();
        query.push("size", "100");
        let mut url = self.ops_url(&["schedules"], Some(&query)).await?;
        let mut listed = Vec::new();
        for page_number in 1.. {
            let page: wire::Page<wire::Schedule> =
                self.api.get(url).await.map_err(schedule_error)?.json()?;
            let next = page.next().map(str::to_owned);
            listed.extend(page.values);
            match next {
                None => break,
                Some(_) if page_number >= MAX_SCHEDULE_PAGES => {
                    return Err(malformed("the schedule list's links seem to loop"))
                }
                Some(next) => url = follow(&list, &next)?,
            }
        }
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
                .push("interval", &days)
                .push("intervalUnit", "days")
                .push("date", &from.to_rfc3339_opts(SecondsFormat::Millis, true));
            let url = self
                .ops_url(&["schedules", &id, "timeline"], Some(&query))
                .await?;
            let timeline: wire::ScheduleTimeline =
                self.api.get(url).await.map_err(schedule_error)?.json()?;
            schedules.push(Schedule {
                periods: periods(timeline, me),
                id,
                name: meta.name.and_then(|n| shown(&n)),
            });
        }
        Ok(schedules)
    }

    pub(super) async fn my_shifts(&self) -> Result<Vec<OnCallShift>, ProviderError> {
        let me = self.me().await?;
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
        let me = self.me().await?;
        let now = (self.clock)();
        let mut entries: Vec<RotaEntry> = self
            .schedules(&me, now)
            .await?
            .into_iter()
            .filter(|schedule| schedule.periods.iter().any(|p| p.is_me))
            .map(|schedule| rota_entry(schedule, now))
            .collect();
        entries.sort_by(|a, b| (&a.schedule, &a.schedule_id).cmp(&(&b.schedule, &b.schedule_id)));
        Ok(entries)
    }

    pub(super) async fn create_override(
        &self,
        request: &CoverRequest,
    ) -> Result<ScheduleOverride, ProviderError> {
        let me = self.me().await?;
        let body = json!({
            "responder": {"type": "user", "id": me.account_id},
            "startDate": request.start.to_rfc3339_opts(SecondsFormat::Secs, true),
            "endDate": request.end.to_rfc3339_opts(SecondsFormat::Secs, true),
        });
        let url = self
            .ops_url(&["schedules", &request.schedule_id, "overrides"], None)
            .await?;
        let reply = self
            .api
            .post_json(url, &body)
            .await
            .map_err(schedule_error)?;
        let alias = reply
            .json::<wire::OverrideCreated>()?
            .alias
            .filter(|a| !a.trim().is_empty())
            .ok_or_else(|| malformed("JSM created the override but named no alias"))?;
        Ok(ScheduleOverride {
            id: alias,
            schedule_id: request.schedule_id.clone(),
            start: request.start,
            end: request.end,
        })
    }
}

/// What `on_calls` and `rota` make of one schedule's timeline, for the decoder property
/// tests and the fuzz targets: whatever the body held, shifts and an entry, never a panic.
#[cfg(any(test, feature = "fuzzing"))]
pub(crate) fn timeline_views(
    timeline: wire::ScheduleTimeline,
    now: DateTime<Utc>,
) -> (Vec<OnCallShift>, RotaEntry) {
    let me = Me {
        account_id: "u-me".into(),
        name: "Me".into(),
    };
    let periods = periods(timeline, &me);
    let schedule = || Schedule {
        id: "s1".into(),
        name: Some("Schedule".into()),
        periods: periods.clone(),
    };
    (my_shifts_in(schedule(), now), rota_entry(schedule(), now))
}

/// A 403 on the schedule routes as "this feature is off", keeping alerts polling.
fn schedule_error(error: ProviderError) -> ProviderError {
    match error {
        ProviderError::Unauthorized {
            status: 403,
            message,
        } => ProviderError::Rejected {
            status: 403,
            code: None,
            message: displayable(&format!(
                "shifts and schedules need the Atlassian account to see its team's \
                 schedules in JSM Operations; alerts keep working without it ({message})"
            )),
        },
        other => other,
    }
}

fn shown(text: &str) -> Option<String> {
    let text = display_text(text.trim());
    (!text.is_empty()).then_some(text)
}

/// The user periods of every rotation of the final timeline, by start.
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
            let responder = period.responder?;
            let kind = responder.kind.as_deref().unwrap_or("user");
            if kind == "none" || end <= start {
                return None;
            }
            let who = responder.id.filter(|i| !i.trim().is_empty())?;
            let is_me = kind == "user" && who == me.account_id;
            Some(Period {
                start,
                end,
                name: if is_me {
                    me.name.clone()
                } else {
                    display_text(&who)
                },
                who,
                is_me,
            })
        })
        .collect();
    periods.sort_by(|a, b| (a.start, &a.who).cmp(&(b.start, &b.who)));
    periods
}

/// My periods that have not ended, touching ones joined into one shift.
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

/// Who a schedule has on call at `now` ("on call until" their period's end), and who
/// comes on next, each person once.
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

    fn period(start: &str, end: &str, id: &str, kind: &str) -> serde_json::Value {
        json!({"startDate": start, "endDate": end, "type": "default",
               "responder": {"id": id, "type": kind}})
    }

    fn schedule() -> Schedule {
        let timeline: wire::ScheduleTimeline = serde_json::from_value(json!({
            "finalTimeline": {"rotations": [
                {"id": "r1", "periods": [
                    period("2024-05-01T08:00:00Z", "2024-05-01T12:00:00Z", "u-sam", "user"),
                    period("2024-05-01T12:00:00Z", "2024-05-01T16:00:00Z", "u-me", "user"),
                ]},
                {"id": "r2", "periods": [
                    period("2024-05-01T06:00:00Z", "2024-05-01T11:00:00Z", "x", "none"),
                    {"startDate": "2024-05-01T16:00:00Z", "endDate": "2024-05-01T18:00:00Z",
                     "recipient": {"id": "u-me", "type": "user"}},
                ]},
                {"id": "r3", "periods": null},
            ]}
        }))
        .unwrap();
        let me = Me {
            account_id: "u-me".into(),
            name: "Pat".into(),
        };
        Schedule {
            id: "s1".into(),
            name: Some("Payments".into()),
            periods: periods(timeline, &me),
        }
    }

    #[test]
    fn my_touching_periods_are_one_shift_until_its_end() {
        let shifts = my_shifts_in(schedule(), at(9));
        let spans: Vec<_> = shifts.iter().map(|s| (s.start, s.end)).collect();
        assert_eq!(spans, vec![(Some(at(12)), Some(at(18)))]);
        assert!(my_shifts_in(schedule(), at(18)).is_empty());
    }

    #[test]
    fn now_and_next_with_on_call_until() {
        let entry = rota_entry(schedule(), at(10));
        assert_eq!(entry.now[0].user_id, "u-sam");
        assert_eq!(entry.now[0].end, Some(at(12)));
        assert_eq!(entry.next[0].name, "Pat");
        assert!(entry.next[0].is_me);
    }

    #[test]
    fn a_forbidden_schedule_request_stays_per_request() {
        let forbidden = ProviderError::Unauthorized {
            status: 403,
            message: "no".into(),
        };
        assert!(matches!(
            schedule_error(forbidden),
            ProviderError::Rejected { status: 403, .. }
        ));
        let unauthorized = ProviderError::Unauthorized {
            status: 401,
            message: "bad".into(),
        };
        assert_eq!(schedule_error(unauthorized.clone()), unauthorized);
    }
}

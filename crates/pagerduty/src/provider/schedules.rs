//! On-call schedules: the user's shifts (`GET /oncalls`), who is on call now and next in
//! the user's escalation policies (`GET /escalation_policies` + `GET /oncalls`), and the
//! override that puts the user on call (`POST /schedules/{id}/overrides`).
//!
//! `GET /oncalls` has its own rate limit (`x-pd-operation-limit`), so the rota asks for
//! every policy in one listing (chunked only to keep URLs short) with `earliest=true`:
//! one row per (policy, level, user), which is enough to tell who is on call now and who
//! comes next, and keeps a rota of minutes-long demo shifts to a page or two instead of
//! thousands of rows.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, SecondsFormat, Utc};
use oncall_http::{malformed, Query};
use oncall_model::{
    CoverRequest, OnCallPerson, OnCallShift, ProviderError, RotaEntry, ScheduleOverride,
    SHIFT_HORIZON,
};
use serde_json::json;

use super::{PagerDutyClient, MAX_OFFSET_PLUS_LIMIT, PAGE_LIMIT};
use crate::{convert, wire};

/// Escalation policy ids per `GET /oncalls`: 25 ids of PagerDuty's 7 characters keep the
/// query under a kilobyte, far from any proxy's URL limit.
const POLICIES_PER_REQUEST: usize = 25;

/// An `/oncalls` filter: repeated keys such as `escalation_policy_ids[]` and their values.
type Filters<'a> = &'a [(&'static str, &'a str)];

impl PagerDutyClient {
    /// `GET /{path}` with `params`, every page (offset pagination), stopping at the
    /// offset ceiling rather than trust a server that keeps saying "more".
    pub(super) async fn every_page<P: wire::OffsetPage>(
        &self,
        path: &str,
        params: Filters<'_>,
    ) -> Result<Vec<P::Item>, ProviderError> {
        let mut items = Vec::new();
        let mut offset: u32 = 0;
        loop {
            let mut query = Query::default();
            for (key, value) in params {
                query.push(key, value);
            }
            query
                .push("limit", &PAGE_LIMIT.to_string())
                .push("offset", &offset.to_string());
            let url = self.http.url(&[path], Some(&query));
            let page: P = self.http.get(url).await?.json()?;
            let (page_items, limit, more) = page.into_parts();
            let received = page_items.len();
            items.extend(page_items);
            offset += limit.unwrap_or(PAGE_LIMIT).clamp(1, PAGE_LIMIT);
            if !more || received == 0 || offset + PAGE_LIMIT > MAX_OFFSET_PLUS_LIMIT {
                break;
            }
        }
        Ok(items)
    }

    /// `GET /oncalls` from now to [`SHIFT_HORIZON`] with `filters`, every page.
    async fn list_oncalls(
        &self,
        now: DateTime<Utc>,
        filters: Filters<'_>,
    ) -> Result<Vec<wire::OnCall>, ProviderError> {
        let since = now.to_rfc3339_opts(SecondsFormat::Secs, true);
        let until = (now + SHIFT_HORIZON).to_rfc3339_opts(SecondsFormat::Secs, true);
        let mut params = filters.to_vec();
        params.push(("since", &since));
        params.push(("until", &until));
        self.every_page::<wire::OnCallPage>("oncalls", &params)
            .await
    }

    /// The escalation policies the user is a target of, as `(id, name)`, every page.
    async fn my_escalation_policies(
        &self,
        my_user_id: &str,
    ) -> Result<Vec<(String, Option<String>)>, ProviderError> {
        let listed = self
            .every_page::<wire::EscalationPolicyPage>(
                "escalation_policies",
                &[("user_ids[]", my_user_id)],
            )
            .await?;
        let mut policies: Vec<(String, Option<String>)> = Vec::new();
        for policy in listed {
            let Some(id) = policy.id.filter(|id| !id.trim().is_empty()) else {
                continue;
            };
            if !policies.iter().any(|(known, _)| *known == id) {
                policies.push((id, policy.name.or(policy.summary)));
            }
        }
        Ok(policies)
    }

    pub(super) async fn my_shifts(&self) -> Result<Vec<OnCallShift>, ProviderError> {
        let me = self.identity_counting().await?.0;
        let now = (self.clock)();
        let rows = self
            .list_oncalls(now, &[("user_ids[]", &me.user_id)])
            .await?;
        let mut shifts: Vec<OnCallShift> = rows.into_iter().map(convert::shift).collect();
        // Permanent shifts (no start) first, then by start time.
        shifts.sort_by_key(|s| s.start);
        Ok(shifts)
    }

    pub(super) async fn rota_entries(&self) -> Result<Vec<RotaEntry>, ProviderError> {
        let me = self.identity_counting().await?.0;
        let now = (self.clock)();
        let policies = self.my_escalation_policies(&me.user_id).await?;
        let mut rows = Vec::new();
        for chunk in policies.chunks(POLICIES_PER_REQUEST) {
            let mut filters: Vec<(&'static str, &str)> = chunk
                .iter()
                .map(|(id, _)| ("escalation_policy_ids[]", id.as_str()))
                .collect();
            filters.push(("include[]", "users"));
            filters.push(("earliest", "true"));
            rows.extend(self.list_oncalls(now, &filters).await?);
        }
        let names: HashMap<&str, &str> = policies
            .iter()
            .filter_map(|(id, name)| Some((id.as_str(), name.as_deref()?)))
            .collect();
        Ok(rota(rows, &names, &me.user_id, now))
    }

    pub(super) async fn create_override(
        &self,
        request: &CoverRequest,
    ) -> Result<ScheduleOverride, ProviderError> {
        let me = self.identity_counting().await?.0;
        // `createScheduleOverride` takes no `From` header, unlike incident writes.
        let body = json!({
            "overrides": [{
                "start": request.start.to_rfc3339_opts(SecondsFormat::Secs, true),
                "end": request.end.to_rfc3339_opts(SecondsFormat::Secs, true),
                "user": {"id": me.user_id, "type": "user_reference"},
            }]
        });
        let url = self
            .http
            .url(&["schedules", &request.schedule_id, "overrides"], None);
        let reply = self.http.post_json(url, &body).await?;
        if reply.status.as_u16() != 201 {
            return Err(malformed(format_args!(
                "PagerDuty answered the override with HTTP {} instead of 201",
                reply.status.as_u16()
            )));
        }
        let outcomes: Vec<wire::OverrideOutcome> = reply.json()?;
        convert::schedule_override(request, outcomes)
    }
}

/// Where a row belongs in the rota: policy id, level, schedule id (`None`: a user who is
/// the level's target directly).
type Place = (String, Option<u32>, Option<String>);

/// Groups `/oncalls` rows into one [`RotaEntry`] per (policy, level, schedule): `now` are
/// the rows covering `now` (or permanent), `next` those with the earliest start after it.
/// Sorted by policy name, then level, then schedule name.
fn rota(
    rows: Vec<wire::OnCall>,
    policy_names: &HashMap<&str, &str>,
    my_user_id: &str,
    now: DateTime<Utc>,
) -> Vec<RotaEntry> {
    let mut entries: BTreeMap<Place, RotaEntry> = BTreeMap::new();
    for row in rows {
        let Some(policy_id) = row.escalation_policy.as_ref().and_then(|p| p.id.clone()) else {
            continue;
        };
        let schedule_id = row.schedule.as_ref().and_then(|s| s.id.clone());
        let place = (policy_id.clone(), row.escalation_level, schedule_id.clone());
        let person = convert::on_call_person(&row, my_user_id);
        let shift = convert::shift(row);
        let entry = entries.entry(place).or_insert_with(|| RotaEntry {
            escalation_policy: policy_names
                .get(policy_id.as_str())
                .map(|name| oncall_model::display_text(name))
                .or(shift.escalation_policy.clone()),
            escalation_policy_id: Some(policy_id),
            level: shift.level,
            schedule: shift.schedule.clone(),
            schedule_id,
            now: Vec::new(),
            next: Vec::new(),
        });
        let Some(person) = person else { continue };
        let started = shift.start.is_none_or(|start| start <= now);
        let ended = shift.end.is_some_and(|end| end <= now);
        if started && !ended {
            entry.now.push(person);
        } else if !started {
            entry.next.push(person);
        }
    }
    let mut entries: Vec<RotaEntry> = entries.into_values().collect();
    for entry in &mut entries {
        let first = entry.next.iter().filter_map(|p| p.start).min();
        entry.next.retain(|p| p.start == first);
        sort_people(&mut entry.now);
        sort_people(&mut entry.next);
    }
    entries.sort_by(|a, b| {
        (&a.escalation_policy, a.level, &a.schedule).cmp(&(
            &b.escalation_policy,
            b.level,
            &b.schedule,
        ))
    });
    entries
}

/// The same people twice (a level can list one user through two layers) are shown once;
/// otherwise by start, then name.
fn sort_people(people: &mut Vec<OnCallPerson>) {
    people.sort_by(|a, b| (a.start, &a.name, &a.user_id).cmp(&(b.start, &b.name, &b.user_id)));
    people.dedup_by(|a, b| a.user_id == b.user_id);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(hour: u32) -> DateTime<Utc> {
        use chrono::TimeZone;
        Utc.with_ymd_and_hms(2024, 5, 1, hour, 0, 0).unwrap()
    }

    fn reference(id: &str, summary: &str) -> Option<wire::Reference> {
        Some(wire::Reference {
            id: Some(id.into()),
            summary: Some(summary.into()),
            name: None,
        })
    }

    fn row(
        policy: &str,
        level: u32,
        schedule: Option<&str>,
        user: &str,
        span: Option<(u32, u32)>,
    ) -> wire::OnCall {
        wire::OnCall {
            user: reference(user, &format!("User {user}")),
            escalation_policy: reference(policy, &format!("Policy {policy}")),
            schedule: schedule.and_then(|id| reference(id, &format!("Schedule {id}"))),
            escalation_level: Some(level),
            start: span.map(|(start, _)| at(start)),
            end: span.map(|(_, end)| at(end)),
        }
    }

    fn ids(people: &[OnCallPerson]) -> Vec<&str> {
        people.iter().map(|p| p.user_id.as_str()).collect()
    }

    #[test]
    fn rows_group_by_policy_level_and_schedule_into_now_and_next() {
        let names = HashMap::from([("P2", "Checkout"), ("P1", "Billing")]);
        let rows = vec![
            row("P2", 1, Some("S1"), "A", Some((8, 12))),
            row("P2", 1, Some("S1"), "B", Some((12, 16))),
            row("P2", 1, Some("S1"), "C", Some((16, 20))),
            row("P2", 1, None, "ME", None),
            row("P1", 2, Some("S2"), "ME", Some((13, 14))),
            row("P1", 2, Some("S2"), "D", Some((13, 14))),
            row("P1", 1, Some("S3"), "E", Some((9, 10))),
        ];
        let rota = rota(rows, &names, "ME", at(10));
        let summary: Vec<_> = rota
            .iter()
            .map(|e| {
                (
                    e.escalation_policy.as_deref().unwrap(),
                    e.level.unwrap(),
                    e.schedule_id.as_deref(),
                    ids(&e.now),
                    ids(&e.next),
                )
            })
            .collect();
        assert_eq!(
            summary,
            vec![
                // E's shift ended at 10:00 sharp: nobody now, nobody next.
                ("Billing", 1, Some("S3"), vec![], vec![]),
                ("Billing", 2, Some("S2"), vec![], vec!["D", "ME"]),
                ("Checkout", 1, None, vec!["ME"], vec![]),
                ("Checkout", 1, Some("S1"), vec!["A"], vec!["B"]),
            ]
        );
        let billing = &rota[1];
        assert!(billing.next.iter().any(|p| p.is_me && p.name == "User ME"));
        assert_eq!(billing.schedule.as_deref(), Some("Schedule S2"));
        assert_eq!(rota[3].now[0].end, Some(at(12)));
    }

    #[test]
    fn offsets_v3_schedule_references_and_null_times_are_read() {
        // As documented: times in the account's zone, a v3 schedule reference, and a
        // permanent on-call with `start`, `end` and `schedule` null.
        let page: wire::OnCallPage = serde_json::from_value(serde_json::json!({
            "oncalls": [
                {
                    "user": {"id": "PT23IWX", "type": "user", "name": "Tim Wright",
                             "summary": "Tim W."},
                    "schedule": {"id": "PV3SCH1", "type": "schedule_v3_reference",
                                 "summary": "Daily Engineering Rotation",
                                 "self": "https://api.pagerduty.com/v3/schedules/PV3SCH1"},
                    "escalation_policy": {"id": "PT20YPA",
                                          "type": "escalation_policy_reference",
                                          "summary": "Engineering Escalation Policy"},
                    "escalation_level": 2,
                    "start": "2024-05-01T05:00:00-05:00",
                    "end": "2024-05-01T13:00:00+02:00"
                },
                {
                    "user": {"id": "ME", "type": "user_reference", "summary": "Me"},
                    "schedule": null,
                    "escalation_policy": {"id": "PT20YPA",
                                          "type": "escalation_policy_reference",
                                          "summary": "Engineering Escalation Policy"},
                    "escalation_level": 1,
                    "start": null,
                    "end": null
                }
            ],
            "limit": 25, "offset": 0, "more": false, "total": null
        }))
        .unwrap();
        let rota = rota(page.oncalls, &HashMap::new(), "ME", at(10));
        assert_eq!(rota.len(), 2);
        assert_eq!(people(&rota[0]), (vec!["ME"], vec![]));
        assert!(rota[0].now[0].is_me);
        let v3 = &rota[1];
        assert_eq!(v3.schedule_id.as_deref(), Some("PV3SCH1"));
        assert_eq!(
            v3.escalation_policy.as_deref(),
            Some("Engineering Escalation Policy")
        );
        // A full user (`include[]=users`) is named by its `name`.
        assert_eq!(v3.now[0].name, "Tim Wright");
        assert_eq!(
            (v3.now[0].start, v3.now[0].end),
            (Some(at(10)), Some(at(11)))
        );
    }

    fn people(entry: &RotaEntry) -> (Vec<&str>, Vec<&str>) {
        (ids(&entry.now), ids(&entry.next))
    }

    #[test]
    fn override_answers_per_item() {
        let request = CoverRequest {
            schedule_id: "PS1".into(),
            start: at(12),
            end: at(14),
        };
        let answer = |body: serde_json::Value| {
            let outcomes: Vec<wire::OverrideOutcome> = serde_json::from_value(body).unwrap();
            convert::schedule_override(&request, outcomes)
        };
        let created = answer(serde_json::json!([{"status": 201.0, "override": {
            "id": "Q3X6MJ1LUKD6QW", "start": "2024-05-01T14:00:00+02:00",
            "end": "2024-05-01T14:00:00Z", "user": {"id": "ME", "type": "user_reference"}}}]));
        assert_eq!(
            created,
            Ok(ScheduleOverride {
                id: "Q3X6MJ1LUKD6QW".into(),
                schedule_id: "PS1".into(),
                start: at(12),
                end: at(14),
            })
        );
        let refused = answer(serde_json::json!([{"status": 400,
            "errors": ["Override must end after its start", "User is busy"],
            "override": {"start": "2024-05-01T14:00:00Z", "end": "2024-05-01T12:00:00Z",
                         "user": {"id": "ME", "type": "user_reference"}}}]));
        assert_eq!(
            refused,
            Err(ProviderError::Rejected {
                status: 400,
                code: None,
                message: "PagerDuty did not create the override in schedule PS1: \
                          Override must end after its start; User is busy"
                    .into(),
            })
        );
        for malformed in [
            serde_json::json!([]),
            serde_json::json!([{"status": 201, "override": {"start": "2024-05-01T12:00:00Z"}}]),
            serde_json::json!([{"status": 201}]),
            serde_json::json!([{"status": 1e9, "override": {"id": "Q1"}}]),
        ] {
            assert!(
                matches!(
                    answer(malformed.clone()),
                    Err(ProviderError::Malformed { .. })
                ),
                "{malformed}"
            );
        }
    }
}

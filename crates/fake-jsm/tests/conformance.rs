//! Every answer the fake serves, checked against the shape Atlassian documents for it.
//!
//! No copy of the Operations reference is stored (it is not published as a file), so the
//! documented shapes are written here as JSON Schemas, one per response, each naming the
//! page it comes from. What a page documents is `required`; what the fake adds where the
//! reference is silent (Opsgenie's alert fields) is typed but marked as such. Each schema
//! is also shown to refuse a wrong shape, so a check here can fail.

use std::collections::HashMap;

use chrono::{Duration, TimeZone, Utc};
use oncall_fake_jsm::{FakeJsm, NewAlert, ScheduleSpec, API_TOKEN, CLOUD_ID, EMAIL, TEAMMATES};
use reqwest::StatusCode;
use serde_json::{json, Value};

const ALERTS: &str =
    "https://developer.atlassian.com/cloud/jira/service-desk-ops/rest/v2/api-group-alerts/";
const SCHEDULES: &str =
    "https://developer.atlassian.com/cloud/jira/service-desk-ops/rest/v2/api-group-schedules/";
const TIMELINES: &str = "https://developer.atlassian.com/cloud/jira/service-desk-ops/rest/v2/api-group-schedule-timelines/";
const ON_CALLS: &str = "https://developer.atlassian.com/cloud/jira/service-desk-ops/rest/v2/api-group-schedule-on-calls/";
const OVERRIDES: &str = "https://developer.atlassian.com/cloud/jira/service-desk-ops/rest/v2/api-group-schedule-overrides/";
const TOKENS: &str =
    "https://support.atlassian.com/atlassian-account/docs/manage-api-tokens-for-your-atlassian-account/";
const MYSELF: &str =
    "https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-myself/";

/// The schemas, by name: (page, schema).
fn schemas() -> HashMap<&'static str, (&'static str, Value)> {
    let date_time = json!({"type": "string", "format": "date-time"});
    let links = json!({
        "type": "object",
        "properties": {"next": {"type": "string"}}
    });
    let responder = json!({
        "type": "object",
        "required": ["type", "id"],
        "properties": {"type": {"type": "string"}, "id": {"type": "string"}}
    });
    HashMap::from([
        // `ListAlertResponse`: `values` of alerts (`id`, `tinyId`, `createdAt`,
        // `updatedAt`, `message` documented) and `links`. The other alert fields are
        // Opsgenie's, typed as Opsgenie documents them.
        (
            "list alerts",
            (
                ALERTS,
                json!({
                    "type": "object",
                    "required": ["values", "links"],
                    "properties": {
                        "values": {"type": "array", "items": {
                            "type": "object",
                            "required": ["id", "tinyId", "createdAt", "updatedAt", "message"],
                            "properties": {
                                "id": {"type": "string"},
                                "tinyId": {"type": "string"},
                                "createdAt": date_time,
                                "updatedAt": date_time,
                                "message": {"type": "string"},
                                "status": {"enum": ["open", "closed"]},
                                "acknowledged": {"type": "boolean"},
                                "snoozed": {"type": "boolean"},
                                "snoozedUntil": date_time,
                                "lastOccurredAt": date_time,
                                "priority": {"enum": ["P1", "P2", "P3", "P4", "P5"]},
                                "owner": {"type": "string"},
                                "tags": {"type": "array", "items": {"type": "string"}},
                                "responders": {"type": "array", "items": responder},
                                "count": {"type": "integer"},
                                "report": {"type": "object",
                                           "properties": {"ackTime": {"type": "integer"}}}
                            }
                        }},
                        "links": links
                    }
                }),
            ),
        ),
        // `GetRequestStatusResponse`, at the top level.
        (
            "request status",
            (
                ALERTS,
                json!({
                    "type": "object",
                    "required": ["action", "processedAt", "integrationId", "isSuccess", "status",
                                 "alertId", "alias"],
                    "properties": {
                        "action": {"type": "string"},
                        "processedAt": date_time,
                        "integrationId": {"type": "string"},
                        "isSuccess": {"type": "boolean"},
                        "status": {"type": "string"},
                        "alertId": {"type": "string"},
                        "alias": {"type": "string"}
                    }
                }),
            ),
        ),
        // The 202 of an action: Opsgenie's `SuccessResponse` (the page names the 202,
        // not its body).
        (
            "accepted",
            (
                ALERTS,
                json!({
                    "type": "object",
                    "required": ["result", "requestId"],
                    "properties": {
                        "result": {"type": "string"},
                        "took": {"type": "number"},
                        "requestId": {"type": "string", "minLength": 1}
                    }
                }),
            ),
        ),
        // `ListSchedulesResponse`.
        (
            "list schedules",
            (
                SCHEDULES,
                json!({
                    "type": "object",
                    "required": ["values", "links"],
                    "properties": {
                        "values": {"type": "array", "items": {
                            "type": "object",
                            "required": ["id", "name", "timezone", "enabled"],
                            "properties": {
                                "id": {"type": "string"},
                                "name": {"type": "string"},
                                "description": {"type": "string"},
                                "timezone": {"type": "string"},
                                "enabled": {"type": "boolean"},
                                "rotations": {"type": "array", "items": {
                                    "type": "object",
                                    "required": ["id", "name", "startDate", "type", "participants"],
                                    "properties": {
                                        "startDate": date_time,
                                        "length": {"type": "integer"},
                                        "participants": {"type": "array", "items": responder}
                                    }
                                }}
                            }
                        }},
                        "links": links
                    }
                }),
            ),
        ),
        // `ScheduleTimelineResponse`: the page's example is not in the excerpts read, so
        // Opsgenie's `ScheduleTimeline` (without its `data` envelope), with the person as
        // `responder` as JSM names it elsewhere.
        (
            "timeline",
            (
                TIMELINES,
                json!({
                    "type": "object",
                    "required": ["startDate", "endDate", "finalTimeline"],
                    "properties": {
                        "startDate": date_time,
                        "endDate": date_time,
                        "finalTimeline": {
                            "type": "object",
                            "required": ["rotations"],
                            "properties": {"rotations": {"type": "array", "items": {
                                "type": "object",
                                "required": ["id", "name", "periods"],
                                "properties": {"periods": {"type": "array", "items": {
                                    "type": "object",
                                    "required": ["startDate", "endDate", "responder"],
                                    "properties": {
                                        "startDate": date_time,
                                        "endDate": date_time,
                                        "type": {"type": "string"},
                                        "responder": responder
                                    }
                                }}}
                            }}}
                        }
                    }
                }),
            ),
        ),
        // `OnCallParticipants`.
        (
            "on-calls",
            (
                ON_CALLS,
                json!({
                    "type": "object",
                    "required": ["onCallParticipants"],
                    "properties": {"onCallParticipants": {"type": "array", "items": {
                        "type": "object",
                        "required": ["id", "type"],
                        "properties": {"id": {"type": "string"},
                                       "type": {"enum": ["user", "team", "escalation"]}}
                    }}}
                }),
            ),
        ),
        // The created override.
        (
            "override",
            (
                OVERRIDES,
                json!({
                    "type": "object",
                    "required": ["alias", "responder", "startDate", "endDate", "rotationIds"],
                    "properties": {
                        "alias": {"type": "string"},
                        "responder": responder,
                        "startDate": date_time,
                        "endDate": date_time,
                        "rotationIds": {"type": "array", "items": {"type": "string"}}
                    }
                }),
            ),
        ),
        // The site's `tenant_info`.
        (
            "tenant info",
            (
                TOKENS,
                json!({
                    "type": "object",
                    "required": ["cloudId"],
                    "properties": {"cloudId": {"type": "string", "minLength": 1}}
                }),
            ),
        ),
        // The Jira platform's `User` (`GET /rest/api/3/myself`).
        (
            "myself",
            (
                MYSELF,
                json!({
                    "type": "object",
                    "required": ["accountId", "displayName", "active"],
                    "properties": {
                        "accountId": {"type": "string", "minLength": 1, "maxLength": 128},
                        "emailAddress": {"type": "string"},
                        "displayName": {"type": "string"},
                        "active": {"type": "boolean"}
                    }
                }),
            ),
        ),
        // Errors: not documented; the gateway's `{code, message}`.
        (
            "error",
            (
                ALERTS,
                json!({
                    "type": "object",
                    "required": ["code", "message"],
                    "properties": {"code": {"type": "integer"}, "message": {"type": "string"}}
                }),
            ),
        ),
    ])
}

fn check(name: &str, body: &Value) -> Result<(), String> {
    let schemas = schemas();
    let (page, schema) = &schemas[name];
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(schema)
        .unwrap_or_else(|e| panic!("the {name} schema does not compile: {e}"));
    let errors: Vec<String> = validator
        .iter_errors(body)
        .map(|e| format!("at {}: {e}", e.instance_path()))
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(format!("{name} ({page}):\n{}", errors.join("\n")))
    }
}

#[track_caller]
fn conforms(name: &str, body: &Value) {
    if let Err(problems) = check(name, body) {
        panic!("{problems}\nbody: {body}");
    }
}

struct Api {
    http: reqwest::Client,
    url: String,
}

impl Api {
    fn ops(&self, path: &str) -> String {
        format!("{}/jsm/ops/api/{CLOUD_ID}/v1/{path}", self.url)
    }

    async fn get(&self, url: &str) -> (StatusCode, Value) {
        let response = self
            .http
            .get(url)
            .basic_auth(EMAIL, Some(API_TOKEN))
            .send()
            .await
            .unwrap();
        (response.status(), response.json().await.unwrap())
    }

    async fn post(&self, url: &str, body: Value) -> (StatusCode, Value) {
        let response = self
            .http
            .post(url)
            .basic_auth(EMAIL, Some(API_TOKEN))
            .json(&body)
            .send()
            .await
            .unwrap();
        (response.status(), response.json().await.unwrap())
    }
}

async fn start() -> (FakeJsm, oncall_fake_jsm::RunningFake, Api) {
    let fake = FakeJsm::new();
    let running = fake.serve("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let api = Api {
        http: reqwest::Client::new(),
        url: running.url.clone(),
    };
    (fake, running, api)
}

#[tokio::test]
async fn the_site_and_the_user_answer_as_documented() {
    let (_fake, _running, api) = start().await;
    let response = reqwest::get(format!("{}/_edge/tenant_info", api.url))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    conforms("tenant info", &body);
    assert_eq!(body["cloudId"], CLOUD_ID);

    let (status, body) = api
        .get(&format!("{}/ex/jira/{CLOUD_ID}/rest/api/3/myself", api.url))
        .await;
    assert_eq!(status, StatusCode::OK);
    conforms("myself", &body);
    assert_eq!(body["emailAddress"], EMAIL);
}

#[tokio::test]
async fn alert_pages_and_their_links_follow_the_documented_envelope() {
    let (fake, _running, api) = start().await;
    let now = Utc::now();
    for n in 0..25 {
        let id = fake.create_alert(
            NewAlert::new(&format!("alert {n}"))
                .priority("P2")
                .tag("db"),
        );
        if n % 3 == 0 {
            fake.acknowledge_elsewhere(&id, TEAMMATES[0]);
        }
        if n % 5 == 0 {
            fake.snooze_elsewhere(&id, now + Duration::hours(1), TEAMMATES[0]);
        }
    }
    let mut url = api.ops("alerts?query=status%3Aopen&size=10&order=asc");
    let mut seen = 0;
    loop {
        let (status, body) = api.get(&url).await;
        assert_eq!(status, StatusCode::OK);
        conforms("list alerts", &body);
        seen += body["values"].as_array().unwrap().len();
        match body["links"]["next"].as_str() {
            Some(next) => {
                assert!(
                    next.starts_with("/v1/alerts?"),
                    "documented relative form: {next}"
                );
                url = format!("{}/jsm/ops/api/{CLOUD_ID}{next}", api.url);
            }
            None => break,
        }
    }
    assert_eq!(seen, 25);
}

#[tokio::test]
async fn actions_answer_202_and_their_requests_the_documented_status() {
    let (fake, _running, api) = start().await;
    let id = fake.create_alert(NewAlert::new("disk full"));
    let until = (Utc::now() + Duration::hours(1)).to_rfc3339();
    for (action, body) in [
        ("acknowledge", json!({"note": "mine"})),
        ("unacknowledge", json!({})),
        ("snooze", json!({"endTime": until})),
        ("notes", json!({"note": "looking"})),
        ("close", json!({"source": "test"})),
        ("acknowledge", json!({})),
    ] {
        let (status, accepted) = api
            .post(&api.ops(&format!("alerts/{id}/{action}")), body)
            .await;
        assert_eq!(status, StatusCode::ACCEPTED, "{action}");
        conforms("accepted", &accepted);
        let request_id = accepted["requestId"].as_str().unwrap();
        let (status, outcome) = api
            .get(&api.ops(&format!("alerts/requests/{request_id}")))
            .await;
        assert_eq!(status, StatusCode::OK);
        conforms("request status", &outcome);
    }
    // The last acknowledge met a closed alert.
    let (_, accepted) = api
        .post(&api.ops(&format!("alerts/{id}/acknowledge")), json!({}))
        .await;
    let request_id = accepted["requestId"].as_str().unwrap();
    let (_, outcome) = api
        .get(&api.ops(&format!("alerts/requests/{request_id}")))
        .await;
    assert_eq!(outcome["isSuccess"], false);
    assert_eq!(outcome["status"], "Alert is already closed");

    fake.hold_processing(true);
    let (_, accepted) = api.post(&api.ops("alerts/x/close"), json!({})).await;
    let request_id = accepted["requestId"].as_str().unwrap();
    let (status, body) = api
        .get(&api.ops(&format!("alerts/requests/{request_id}")))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    conforms("error", &body);
}

#[tokio::test]
async fn schedules_timelines_on_calls_and_overrides_follow_the_documented_shapes() {
    let (fake, _running, api) = start().await;
    let start = Utc.with_ymd_and_hms(2026, 3, 2, 8, 0, 0).unwrap();
    let schedule = fake.add_schedule(ScheduleSpec::rotation(
        "Payments",
        &[EMAIL, TEAMMATES[0], TEAMMATES[1]],
        Duration::hours(4),
        start,
    ));
    let (status, body) = api.get(&api.ops("schedules")).await;
    assert_eq!(status, StatusCode::OK);
    conforms("list schedules", &body);

    let (status, timeline) = api
        .get(&api.ops(&format!(
            "schedules/{schedule}/timeline?interval=2&intervalUnit=days&date=2026-03-02T06:00:00Z"
        )))
        .await;
    assert_eq!(status, StatusCode::OK);
    conforms("timeline", &timeline);
    let periods = timeline["finalTimeline"]["rotations"][0]["periods"]
        .as_array()
        .unwrap();
    assert_eq!(periods[0]["startDate"], "2026-03-02T08:00:00Z");
    assert_eq!(periods[0]["endDate"], "2026-03-02T12:00:00Z");
    let me = fake.user(EMAIL).unwrap().account_id;
    assert_eq!(periods[0]["responder"]["id"], me.as_str());

    let (status, on_calls) = api
        .get(&api.ops(&format!(
            "schedules/{schedule}/on-calls?date=2026-03-02T13:00:00Z"
        )))
        .await;
    assert_eq!(status, StatusCode::OK);
    conforms("on-calls", &on_calls);
    let sam = fake.user(TEAMMATES[0]).unwrap().account_id;
    assert_eq!(on_calls["onCallParticipants"][0]["id"], sam.as_str());

    let (status, created) = api
        .post(
            &api.ops(&format!("schedules/{schedule}/overrides")),
            json!({"responder": {"type": "user", "id": me},
                   "startDate": "2026-03-02T13:00:00Z", "endDate": "2026-03-02T14:00:00Z"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    conforms("override", &created);
    assert_eq!(
        fake.on_call_at(
            &schedule,
            Utc.with_ymd_and_hms(2026, 3, 2, 13, 30, 0).unwrap()
        ),
        [me]
    );
}

#[tokio::test]
async fn refusals_have_the_error_shape() {
    let (_fake, _running, api) = start().await;
    let response = reqwest::get(api.ops("alerts")).await.unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    conforms("error", &response.json().await.unwrap());
    let wrong = api
        .http
        .get(api.ops("alerts"))
        .basic_auth(EMAIL, Some("wrong"))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let (status, body) = api.get(&api.ops("alerts?offset=19901&size=99")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    conforms("error", &body);
    assert!(body["message"]
        .as_str()
        .unwrap()
        .contains("lower than 20000"));
    let (status, _) = api.get(&api.ops("alerts?offset=19900&size=99")).await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = api
        .get(&format!("{}/jsm/ops/api/another-cloud/v1/alerts", api.url))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    conforms("error", &body);
}

/// Each schema refuses a wrong shape: the checks above can fail.
#[test]
fn every_schema_refuses_a_wrong_shape() {
    let wrong = [
        ("list alerts", json!({"data": [], "paging": {}})),
        (
            "list alerts",
            json!({"values": [{"id": "a", "tinyId": 1}], "links": {}}),
        ),
        ("request status", json!({"data": {"isSuccess": true}})),
        ("accepted", json!({"result": "ok"})),
        (
            "list schedules",
            json!({"values": [{"id": "s"}], "links": {}}),
        ),
        ("timeline", json!({"data": {"finalTimeline": {}}})),
        (
            "on-calls",
            json!({"onCallParticipants": [{"id": "u", "type": "robot"}]}),
        ),
        ("override", json!({"alias": "x"})),
        ("tenant info", json!({"cloudId": ""})),
        ("myself", json!({"accountId": "a"})),
        ("error", json!({"errors": []})),
        (
            "list alerts",
            json!({"values": [{"id": "a", "tinyId": "1", "message": "m",
            "createdAt": "yesterday", "updatedAt": "2024-01-01T00:00:00Z"}], "links": {}}),
        ),
    ];
    for (name, body) in wrong {
        assert!(check(name, &body).is_err(), "{name} took {body}");
    }
    assert_eq!(schemas().len(), 10);
}

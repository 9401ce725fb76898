//! The reference's documented example responses, rewritten here as fixtures (the same
//! shapes and field names; no copy of the reference is stored), decoded with the wire
//! types a poll, an action or a schedule question uses. Each names its page.

use chrono::{TimeZone, Utc};
use oncall_model::{AccountId, Status};
use reqwest::StatusCode;
use serde_json::json;
use url::Url;

use crate::convert::{self, Episodes};
use crate::http::Reply;
use crate::provider::list::next_page;
use crate::wire;

fn reply(body: serde_json::Value) -> Reply {
    Reply {
        status: StatusCode::OK,
        body: body.to_string().into_bytes(),
    }
}

const ALERTS_PAGE: &str =
    "https://developer.atlassian.com/cloud/jira/service-desk-ops/rest/v2/api-group-alerts/";

/// "List alerts" (`ListAlertResponse`) on [`ALERTS_PAGE`]: `values` and `links`, an
/// alert's `id`, `tinyId`, `createdAt`, `updatedAt`, `message`.
#[test]
fn the_documented_alert_list_decodes_and_converts() {
    let body = json!({
        "values": [{
            "id": "e0caa0ce-d52f-4500-81b9-d592d06970b6",
            "tinyId": "1234",
            "createdAt": "2024-01-05T07:06:47.958Z",
            "updatedAt": "2024-01-05T07:06:47.958Z",
            "message": "The CPU usage on Server XYZ has exceeded 80% for over 5 minutes."
        }],
        "links": {"next": "/v1/alerts?offset=1&size=1"}
    });
    let page: wire::Page<wire::Alert> = reply(body).json().expect(ALERTS_PAGE);
    assert_eq!(page.values.len(), 1);
    let list = Url::parse("https://api.atlassian.com/jsm/ops/api/c1/v1/alerts").unwrap();
    assert_eq!(
        next_page(&list, page.next().unwrap()).unwrap().as_str(),
        "https://api.atlassian.com/jsm/ops/api/c1/v1/alerts?offset=1&size=1"
    );
    let incident = convert::incident(
        &AccountId::new("jsm"),
        &Url::parse("https://acme.atlassian.net/").unwrap(),
        &page.values[0],
        &["P1".into()],
        &mut Episodes::default(),
    )
    .expect("an alert without a status is open");
    assert_eq!(incident.number, Some(1234));
    assert_eq!(incident.status, Status::Triggered);
    assert_eq!(
        incident.created_at,
        Utc.with_ymd_and_hms(2024, 1, 5, 7, 6, 47).unwrap() + chrono::Duration::milliseconds(958)
    );
}

/// "Get request status" (`GetRequestStatusResponse`) on [`ALERTS_PAGE`]: the status
/// object at the top level.
#[test]
fn the_documented_request_status_decodes() {
    let body = json!({
        "action": "Create",
        "processedAt": "2024-01-05T07:44:10.409Z",
        "integrationId": "",
        "isSuccess": true,
        "status": "Alert does not exist",
        "alertId": "9b251e07-73c9-4907-9996-8cb53a6a20d0-1704440650350",
        "alias": "DatabaseConnectionFailure_DatabaseServer1"
    });
    let status: wire::RequestStatus = reply(body).json().expect(ALERTS_PAGE);
    assert_eq!(status.is_success, Some(true));
    assert_eq!(status.status.as_deref(), Some("Alert does not exist"));
}

/// "List schedules" (`ListSchedulesResponse`) on
/// <https://developer.atlassian.com/cloud/jira/service-desk-ops/rest/v2/api-group-schedules/>.
#[test]
fn the_documented_schedule_list_decodes() {
    let body = json!({
        "values": [{
            "id": "f8f2a4ec-54b2-4513-865b-8cb3b81c9544",
            "name": "Support Schedule",
            "description": "On-call schedule for support team",
            "timezone": "America/New_York",
            "enabled": true,
            "teamId": "cd68207b-c55d-4611-ab25-72fd0c439e9f",
            "rotations": [{
                "id": "3ce33f53-69be-4b92-8d34-a1df0efe642e",
                "name": "Daily rotation",
                "startDate": "2023-11-10T05:00:00Z",
                "endDate": "2024-04-28T10:00:00Z",
                "type": "weekly",
                "length": 2,
                "participants": [
                    {"type": "user", "id": "14a994fd-78c6-4236-8b83-d107e5d32d6a"},
                    {"type": "team", "id": "2ad4505d-d7a9-4997-8745-c40a3b641573"}
                ],
                "timeRestriction": {"type": "time-of-day", "restriction": {}}
            }]
        }],
        "links": {"next": "/v1/schedules?offset=50&size=25"},
        "_expands": ["rotation"]
    });
    let page: wire::Page<wire::Schedule> = reply(body).json().unwrap();
    assert_eq!(page.values[0].name.as_deref(), Some("Support Schedule"));
    assert_eq!(page.values[0].enabled, Some(true));
    let list = Url::parse("https://api.atlassian.com/jsm/ops/api/c1/v1/schedules").unwrap();
    assert!(crate::provider::list::follow(&list, page.next().unwrap()).is_ok());
}

/// "Create override" on
/// <https://developer.atlassian.com/cloud/jira/service-desk-ops/rest/v2/api-group-schedule-overrides/>.
#[test]
fn the_documented_override_decodes() {
    let body = json!({
        "alias": "c73c3ffa-dcc3-4f28-ad13-d150ec108fc9",
        "responder": {"type": "user", "id": "1626a3a7-e159-45e0-b067-b99210917b16"},
        "startDate": "2023-11-27T05:00:00Z",
        "endDate": "2023-11-28T10:00:00Z",
        "rotationIds": [
            "dec43451-becf-4d2b-99c6-2f98ff2c1eb3",
            "0c829882-7de3-431e-8b64-8edcca7606d8"
        ]
    });
    let created: wire::OverrideCreated = reply(body).json().unwrap();
    assert_eq!(
        created.alias.as_deref(),
        Some("c73c3ffa-dcc3-4f28-ad13-d150ec108fc9")
    );
}

/// The site's `tenant_info`
/// (<https://support.atlassian.com/atlassian-account/docs/manage-api-tokens-for-your-atlassian-account/>
/// names it as where the cloud id is found).
#[test]
fn the_tenant_info_decodes() {
    let body = json!({"cloudId": "abcdefd3-e5f8-43ca-9eec-c382a5220bd9"});
    let info: wire::TenantInfo = reply(body).json().unwrap();
    assert_eq!(
        info.cloud_id.as_deref(),
        Some("abcdefd3-e5f8-43ca-9eec-c382a5220bd9")
    );
}

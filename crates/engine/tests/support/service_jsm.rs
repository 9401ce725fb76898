//! The fake JSM Operations as the scenarios drive it ([`Service`]).
//!
//! One loopback server is both the Jira site (its cloud id) and the API. Priorities P1
//! and P2 page with high urgency (the account's default), so a high-urgency trigger is a
//! P1 alert and a low one JSM's default P3. Alerts are routed to the fake's user, whom the
//! account's default query ("open alerts for me") selects. The snooze's end comes from
//! the engine's clock (`JsmClient::with_clock`), and an acknowledged alert stays
//! acknowledged when its snooze ends, as on Opsgenie.

use std::time::Duration;

use chrono::{DateTime, Utc};
use oncall_fake_jsm as jsm;
use oncall_model::{Status, Urgency};
use oncall_store::AccountConfig;

use super::service::{FakeClock, Service};

/// A colleague, for what happens elsewhere.
const COLLEAGUE: &str = jsm::TEAMMATES[0];

impl Service for jsm::FakeJsm {
    type Running = jsm::RunningFake;

    const TOKEN: &'static str = jsm::API_TOKEN;
    // The fake's 429 below says `Retry-After: 120`.
    const RATE_LIMIT_RESET: Option<Duration> = Some(Duration::from_secs(120));
    const SNOOZE_NEEDS_ACK: bool = false;
    const SNOOZE_END_FROM_HOST_CLOCK: bool = false;

    fn new() -> Self {
        jsm::FakeJsm::new()
    }
    fn set_clock(&self, clock: FakeClock) {
        jsm::FakeJsm::set_clock(self, clock);
    }
    async fn serve(&self) -> Self::Running {
        jsm::FakeJsm::serve(self, "127.0.0.1:0".parse().unwrap())
            .await
            .unwrap()
    }
    fn url(running: &Self::Running) -> String {
        running.url.clone()
    }
    async fn shutdown(running: Self::Running) {
        running.shutdown().await;
    }
    fn account_config(name: &str, url: &str) -> AccountConfig {
        AccountConfig::jsm(name, url.parse().unwrap(), url.parse().unwrap(), jsm::EMAIL)
    }

    fn trigger(&self, title: &str, urgency: Urgency) -> String {
        let priority = match urgency {
            Urgency::High => "P1",
            _ => "P3",
        };
        self.create_alert(jsm::NewAlert::new(title).priority(priority))
    }
    fn status(&self, id: &str) -> Status {
        let alert = self.alert(id).unwrap();
        if alert.status == "closed" {
            Status::Resolved
        } else if alert.acknowledged {
            Status::Acknowledged
        } else {
            Status::Triggered
        }
    }
    fn snoozed_until(&self, id: &str) -> Option<DateTime<Utc>> {
        let alert = self.alert(id).unwrap();
        alert.snoozed_until.filter(|_| alert.snoozed)
    }
    fn acknowledge_elsewhere(&self, id: &str, by_me: bool) {
        let who = if by_me { jsm::EMAIL } else { COLLEAGUE };
        jsm::FakeJsm::acknowledge_elsewhere(self, id, who);
    }
    fn retrigger(&self, id: &str) {
        self.unacknowledge_elsewhere(id, COLLEAGUE);
    }

    fn poll_requests(&self) -> usize {
        self.requests()
            .iter()
            .filter(|r| r.method == "GET" && r.path.ends_with("/v1/alerts"))
            .count()
    }
    fn ack_requests(&self) -> usize {
        self.requests()
            .iter()
            .filter(|r| r.method == "POST" && r.path.ends_with("/acknowledge"))
            .count()
    }
    fn ack_requests_for(n: usize) -> usize {
        // No bulk action: one POST per alert.
        n
    }
    fn all_requests(&self) -> usize {
        self.requests().len()
    }
    fn check_ack_sent(&self, id: &str) {
        let requests = self.requests();
        let post = requests
            .iter()
            .find(|r| r.method == "POST")
            .expect("an action was posted");
        assert_eq!(
            post.path,
            format!("/jsm/ops/api/{}/v1/alerts/{id}/acknowledge", jsm::CLOUD_ID)
        );
        assert!(post
            .header("authorization")
            .is_some_and(|a| a.starts_with("Basic ")));
        assert_eq!(post.status, 202);
        // The 202 only queues it: the client asked for the outcome before reporting it.
        assert!(
            requests.iter().any(|r| r.method == "GET"
                && r.path.contains("/v1/alerts/requests/")
                && r.status == 200),
            "the request status was confirmed: {requests:#?}"
        );
        let alert = self.alert(id).unwrap();
        assert!(alert.acknowledged);
        assert_eq!(alert.acknowledged_by.as_deref(), Some(jsm::EMAIL));
    }

    fn inject_rate_limit(&self, times: u32) {
        self.inject(jsm::Fault {
            route: jsm::Route::ListAlerts,
            kind: jsm::FaultKind::RateLimited {
                retry_after_secs: Some(120),
            },
            times,
        });
    }
    fn inject_unauthorized(&self, times: u32) {
        // The API's requests: the site takes no credential, so it cannot refuse one.
        self.inject(jsm::Fault {
            route: jsm::Route::Api,
            kind: jsm::FaultKind::Unauthorized,
            times,
        });
    }
    fn inject_server_error(&self, status: u16, times: u32) {
        self.inject(jsm::Fault {
            route: jsm::Route::ListAlerts,
            kind: jsm::FaultKind::ServerError(status),
            times,
        });
    }
    fn inject_dropped_connection(&self, times: u32) {
        self.inject(jsm::Fault {
            route: jsm::Route::ListAlerts,
            kind: jsm::FaultKind::DropConnection,
            times,
        });
    }
}

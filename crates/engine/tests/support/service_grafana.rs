//! The fake Grafana OnCall as the scenarios drive it ([`Service`]).
//!
//! Alert groups have no priority, so every one pages with high urgency; a low-urgency
//! trigger comes from an integration the account's noise rules lower
//! (`[accounts.noise.urgency]`), which is how a Grafana OnCall user gets one. A poll is
//! two list requests (`state=new`, then `state=acknowledged`): `poll_requests` counts
//! the first, one per poll.

use std::time::Duration;

use chrono::{DateTime, Utc};
use oncall_fake_grafana_oncall as go;
use oncall_model::{Status, Urgency};
use oncall_store::AccountConfig;

use super::service::{FakeClock, Service};

/// A colleague's user id, for what happens elsewhere.
const COLLEAGUE: &str = "UCOLLEAGUE001";
/// The integration whose alert groups the account's noise rules make low urgency: the
/// fake's second integration (its first is the default one).
const LOW_URGENCY_INTEGRATION: &str = "C000000000002";

impl Service for go::FakeGrafanaOnCall {
    type Running = go::RunningFake;

    const TOKEN: &'static str = go::API_KEY;
    // The fake's 429 says `Retry-After: 120`.
    const RATE_LIMIT_RESET: Option<Duration> = Some(Duration::from_secs(120));
    const SNOOZE_NEEDS_ACK: bool = false;
    // `delay` is a duration: the fake computes the end on its own clock.
    const SNOOZE_END_FROM_HOST_CLOCK: bool = false;

    fn new() -> Self {
        let fake = go::FakeGrafanaOnCall::new();
        let low = fake.add_integration("Batch jobs");
        assert_eq!(low, LOW_URGENCY_INTEGRATION, "the fake's ids changed");
        fake
    }
    fn set_clock(&self, clock: FakeClock) {
        go::FakeGrafanaOnCall::set_clock(self, clock);
    }
    async fn serve(&self) -> Self::Running {
        go::FakeGrafanaOnCall::serve(self, "127.0.0.1:0".parse().unwrap())
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
        let mut config = AccountConfig::grafana_oncall(name, url.parse().unwrap());
        config
            .noise
            .urgency
            .push((LOW_URGENCY_INTEGRATION.to_owned(), Urgency::Low));
        config
    }

    fn trigger(&self, title: &str, urgency: Urgency) -> String {
        let mut new = go::NewAlertGroup::new(title);
        if urgency == Urgency::Low {
            new = new.integration(LOW_URGENCY_INTEGRATION);
        }
        self.create_alert_group(new)
    }
    fn status(&self, id: &str) -> Status {
        match self.alert_group(id).unwrap().state {
            go::GroupState::New => Status::Triggered,
            // A silenced group needs no attention: the client shows it acknowledged.
            go::GroupState::Acknowledged | go::GroupState::Silenced => Status::Acknowledged,
            go::GroupState::Resolved => Status::Resolved,
        }
    }
    fn snoozed_until(&self, id: &str) -> Option<DateTime<Utc>> {
        let group = self.alert_group(id).unwrap();
        group
            .silenced_until
            .filter(|_| group.state == go::GroupState::Silenced)
    }
    fn acknowledge_elsewhere(&self, id: &str, by_me: bool) {
        let who = if by_me { go::USER_ID } else { COLLEAGUE };
        go::FakeGrafanaOnCall::acknowledge_elsewhere(self, id, who);
    }
    fn retrigger(&self, id: &str) {
        self.unacknowledge_elsewhere(id, COLLEAGUE);
    }

    fn poll_requests(&self) -> usize {
        self.requests()
            .iter()
            .filter(|r| {
                r.method == "GET"
                    && r.path == "/api/v1/alert_groups/"
                    && r.query.split('&').any(|p| p == "state=new")
                    && !r.query.split('&').any(|p| p.starts_with("page="))
            })
            .count()
    }
    fn ack_requests(&self) -> usize {
        self.requests()
            .iter()
            .filter(|r| {
                r.method == "POST"
                    && r.path.starts_with("/api/v1/alert_groups/")
                    && r.path.ends_with("/acknowledge")
            })
            .count()
    }
    fn ack_requests_for(n: usize) -> usize {
        // No bulk action: one POST per alert group.
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
        assert_eq!(post.path, format!("/api/v1/alert_groups/{id}/acknowledge"));
        assert_eq!(post.header("authorization"), Some(go::API_KEY));
        assert_eq!(post.status, 200, "synchronous: the answer is the outcome");
        let group = self.alert_group(id).unwrap();
        assert_eq!(group.state, go::GroupState::Acknowledged);
        assert_eq!(group.acknowledged_by.as_deref(), Some(go::USER_ID));
    }

    fn inject_rate_limit(&self, times: u32) {
        self.inject(go::Fault {
            route: go::Route::ListAlertGroups,
            kind: go::FaultKind::RateLimited {
                retry_after_secs: Some(120),
            },
            times,
        });
    }
    fn inject_unauthorized(&self, times: u32) {
        self.inject(go::Fault {
            route: go::Route::Any,
            kind: go::FaultKind::Unauthorized,
            times,
        });
    }
    fn inject_server_error(&self, status: u16, times: u32) {
        self.inject(go::Fault {
            route: go::Route::ListAlertGroups,
            kind: go::FaultKind::ServerError(status),
            times,
        });
    }
    fn inject_dropped_connection(&self, times: u32) {
        self.inject(go::Fault {
            route: go::Route::ListAlertGroups,
            kind: go::FaultKind::DropConnection,
            times,
        });
    }
}

//! The incident services the scenarios run against, behind one small trait: each fake
//! says how to trigger, acknowledge or re-trigger "elsewhere", how to inject the faults
//! the scenarios need, and what the engine's requests look like on its wire.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use oncall_fake_opsgenie as og;
use oncall_fake_pagerduty as pd;
use oncall_model::{Status, Urgency};
use oncall_store::AccountConfig;

/// The fakes' source of "now" (both fakes take the same shape).
pub type FakeClock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// A fake incident service on loopback, as the scenarios drive it.
pub trait Service: Clone + Send + Sync + 'static {
    /// The served fake (shut down to simulate losing the network).
    type Running: Send;

    /// The token the fake accepts.
    const TOKEN: &'static str;
    /// What the service's 429 says to wait, if anything (PagerDuty's
    /// `ratelimit-reset`); `None` leaves the wait to the engine's backoff.
    const RATE_LIMIT_RESET: Option<Duration>;
    /// Whether the service snoozes only acknowledged incidents (PagerDuty: 1012
    /// "Incident is not Acknowledged"). Opsgenie snoozes open alerts, and in the fake an
    /// acknowledged alert stays acknowledged when its snooze ends (so it never re-pages).
    const SNOOZE_NEEDS_ACK: bool;
    /// Whether the client computes a snooze's end from the host's clock instead of
    /// leaving it to the service (Opsgenie's `endTime` is absolute and
    /// `oncall-opsgenie` takes it from `Utc::now()`, not from the engine's `Clock`).
    const SNOOZE_END_FROM_HOST_CLOCK: bool;

    fn new() -> Self;
    fn set_clock(&self, clock: FakeClock);
    fn serve(&self) -> impl Future<Output = Self::Running>;
    fn url(running: &Self::Running) -> String;
    fn shutdown(running: Self::Running) -> impl Future<Output = ()>;
    /// The scenarios' account on this service, every other key at its default.
    fn account_config(name: &str, url: &str) -> AccountConfig;

    /// An incident/alert fires; returns its id.
    fn trigger(&self, title: &str, urgency: Urgency) -> String;
    /// The service's word on it (Opsgenie: closed → resolved, acknowledged →
    /// acknowledged, else triggered).
    fn status(&self, id: &str) -> Status;
    /// When its snooze ends, while snoozed.
    fn snoozed_until(&self, id: &str) -> Option<DateTime<Utc>>;
    /// Acknowledged from the web UI or a phone, by the user (`by_me`) or a colleague.
    fn acknowledge_elsewhere(&self, id: &str, by_me: bool);
    /// An acknowledged incident needs attention again (PagerDuty: ack timeout;
    /// Opsgenie: un-acknowledged elsewhere).
    fn retrigger(&self, id: &str);

    /// Requests that list incidents (one per poll of a single page).
    fn poll_requests(&self) -> usize;
    /// Requests that carry acknowledgements.
    fn ack_requests(&self) -> usize;
    /// How many such requests acknowledging `n` incidents at once takes.
    fn ack_requests_for(n: usize) -> usize;
    /// Every request the fake received.
    fn all_requests(&self) -> usize;
    /// Service-specific checks that the acknowledgement of `id` was sent as it should be.
    fn check_ack_sent(&self, id: &str);

    /// The next `times` polls are answered 429.
    fn inject_rate_limit(&self, times: u32);
    /// The next `times` requests of any kind are answered 401.
    fn inject_unauthorized(&self, times: u32);
    /// The next `times` polls are answered with that HTTP status.
    fn inject_server_error(&self, status: u16, times: u32);
    /// The next `times` polls lose their connection.
    fn inject_dropped_connection(&self, times: u32);
}

impl Service for pd::FakePagerDuty {
    type Running = pd::RunningFake;

    const TOKEN: &'static str = "fake-token-pat";
    const RATE_LIMIT_RESET: Option<Duration> = Some(Duration::from_secs(120));
    const SNOOZE_NEEDS_ACK: bool = true;
    const SNOOZE_END_FROM_HOST_CLOCK: bool = false;

    fn new() -> Self {
        pd::FakePagerDuty::new()
    }
    fn set_clock(&self, clock: FakeClock) {
        pd::FakePagerDuty::set_clock(self, clock);
    }
    async fn serve(&self) -> Self::Running {
        pd::FakePagerDuty::serve(self, "127.0.0.1:0".parse().unwrap())
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
        AccountConfig::pagerduty(name, url.parse().unwrap())
    }

    fn trigger(&self, title: &str, urgency: Urgency) -> String {
        pd::FakePagerDuty::trigger(self, pd::NewIncident::new(title).urgency(urgency))
    }
    fn status(&self, id: &str) -> Status {
        self.incident(id).unwrap().status
    }
    fn snoozed_until(&self, id: &str) -> Option<DateTime<Utc>> {
        self.incident(id).unwrap().snoozed_until
    }
    fn acknowledge_elsewhere(&self, id: &str, by_me: bool) {
        self.acknowledge(id, if by_me { "PUSER01" } else { "PUSER02" });
    }
    fn retrigger(&self, id: &str) {
        pd::FakePagerDuty::retrigger(self, id);
    }

    fn poll_requests(&self) -> usize {
        count(
            self.requests().iter().map(|r| (&r.method, &r.path)),
            |m, p| m == "GET" && p == "/incidents",
        )
    }
    fn ack_requests(&self) -> usize {
        count(
            self.requests().iter().map(|r| (&r.method, &r.path)),
            |m, p| m == "PUT" && p == "/incidents",
        )
    }
    fn ack_requests_for(_n: usize) -> usize {
        // `PUT /incidents` takes up to 250 at once.
        1
    }
    fn all_requests(&self) -> usize {
        self.requests().len()
    }
    fn check_ack_sent(&self, id: &str) {
        let put = self
            .requests()
            .into_iter()
            .find(|r| r.method == "PUT")
            .unwrap();
        assert_eq!(put.header("from"), Some("pat@example.com"));
        assert_eq!(
            self.incident(id).unwrap().acknowledged_by,
            vec!["PUSER01".to_string()]
        );
    }

    fn inject_rate_limit(&self, times: u32) {
        self.inject(pd::Fault {
            route: pd::Route::ListIncidents,
            kind: pd::FaultKind::RateLimited {
                reset_secs: Some(120),
                retry_after_secs: None,
                with_body: true,
            },
            times,
        });
    }
    fn inject_unauthorized(&self, times: u32) {
        self.inject(pd::Fault {
            route: pd::Route::Any,
            kind: pd::FaultKind::Unauthorized,
            times,
        });
    }
    fn inject_server_error(&self, status: u16, times: u32) {
        self.inject(pd::Fault {
            route: pd::Route::ListIncidents,
            kind: pd::FaultKind::ServerError(status),
            times,
        });
    }
    fn inject_dropped_connection(&self, times: u32) {
        self.inject(pd::Fault {
            route: pd::Route::ListIncidents,
            kind: pd::FaultKind::DropConnection,
            times,
        });
    }
}

/// The user's and a colleague's names as Opsgenie's alert log shows them.
const OG_ME: &str = "pat@example.com";
const OG_COLLEAGUE: &str = "sam@example.com";

impl Service for og::FakeOpsgenie {
    type Running = og::RunningFake;

    const TOKEN: &'static str = og::API_KEY;
    // `X-RateLimit-Period-In-Sec` is the window's length, not the time left in it.
    const RATE_LIMIT_RESET: Option<Duration> = None;
    const SNOOZE_NEEDS_ACK: bool = false;
    const SNOOZE_END_FROM_HOST_CLOCK: bool = true;

    fn new() -> Self {
        og::FakeOpsgenie::new()
    }
    fn set_clock(&self, clock: FakeClock) {
        og::FakeOpsgenie::set_clock(self, clock);
    }
    async fn serve(&self) -> Self::Running {
        og::FakeOpsgenie::serve(self, "127.0.0.1:0".parse().unwrap())
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
        AccountConfig::opsgenie(name, url.parse().unwrap())
    }

    fn trigger(&self, title: &str, urgency: Urgency) -> String {
        // P1/P2 page with high urgency by default; Opsgenie's default priority is P3.
        let priority = match urgency {
            Urgency::High => "P1",
            _ => "P3",
        };
        self.create_alert(og::NewAlert::new(title).priority(priority))
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
        og::FakeOpsgenie::acknowledge_elsewhere(self, id, if by_me { OG_ME } else { OG_COLLEAGUE });
    }
    fn retrigger(&self, id: &str) {
        self.unacknowledge_elsewhere(id, OG_COLLEAGUE);
    }

    fn poll_requests(&self) -> usize {
        count(
            self.requests().iter().map(|r| (&r.method, &r.path)),
            |m, p| m == "GET" && p == "/v2/alerts",
        )
    }
    fn ack_requests(&self) -> usize {
        count(
            self.requests().iter().map(|r| (&r.method, &r.path)),
            |m, p| m == "POST" && p.starts_with("/v2/alerts/") && p.ends_with("/acknowledge"),
        )
    }
    fn ack_requests_for(n: usize) -> usize {
        // Opsgenie has no bulk action: one POST per alert.
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
        assert_eq!(post.path, format!("/v2/alerts/{id}/acknowledge"));
        assert_eq!(post.query, "identifierType=id");
        assert_eq!(
            post.header("authorization"),
            Some(format!("GenieKey {}", og::API_KEY).as_str())
        );
        assert_eq!(post.status, 202);
        // The 202 only queues it: the client asked for the outcome before reporting it.
        assert!(
            requests.iter().any(|r| r.method == "GET"
                && r.path.starts_with("/v2/alerts/requests/")
                && r.status == 200),
            "the request status was confirmed: {requests:#?}"
        );
        let alert = self.alert(id).unwrap();
        assert!(alert.acknowledged);
        assert!(alert.acknowledged_by.is_some());
    }

    fn inject_rate_limit(&self, times: u32) {
        self.inject(og::Fault {
            route: og::Route::ListAlerts,
            kind: og::FaultKind::RateLimited {
                period_secs: Some(60),
            },
            times,
        });
    }
    fn inject_unauthorized(&self, times: u32) {
        self.inject(og::Fault {
            route: og::Route::Any,
            kind: og::FaultKind::Unauthorized,
            times,
        });
    }
    fn inject_server_error(&self, status: u16, times: u32) {
        self.inject(og::Fault {
            route: og::Route::ListAlerts,
            kind: og::FaultKind::ServerError(status),
            times,
        });
    }
    fn inject_dropped_connection(&self, times: u32) {
        self.inject(og::Fault {
            route: og::Route::ListAlerts,
            kind: og::FaultKind::DropConnection,
            times,
        });
    }
}

fn count<'a>(
    requests: impl Iterator<Item = (&'a String, &'a String)>,
    matches: impl Fn(&str, &str) -> bool,
) -> usize {
    requests.filter(|(m, p)| matches(m, p)).count()
}

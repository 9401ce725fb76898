//! Shared set-up: a fake PagerDuty on 127.0.0.1:0 and a client pointed at it.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use oncall_fake_pagerduty::{FakePagerDuty, RecordedRequest, RunningFake};
use oncall_pagerduty::{Credential, PagerDutyClient, PagerDutyConfig};
pub use oncall_test_support::pagerduty::{config, secret, PAT_TOKEN};

/// The seeded user the tests act as.
pub const PAT: &str = "PUSER01";
pub const PAT_EMAIL: &str = "pat@example.com";
pub const SAM: &str = "PUSER02";

/// A running fake and a client for Pat. Dropping it stops the fake.
pub struct Harness {
    pub fake: FakePagerDuty,
    pub server: RunningFake,
    pub client: PagerDutyClient,
    /// The fake's clock; see [`Harness::advance`].
    clock: Arc<Mutex<DateTime<Utc>>>,
}

impl Harness {
    pub async fn start() -> Harness {
        Harness::start_with(|_| {}).await
    }

    /// Starts the fake, then builds the client from a default config changed by `tweak`.
    pub async fn start_with(tweak: impl FnOnce(&mut PagerDutyConfig)) -> Harness {
        let fake = FakePagerDuty::new();
        // A clock the tests move by hand, so that "later" is never the same second.
        let clock = Arc::new(Mutex::new(
            Utc.with_ymd_and_hms(2024, 5, 1, 9, 0, 0).unwrap(),
        ));
        let reader = clock.clone();
        fake.set_clock(Arc::new(move || *reader.lock().unwrap()));
        let server = fake
            .serve("127.0.0.1:0".parse().unwrap())
            .await
            .expect("fake binds a loopback port");
        let mut config = config(&server.url, Credential::ApiToken(secret(PAT_TOKEN)));
        tweak(&mut config);
        let client = PagerDutyClient::new(config)
            .expect("client for the fake")
            .with_clock(clock_of(&clock));
        Harness {
            fake,
            server,
            client,
            clock,
        }
    }

    /// Another client (same fake) from a config changed by `tweak`.
    pub fn client_with(&self, tweak: impl FnOnce(&mut PagerDutyConfig)) -> PagerDutyClient {
        let mut config = config(&self.server.url, Credential::ApiToken(secret(PAT_TOKEN)));
        tweak(&mut config);
        PagerDutyClient::new(config)
            .expect("client for the fake")
            .with_clock(clock_of(&self.clock))
    }

    pub fn now(&self) -> DateTime<Utc> {
        *self.clock.lock().unwrap()
    }

    /// Moves the fake's clock forward.
    pub fn advance(&self, by: Duration) {
        let mut now = self.clock.lock().unwrap();
        *now += chrono::Duration::from_std(by).unwrap();
    }

    /// The requests the client made, `/_fake/` control requests excluded.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.fake.requests()
    }

    pub fn requests_to(&self, method: &str, path: &str) -> Vec<RecordedRequest> {
        self.requests()
            .into_iter()
            .filter(|r| r.method == method && r.path == path)
            .collect()
    }
}

/// The client asks about on-calls on the fake's clock, so "now" is the same on both sides.
fn clock_of(clock: &Arc<Mutex<DateTime<Utc>>>) -> oncall_model::WallClock {
    let reader = clock.clone();
    Arc::new(move || *reader.lock().unwrap())
}

/// All values of a query parameter (`key[]` included), decoded.
pub fn query_values(request: &RecordedRequest, key: &str) -> Vec<String> {
    url::form_urlencoded::parse(request.query.as_bytes())
        .filter(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
        .collect()
}

//! A storm: 2,000 open incidents arrive between two polls of the release
//! `oncall-tray --headless` (default `storm_threshold`), measured from outside: the
//! notifications it sends, the CPU time it uses for that poll (and for the next, steady
//! poll of the same 2,000) and its memory afterwards.

use std::time::Duration;

use anyhow::Context as _;
use oncall_fake_pagerduty::{FakePagerDuty, NewIncident};
use oncall_model::Urgency;
use oncall_notification_recorder::Recorder;

use crate::app::{self, App, Setup};
use crate::procfs::{self, Cpu, Memory};

pub struct Storm {
    pub incidents: usize,
    /// Notifications sent because of the storm.
    pub notifications: usize,
    /// CPU of the poll that found the storm (fetch of every page, decode, policy,
    /// state.json, the notification).
    pub storm_cpu: Cpu,
    /// CPU of the next poll, when the same incidents are still open.
    pub steady_cpu: Cpu,
    pub requests_per_poll: usize,
    pub before: Memory,
    pub after: Memory,
}

/// Long enough that nothing else happens between the storm poll and its measurement.
const POLL_SECONDS: u64 = 10;

pub async fn run(bus: &str, recorder: &Recorder, incidents: usize) -> anyhow::Result<Storm> {
    let fake = FakePagerDuty::new();
    let server = fake.serve("127.0.0.1:0".parse()?).await?;
    recorder.clear();
    let app = App::start(
        bus,
        &Setup {
            api_url: &server.url,
            poll_seconds: POLL_SECONDS,
            storm_threshold: 3,
        },
    )?;
    let pids = vec![app.pid()];
    let result = async {
        app::wait_requests(
            &fake,
            Duration::from_secs(20),
            "the app's first poll",
            |r| app::polls(r) >= 1,
        )
        .await?;
        // Quiet: the first poll's /oncalls and state file are done.
        tokio::time::sleep(Duration::from_secs(2)).await;
        let before = procfs::memory(&pids);
        let notified0 = recorder.notifications().len();
        let polls0 = app::polls(&fake.requests());
        for i in 0..incidents {
            let urgency = if i % 4 == 0 {
                Urgency::Low
            } else {
                Urgency::High
            };
            fake.trigger(
                NewIncident::new(format!("Storm incident {i}: p99 latency above SLO"))
                    .urgency(urgency),
            );
        }
        if app::polls(&fake.requests()) != polls0 {
            anyhow::bail!(
                "a poll ran while the storm was being triggered: it did not arrive in one poll"
            );
        }
        let cpu0 = procfs::cpu(&pids);
        // The storm poll ends with its notification…
        recorder
            .wait_for(Duration::from_secs(POLL_SECONDS + 20), |n| {
                n.len() > notified0
            })
            .await
            .context("the storm's notification")?;
        // …and the app is idle again well before the next poll.
        tokio::time::sleep(Duration::from_secs(2)).await;
        let storm_cpu = procfs::cpu(&pids).since(cpu0);
        let after = procfs::memory(&pids);
        let notifications = recorder.notifications().len() - notified0;
        let requests_per_poll = app::polls(&fake.requests()) - polls0;

        // The next poll finds the same 2,000: a steady poll.
        let cpu1 = procfs::cpu(&pids);
        let polls1 = app::polls(&fake.requests());
        app::wait_requests(
            &fake,
            Duration::from_secs(POLL_SECONDS + 20),
            "the next poll",
            |r| app::polls(r) >= polls1 + requests_per_poll,
        )
        .await?;
        tokio::time::sleep(Duration::from_secs(2)).await;
        let steady_cpu = procfs::cpu(&pids).since(cpu1);
        Ok(Storm {
            incidents,
            notifications,
            storm_cpu,
            steady_cpu,
            requests_per_poll,
            before,
            after,
        })
    }
    .await;
    let log = app.log();
    app.stop().await;
    server.shutdown().await;
    result.with_context(|| format!("the storm; the app's log:\n{log}"))
}

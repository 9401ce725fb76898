//! Button press → acknowledgement on the wire: the notification recorder presses
//! Acknowledge (`ActionInvoked`, as a desktop does) and a watcher thread reads the fake's
//! request log every 0.2 ms until the `PUT /incidents` naming that incident arrives.

use std::time::{Duration, Instant, SystemTime};

use anyhow::{bail, Context as _};
use oncall_fake_pagerduty::{FakePagerDuty, NewIncident};
use oncall_notification_recorder::Recorder;

use crate::app::{self, App, Setup};
use crate::stats::Sample;

pub struct Ack {
    pub presses: usize,
    pub latency: Sample,
    /// Requests per press: the write, and the refresh poll that follows it.
    pub requests_per_press: f64,
}

pub async fn run(bus: &str, recorder: &Recorder, presses: usize) -> anyhow::Result<Ack> {
    let fake = FakePagerDuty::new();
    let server = fake.serve("127.0.0.1:0".parse()?).await?;
    recorder.clear();
    // The default poll interval: the press does not wait for a poll.
    let app = App::start(
        bus,
        &Setup {
            api_url: &server.url,
            poll_seconds: 15,
            storm_threshold: 1000,
        },
    )?;
    let result = async {
        app::wait_requests(
            &fake,
            Duration::from_secs(20),
            "the app's first poll",
            |r| app::polls(r) >= 1,
        )
        .await?;
        let mut ids = Vec::new();
        for i in 0..presses {
            ids.push(fake.trigger(NewIncident::new(format!("Bench ack A{i:03}"))));
        }
        let seen = recorder
            .wait_for(Duration::from_secs(40), |n| {
                n.iter().filter(|n| n.summary.contains("Bench ack")).count() >= presses
            })
            .await?;
        tokio::time::sleep(Duration::from_secs(1)).await;
        let mut latency = Sample::default();
        let mut requests = 0;
        for (i, id) in ids.iter().enumerate() {
            let tag = format!("A{i:03}");
            let note = seen
                .iter()
                .find(|n| n.summary.ends_with(&tag))
                .context("the page for an incident")?;
            recorder
                .wait_for_listener(note.id, Duration::from_secs(10))
                .await?;
            fake.clear_requests();
            let watcher = {
                let fake = fake.clone();
                let id = id.clone();
                std::thread::spawn(move || -> Option<SystemTime> {
                    let deadline = Instant::now() + Duration::from_secs(10);
                    while Instant::now() < deadline {
                        if fake.requests().iter().any(|r| {
                            r.method == "PUT"
                                && r.path.starts_with("/incidents")
                                && r.body.contains(&id)
                        }) {
                            return Some(SystemTime::now());
                        }
                        std::thread::sleep(Duration::from_micros(200));
                    }
                    None
                })
            };
            let pressed = SystemTime::now();
            recorder.press(note.id, "ack").await?;
            let on_wire = tokio::task::spawn_blocking(move || watcher.join())
                .await?
                .map_err(|_| anyhow::anyhow!("the watcher thread panicked"))?;
            let Some(on_wire) = on_wire else {
                bail!("no PUT /incidents for {id} within 10 s of the press");
            };
            latency.push(on_wire.duration_since(pressed).unwrap_or_default());
            // The refresh poll the app makes after every action, then quiet.
            app::wait_requests(&fake, Duration::from_secs(10), "the refresh poll", |r| {
                app::polls(r) >= 1
            })
            .await?;
            tokio::time::sleep(Duration::from_millis(300)).await;
            requests += fake.requests().len();
        }
        Ok(Ack {
            presses,
            latency,
            requests_per_press: requests as f64 / presses as f64,
        })
    }
    .await;
    let log = app.log();
    app.stop().await;
    server.shutdown().await;
    result.with_context(|| format!("acknowledgement on the wire; the app's log:\n{log}"))
}

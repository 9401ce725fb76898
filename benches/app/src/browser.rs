//! The reference an engineer would otherwise use: the same incident list held in a
//! headless Chromium tab that polls the fake every N seconds, as the browser-extension
//! notifiers do (`page.html`).
//!
//! The page is served from a loopback origin of its own, which forwards the page's
//! `/pd/*` requests to the fake PagerDuty (so the fake needs no CORS headers and is not
//! changed for this); the forwarding costs well under a millisecond on loopback. The
//! page reports each new incident id with a `POST /seen`, timestamped here on arrival.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use anyhow::{bail, Context as _};
use axum::body::Bytes;
use axum::extract::{Query, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use tempfile::TempDir;
use tokio::process::{Child, Command};
use tokio::task::JoinHandle;

use crate::procfs;

const PAGE: &str = include_str!("page.html");

/// Where Debian's `chromium` package puts the browser (or `$ONCALL_BENCH_CHROMIUM`).
pub fn chromium_binary() -> Option<PathBuf> {
    let path = std::env::var_os("ONCALL_BENCH_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    path.exists().then_some(path)
}

#[derive(Default)]
struct Shared {
    /// The fake's base URL the page's polls go to.
    upstream: Mutex<String>,
    /// First arrival of each id the page reported as new.
    seen: Mutex<HashMap<String, SystemTime>>,
    polls: AtomicUsize,
    ready: AtomicUsize,
    errors: Mutex<Vec<String>>,
    client: reqwest::Client,
}

/// The page's origin on loopback.
pub struct PageServer {
    pub url: String,
    shared: Arc<Shared>,
    task: JoinHandle<()>,
}

impl PageServer {
    pub async fn start() -> anyhow::Result<PageServer> {
        let shared = Arc::new(Shared::default());
        let router = Router::new()
            .route("/page", get(page))
            .route("/pd/incidents", get(forward))
            .route("/seen", post(seen))
            .route("/ready", post(ready))
            .route("/error", post(error))
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}", listener.local_addr()?);
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        Ok(PageServer { url, shared, task })
    }

    /// Points the page's polls at a fake and forgets what earlier pages reported.
    pub fn reset(&self, upstream: &str) {
        *self.shared.upstream.lock().unwrap() = upstream.to_owned();
        self.shared.seen.lock().unwrap().clear();
        self.shared.errors.lock().unwrap().clear();
        self.shared.polls.store(0, Ordering::SeqCst);
        self.shared.ready.store(0, Ordering::SeqCst);
    }

    pub fn page_url(&self, interval: Duration, token: &str) -> String {
        format!(
            "{}/page?interval_ms={}&token={token}",
            self.url,
            interval.as_millis()
        )
    }

    pub fn seen(&self, id: &str) -> Option<SystemTime> {
        self.shared.seen.lock().unwrap().get(id).copied()
    }

    pub fn polls(&self) -> usize {
        self.shared.polls.load(Ordering::SeqCst)
    }

    pub fn is_ready(&self) -> bool {
        self.shared.ready.load(Ordering::SeqCst) > 0
    }

    pub fn errors(&self) -> Vec<String> {
        self.shared.errors.lock().unwrap().clone()
    }

    pub fn stop(self) {
        self.task.abort();
    }
}

async fn page(Query(q): Query<HashMap<String, String>>) -> Html<String> {
    let interval: u64 = q
        .get("interval_ms")
        .and_then(|v| v.parse().ok())
        .unwrap_or(15_000);
    let token = q.get("token").cloned().unwrap_or_default();
    Html(
        PAGE.replace("__INTERVAL_MS__", &interval.to_string())
            .replace("__TOKEN__", &token),
    )
}

async fn forward(
    State(shared): State<Arc<Shared>>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    shared.polls.fetch_add(1, Ordering::SeqCst);
    let upstream = shared.upstream.lock().unwrap().clone();
    let url = format!("{upstream}/incidents?{}", query.unwrap_or_default());
    let mut request = shared.client.get(url);
    for name in ["authorization", "accept"] {
        if let Some(v) = headers.get(name).and_then(|v| v.to_str().ok()) {
            request = request.header(name, v);
        }
    }
    match request.send().await {
        Ok(reply) => {
            let status =
                StatusCode::from_u16(reply.status().as_u16()).unwrap_or(StatusCode::BAD_GATEWAY);
            let body = reply.bytes().await.unwrap_or_default();
            (status, [("content-type", "application/json")], body).into_response()
        }
        Err(e) => (StatusCode::BAD_GATEWAY, e.to_string()).into_response(),
    }
}

async fn seen(State(shared): State<Arc<Shared>>, body: Bytes) -> StatusCode {
    let at = SystemTime::now();
    let ids: Vec<String> = serde_json::from_slice(&body).unwrap_or_default();
    let mut seen = shared.seen.lock().unwrap();
    for id in ids {
        seen.entry(id).or_insert(at);
    }
    StatusCode::NO_CONTENT
}

async fn ready(State(shared): State<Arc<Shared>>) -> StatusCode {
    shared.ready.fetch_add(1, Ordering::SeqCst);
    StatusCode::NO_CONTENT
}

async fn error(State(shared): State<Arc<Shared>>, body: Bytes) -> StatusCode {
    shared
        .errors
        .lock()
        .unwrap()
        .push(String::from_utf8_lossy(&body).into_owned());
    StatusCode::NO_CONTENT
}

/// A headless Chromium showing one URL, in a new empty profile.
pub struct Chromium {
    child: Child,
    pid: u32,
    _home: TempDir,
}

impl Chromium {
    pub fn start(binary: &PathBuf, url: &str) -> anyhow::Result<Chromium> {
        let home = tempfile::tempdir()?;
        let log = std::fs::File::create(home.path().join("chromium.log"))?;
        let child = Command::new(binary)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ])
            .arg(format!(
                "--user-data-dir={}",
                home.path().join("profile").display()
            ))
            .arg(url)
            .env("HOME", home.path())
            .env("XDG_CONFIG_HOME", home.path().join("config"))
            .env("XDG_CACHE_HOME", home.path().join("cache"))
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY")
            .env_remove("DBUS_SESSION_BUS_ADDRESS")
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("starting {}", binary.display()))?;
        let pid = child.id().context("chromium's pid")?;
        Ok(Chromium {
            child,
            pid,
            _home: home,
        })
    }

    pub fn processes(&self) -> Vec<u32> {
        procfs::tree(self.pid)
    }

    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    pub async fn stop(mut self) {
        let _ = std::process::Command::new("kill")
            .args(["-TERM", &self.pid.to_string()])
            .status();
        if tokio::time::timeout(Duration::from_secs(5), self.child.wait())
            .await
            .is_err()
        {
            let _ = self.child.kill().await;
        }
    }
}

/// Waits until the page made its first poll (its baseline), or fails.
pub async fn wait_ready(
    server: &PageServer,
    chromium: &mut Chromium,
    timeout: Duration,
) -> anyhow::Result<()> {
    let deadline = std::time::Instant::now() + timeout;
    while !server.is_ready() {
        if !chromium.is_running() {
            bail!("chromium exited before the page polled");
        }
        if std::time::Instant::now() > deadline {
            bail!(
                "the page did not poll within {timeout:?} (errors: {:?})",
                server.errors()
            );
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Ok(())
}

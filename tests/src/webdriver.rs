//! The real app window, driven through WebDriver: tauri-driver in front of WebKitGTK's
//! WebKitWebDriver, under the test's own Xvfb display and D-Bus bus. The app is started
//! by the driver (as `oncall-tray --show …`), so it inherits the driver's environment:
//! the sandbox's config and data directories, the display and the bus.

use std::net::TcpListener;
use std::process::Stdio;
use std::time::{Duration, Instant};

use oncall_test_support::within;
use serde_json::{json, Value};
use tokio::process::{Child, Command};

use crate::desktop::Desktop;
use crate::{binary, Sandbox, TIMEOUT};

pub struct Driver {
    http: reqwest::Client,
    base: String,
    session: String,
    _driver: Child,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free loopback port")
        .port()
}

impl Driver {
    /// tauri-driver's process id: the app, its window and WebKit's processes are its
    /// descendants.
    pub fn pid(&self) -> u32 {
        self._driver.id().expect("tauri-driver is running")
    }

    /// Starts tauri-driver and a session running `oncall-tray ARGS`.
    pub async fn start(sandbox: &Sandbox, desktop: &Desktop, args: &[&str]) -> Driver {
        Driver::start_with(sandbox, desktop, args, &[], None).await
    }

    /// [`Driver::start`] with more environment for the app (which inherits
    /// tauri-driver's) and its output (stderr: the log) in `log`.
    pub async fn start_with(
        sandbox: &Sandbox,
        desktop: &Desktop,
        args: &[&str],
        env: &[(&str, &str)],
        log: Option<&std::path::Path>,
    ) -> Driver {
        let (port, native) = (free_port(), free_port());
        let runtime = sandbox.runtime_dir();
        let driver = Command::new("tauri-driver")
            .args([
                "--port",
                &port.to_string(),
                "--native-port",
                &native.to_string(),
            ])
            .env("ONCALL_TRAY_CONFIG_DIR", sandbox.config_dir())
            .env("ONCALL_TRAY_DATA_DIR", sandbox.data_dir())
            .env("ONCALL_TRAY_LOG_DIR", sandbox.log_dir())
            .env("DISPLAY", &desktop.display)
            .env("DBUS_SESSION_BUS_ADDRESS", &desktop.bus.address)
            .env("XDG_RUNTIME_DIR", runtime)
            // Start at login writes ~/.config/autostart: the sandbox's, not the user's.
            .env("XDG_CONFIG_HOME", sandbox.config_dir().join("xdg"))
            .env("GDK_BACKEND", "x11")
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(match log {
                Some(path) => Stdio::from(std::fs::File::create(path).expect("the log file")),
                None => Stdio::null(),
            })
            .kill_on_drop(true)
            .spawn()
            .expect("tauri-driver starts (cargo install tauri-driver --locked; ./dev test does)");
        let http = reqwest::Client::new();
        let base = format!("http://127.0.0.1:{port}");
        let capabilities = json!({"capabilities": {"alwaysMatch": {"tauri:options": {
            "application": binary(),
            "args": args,
        }}}});
        let deadline = Instant::now() + TIMEOUT;
        let session = loop {
            let reply = http
                .post(format!("{base}/session"))
                .json(&capabilities)
                .send()
                .await;
            if let Ok(reply) = reply {
                let body: Value = reply.json().await.expect("a WebDriver reply");
                match body["value"]["sessionId"].as_str() {
                    Some(id) => break id.to_string(),
                    None => panic!("no WebDriver session: {body}"),
                }
            }
            assert!(
                Instant::now() < deadline,
                "tauri-driver did not answer within {TIMEOUT:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        Driver {
            http,
            base,
            session,
            _driver: driver,
        }
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Value) -> Value {
        self.try_call(method, path, body)
            .await
            .unwrap_or_else(|value| panic!("WebDriver {path} failed: {value}"))
    }

    /// The command's value, or the whole reply when WebDriver reports an error.
    async fn try_call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Value,
    ) -> Result<Value, Value> {
        let url = format!("{}/session/{}{path}", self.base, self.session);
        let reply = self
            .http
            .request(method, url)
            .json(&body)
            .send()
            .await
            .expect("WebDriver answers");
        let value: Value = reply.json().await.expect("a WebDriver reply");
        if value["value"]["error"].is_string() {
            return Err(value);
        }
        Ok(value["value"].clone())
    }

    /// Runs `script` in the page and returns its result.
    pub async fn script(&self, script: &str) -> Value {
        self.call(
            reqwest::Method::POST,
            "/execute/sync",
            json!({"script": script, "args": []}),
        )
        .await
    }

    /// Waits until `script` returns true.
    pub async fn wait_for(&self, what: &str, script: &str) {
        let shown = within(TIMEOUT, || async move {
            (self.script(script).await == Value::Bool(true)).then_some(())
        })
        .await;
        if shown.is_none() {
            // What the user would have seen instead.
            let page = self
                .script("return document.body.innerText.slice(0, 3000)")
                .await;
            panic!(
                "the window never showed {what} within {TIMEOUT:?}; it showed:\n{}",
                page.as_str().unwrap_or_default()
            );
        }
    }

    /// Waits until the window shows its first view from the tray (its status line no
    /// longer says "Connecting…").
    pub async fn wait_for_first_view(&self) {
        self.wait_for(
            "the window's first view",
            "return document.getElementById('state').textContent !== 'Connecting…'",
        )
        .await;
    }

    /// Types `text` on the keyboard, one key press per character, into whatever has focus
    /// (WebDriver key actions).
    pub async fn keys(&self, text: &str) {
        let actions: Vec<Value> = text
            .chars()
            .flat_map(|c| {
                let key = c.to_string();
                [
                    json!({"type": "keyDown", "value": key}),
                    json!({"type": "keyUp", "value": key}),
                ]
            })
            .collect();
        self.call(
            reqwest::Method::POST,
            "/actions",
            json!({"actions": [{"type": "key", "id": "keyboard", "actions": actions}]}),
        )
        .await;
    }

    /// The WebDriver id of the element `css`, or WebDriver's error reply. Finding can
    /// fail with "stale element reference" when the page re-renders the element while
    /// WebKitWebDriver makes its handle: callers find it again.
    async fn try_element(&self, css: &str) -> Result<String, Value> {
        let element = self
            .try_call(
                reqwest::Method::POST,
                "/element",
                json!({"using": "css selector", "value": css}),
            )
            .await?;
        Ok(element
            .as_object()
            .and_then(|o| o.values().next())
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("no element {css}: {element}"))
            .to_string())
    }

    /// Runs `step` with the element `css`, finding it again while the page replaces it
    /// under WebDriver ("stale element reference"), for a few seconds.
    async fn with_element<T, F, Fut>(&self, css: &str, step: F) -> T
    where
        F: Fn(String) -> Fut,
        Fut: std::future::Future<Output = Result<T, Value>>,
    {
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        loop {
            let reply = match self.try_element(css).await {
                Ok(id) => match step(id).await {
                    Ok(done) => return done,
                    Err(reply) => reply,
                },
                Err(reply) => reply,
            };
            let stale = reply["value"]["error"].as_str() == Some("stale element reference");
            if !stale || std::time::Instant::now() > deadline {
                panic!("WebDriver on {css} failed: {reply}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Clicks the element `css` like a user (WebDriver element click).
    /// The element may be replaced between finding and clicking it (the page re-renders
    /// a list on every update); then it is found again, as a person's eyes would.
    ///
    /// It may also be covered or out of view for a moment (a banner appearing above it
    /// moves the rows down mid-click): WebDriver then says "not interactable" or
    /// "intercepted", and the click is tried again once it is in view, for a few
    /// seconds, as a person waits for the page to settle before clicking.
    pub async fn click(&self, css: &str) {
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        loop {
            let clicked = match self.try_element(css).await {
                Ok(id) => {
                    self.try_call(
                        reqwest::Method::POST,
                        &format!("/element/{id}/click"),
                        json!({}),
                    )
                    .await
                }
                Err(reply) => Err(reply),
            };
            let reply = match clicked {
                Ok(_) => return,
                Err(reply) => reply,
            };
            let error = reply["value"]["error"].as_str().unwrap_or_default();
            let settling = matches!(
                error,
                "stale element reference"
                    | "element not interactable"
                    | "element click intercepted"
            );
            if !settling || std::time::Instant::now() > deadline {
                panic!("WebDriver click on {css} failed: {reply}");
            }
            if error != "stale element reference" {
                // Into view, wherever the page moved it; a failure is retried anyway.
                let _ = self
                    .try_call(
                        reqwest::Method::POST,
                        "/execute/sync",
                        json!({
                            "script": "document.querySelector(arguments[0])\
                                ?.scrollIntoView({block: 'center'});",
                            "args": [css],
                        }),
                    )
                    .await;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Empties the field `css`, then types `text` into it like a user (WebDriver
    /// element clear and send keys).
    pub async fn fill(&self, css: &str, text: &str) {
        self.with_element(css, |id| async move {
            self.try_call(
                reqwest::Method::POST,
                &format!("/element/{id}/clear"),
                json!({}),
            )
            .await?;
            self.try_call(
                reqwest::Method::POST,
                &format!("/element/{id}/value"),
                json!({"text": text}),
            )
            .await
        })
        .await;
    }

    pub async fn quit(self) {
        let _ = self
            .http
            .delete(format!("{}/session/{}", self.base, self.session))
            .send()
            .await;
    }
}

//! A real Prometheus Alertmanager per test (Debian's `prometheus-alertmanager`), and the
//! "outside world" around it: the Prometheus that posts alerts and the colleague who
//! writes silences, both speaking the raw API. Each server runs on a free loopback port
//! with its own storage, so tests run in parallel and share nothing.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

/// Where Debian's `prometheus-alertmanager` package installs the server.
const AM_BIN: &str = "/usr/bin/prometheus-alertmanager";
/// How long a server may take to answer `/-/ready`.
const START_TIMEOUT: Duration = Duration::from_secs(20);
/// The user name our silences carry in these tests.
pub const ME: &str = "pat";

const CONFIG_YML: &str = r#"route:
  receiver: "null"
  group_wait: 1s
receivers:
  - name: "null"
"#;

/// Why a server did not come up.
enum NotReady {
    /// The process ended (most likely the port was taken meanwhile): try another port.
    Exited,
    TimedOut,
}
use NotReady::{Exited, TimedOut};

/// Waits for `/-/ready`, watching the process.
async fn wait_ready(
    child: &mut Child,
    http: &reqwest::Client,
    url: &str,
    basic: Option<&(String, String)>,
) -> Result<(), NotReady> {
    let ready = crate::within(START_TIMEOUT, || {
        let exited = child.try_wait().unwrap().is_some();
        let mut request = http.get(format!("{url}-/ready"));
        if let Some((user, password)) = basic {
            request = request.basic_auth(user, Some(password));
        }
        async move {
            if exited {
                return Some(Err(Exited));
            }
            match request.send().await {
                Ok(response) if response.status().is_success() => Some(Ok(())),
                _ => None,
            }
        }
    })
    .await;
    ready.unwrap_or(Err(TimedOut))
}

/// One Alertmanager process; killed (and its storage removed) on drop.
pub struct Alertmanager {
    child: Child,
    /// Kept for the process's life: config, storage, log.
    _dir: tempfile::TempDir,
    pub url: String,
    /// Basic-auth user and password the admin helpers send, when the server wants them.
    basic: Option<(String, String)>,
    http: reqwest::Client,
}

impl Alertmanager {
    pub async fn start() -> Self {
        Self::start_with(None, None).await
    }

    /// A server that requires basic auth (`--web.config.file` with a bcrypt hash).
    pub async fn start_with_basic_auth(user: &str, password: &str) -> Self {
        Self::start_with(Some((user.to_owned(), password.to_owned())), None).await
    }

    /// A server on https that requires a client certificate signed by `pki`'s CA.
    pub async fn start_with_tls(pki: &Pki) -> Self {
        Self::start_with(None, Some(pki)).await
    }

    async fn start_with(basic: Option<(String, String)>, tls: Option<&Pki>) -> Self {
        assert!(
            Path::new(AM_BIN).exists(),
            "{AM_BIN} is missing: install Debian's `prometheus-alertmanager` package \
             (apt-get install -y prometheus-alertmanager)"
        );
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("alertmanager.yml"), CONFIG_YML).unwrap();
        let mut web = String::new();
        if let Some((user, password)) = &basic {
            // Cost 4 (the minimum) keeps each authenticated request fast.
            let hash = bcrypt::hash(password, 4).unwrap();
            web.push_str(&format!("basic_auth_users:\n  {user}: \"{hash}\"\n"));
        }
        let mut http = reqwest::Client::builder().timeout(Duration::from_secs(5));
        if let Some(pki) = tls {
            web.push_str(&format!(
                "tls_server_config:\n  cert_file: {}\n  key_file: {}\n  \
                 client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: {}\n",
                pki.server_cert.display(),
                pki.server_key.display(),
                pki.ca.display()
            ));
            let ca = std::fs::read(&pki.ca).unwrap();
            let identity = std::fs::read(&pki.client_identity).unwrap();
            http = http
                .add_root_certificate(reqwest::Certificate::from_pem(&ca).unwrap())
                .identity(reqwest::Identity::from_pem(&identity).unwrap());
        }
        let http = http.build().unwrap();
        let web_config = (!web.is_empty()).then(|| {
            let path = dir.path().join("web.yml");
            std::fs::write(&path, &web).unwrap();
            path
        });
        let scheme = if tls.is_some() { "https" } else { "http" };
        // The port is free when we look and may be taken before the server binds it;
        // a server that exits at once is retried on another port.
        for attempt in 0..5 {
            let port = free_port();
            let url = format!("{scheme}://127.0.0.1:{port}/");
            let mut child = spawn(dir.path(), port, web_config.as_deref(), attempt);
            match wait_ready(&mut child, &http, &url, basic.as_ref()).await {
                Ok(()) => {
                    return Alertmanager {
                        child,
                        _dir: dir,
                        url,
                        basic,
                        http,
                    }
                }
                Err(Exited) => continue,
                Err(TimedOut) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    panic!(
                        "Alertmanager did not become ready within {START_TIMEOUT:?}; log:\n{}",
                        std::fs::read_to_string(log_path(dir.path(), attempt)).unwrap_or_default()
                    )
                }
            }
        }
        panic!(
            "Alertmanager exited at start five times; last log:\n{}",
            std::fs::read_to_string(log_path(dir.path(), 4)).unwrap_or_default()
        );
    }

    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let request = self.http.request(method, format!("{}{path}", self.url));
        match &self.basic {
            Some((user, password)) => request.basic_auth(user, Some(password)),
            None => request,
        }
    }

    /// What Prometheus does: `POST /api/v2/alerts` with one alert.
    pub async fn post_alert(&self, alert: &TestAlert) {
        let response = self
            .request(reqwest::Method::POST, "api/v2/alerts")
            .json(&json!([alert.to_json()]))
            .send()
            .await
            .unwrap();
        assert!(
            response.status().is_success(),
            "{:?}",
            response.text().await
        );
    }

    /// Prometheus resolving an alert: the same labels, `endsAt` in the past.
    pub async fn resolve_alert(&self, alert: &TestAlert) {
        let mut resolved = alert.clone();
        resolved.ends_at = Some(Utc::now() - chrono::Duration::seconds(1));
        self.post_alert(&resolved).await;
    }

    /// Every silence, as the raw JSON the server sends.
    pub async fn silences(&self) -> Vec<Value> {
        self.request(reqwest::Method::GET, "api/v2/silences")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// A colleague silencing alerts from the Alertmanager UI.
    pub async fn silence_as(
        &self,
        created_by: &str,
        comment: &str,
        labels: &[(&str, &str)],
    ) -> String {
        let matchers: Vec<Value> = labels
            .iter()
            .map(|(n, v)| json!({"name": n, "value": v, "isRegex": false, "isEqual": true}))
            .collect();
        let now = Utc::now();
        let response: Value = self
            .request(reqwest::Method::POST, "api/v2/silences")
            .json(&json!({
                "matchers": matchers,
                "startsAt": now,
                "endsAt": now + chrono::Duration::hours(1),
                "createdBy": created_by,
                "comment": comment,
            }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        response["silenceID"].as_str().unwrap().to_owned()
    }
}

impl Drop for Alertmanager {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn log_path(dir: &Path, attempt: u32) -> PathBuf {
    dir.join(format!("alertmanager-{attempt}.log"))
}

fn spawn(dir: &Path, port: u16, web_config: Option<&Path>, attempt: u32) -> Child {
    let log = std::fs::File::create(log_path(dir, attempt)).unwrap();
    let storage = dir.join(format!("data-{attempt}"));
    let mut command = Command::new(AM_BIN);
    command
        .arg(format!(
            "--config.file={}",
            dir.join("alertmanager.yml").display()
        ))
        .arg(format!("--storage.path={}", storage.display()))
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        // Empty: no cluster gossip, so no second port and no peers.
        .arg("--cluster.listen-address=")
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log);
    if let Some(web_config) = web_config {
        command.arg(format!("--web.config.file={}", web_config.display()));
    }
    command.spawn().expect("start prometheus-alertmanager")
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// An alert as Prometheus would post it.
#[derive(Clone, Debug)]
pub struct TestAlert {
    pub labels: Vec<(String, String)>,
    pub annotations: Vec<(String, String)>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: Option<DateTime<Utc>>,
    pub generator_url: Option<String>,
}

impl TestAlert {
    pub fn new(labels: &[(&str, &str)]) -> Self {
        TestAlert {
            labels: pairs(labels),
            annotations: Vec::new(),
            // Whole seconds, as Prometheus sends them, so comparisons are exact.
            starts_at: DateTime::from_timestamp(Utc::now().timestamp() - 60, 0).unwrap(),
            ends_at: None,
            generator_url: None,
        }
    }

    pub fn summary(mut self, summary: &str) -> Self {
        self.annotations.push(("summary".into(), summary.into()));
        self
    }

    pub fn generator(mut self, url: &str) -> Self {
        self.generator_url = Some(url.into());
        self
    }

    fn to_json(&self) -> Value {
        let map = |pairs: &[(String, String)]| -> Value {
            pairs
                .iter()
                .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                .collect::<serde_json::Map<_, _>>()
                .into()
        };
        let mut alert = json!({
            "labels": map(&self.labels),
            "annotations": map(&self.annotations),
            "startsAt": self.starts_at,
        });
        if let Some(ends_at) = self.ends_at {
            alert["endsAt"] = json!(ends_at);
        }
        if let Some(url) = &self.generator_url {
            alert["generatorURL"] = json!(url);
        }
        alert
    }
}

fn pairs(labels: &[(&str, &str)]) -> Vec<(String, String)> {
    labels
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// A private CA with a server certificate for 127.0.0.1 and a client certificate, as
/// PEM files in a temporary directory.
pub struct Pki {
    _dir: tempfile::TempDir,
    pub ca: PathBuf,
    pub server_cert: PathBuf,
    pub server_key: PathBuf,
    /// The client certificate followed by its private key, as reqwest reads it.
    pub client_identity: PathBuf,
}

impl Pki {
    pub fn new() -> Self {
        use rcgen::{BasicConstraints, CertificateParams, ExtendedKeyUsagePurpose, IsCa, KeyPair};

        let dir = tempfile::tempdir().unwrap();
        let ca_key = KeyPair::generate().unwrap();
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "oncall-tray test CA");
        let ca = ca_params.self_signed(&ca_key).unwrap();

        let server_key = KeyPair::generate().unwrap();
        let mut server_params = CertificateParams::new(vec!["127.0.0.1".to_owned()]).unwrap();
        server_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let server = server_params.signed_by(&server_key, &ca, &ca_key).unwrap();

        let client_key = KeyPair::generate().unwrap();
        let mut client_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        client_params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "pat");
        client_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        let client = client_params.signed_by(&client_key, &ca, &ca_key).unwrap();

        let write = |name: &str, pem: String| {
            let path = dir.path().join(name);
            std::fs::write(&path, pem).unwrap();
            path
        };
        Pki {
            ca: write("ca.pem", ca.pem()),
            server_cert: write("server.pem", server.pem()),
            server_key: write("server-key.pem", server_key.serialize_pem()),
            client_identity: write(
                "client.pem",
                format!("{}{}", client.pem(), client_key.serialize_pem()),
            ),
            _dir: dir,
        }
    }
}

impl Default for Pki {
    fn default() -> Self {
        Pki::new()
    }
}

/// The account config every test starts from: no auth, user [`ME`], short timeout.
#[cfg(feature = "alertmanager")]
pub fn config(url: &str) -> oncall_alertmanager::AlertmanagerConfig {
    let mut config = oncall_alertmanager::AlertmanagerConfig::new(
        oncall_model::AccountId::new("prom"),
        url.parse().unwrap(),
        ME,
    );
    config.request_timeout = Duration::from_secs(5);
    config
}

/// Basic auth with `user` and `password`.
#[cfg(feature = "alertmanager")]
pub fn basic(user: &str, password: &str) -> oncall_alertmanager::Auth {
    oncall_alertmanager::Auth::Basic {
        user: user.into(),
        password: oncall_alertmanager::SecretString::from(password.to_owned()),
    }
}

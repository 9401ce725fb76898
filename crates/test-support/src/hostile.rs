//! Servers on loopback that do what a real service never should, so the provider
//! clients' defences can be proven against the real thing rather than assumed. No
//! provider logic; nothing here reaches beyond 127.0.0.1.
//!
//! - [`Server`]: HTTP/1.1 (or HTTPS with [`Pki`]) whose answer to each request a test
//!   scripts as an [`Answer`]: plain, raw bytes, an endless body, a drip. It records
//!   every request head, so a test can prove what a client sent, and to whom.
//! - [`Pki`]: a private certificate authority made per test and a server certificate it
//!   signs for `localhost` and `127.0.0.1`, written as PEM files (the CA for
//!   `SSL_CERT_FILE`).
//! - [`ConnectProxy`]: an HTTP `CONNECT` proxy that records each tunnel it opens and
//!   only ever connects to loopback.
//! - [`transport`] and [`checks`]: what every provider client is checked for against
//!   them, the same way; [`expect`]: the judgements those tests share.
//!
//! Each server reads one request per connection and closes it afterwards, so every
//! request a client makes is seen on its own.

pub mod checks;
pub mod expect;
pub mod transport;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use tokio_rustls::rustls;

/// A request head as a server saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub method: String,
    /// The request target: path and query (or `host:port` for `CONNECT`).
    pub target: String,
    /// Header lines in order, names lower-cased.
    pub headers: Vec<(String, String)>,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The path without the query.
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or_default()
    }
}

/// What a [`Server`] does with one request.
#[derive(Debug, Clone)]
pub enum Answer {
    /// A complete response with `content-length`.
    Http {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    },
    /// These bytes, as they are, then the connection closes.
    Raw(Vec<u8>),
    /// A 200 JSON head without a length, then `chunk` over and over until the client
    /// goes away: a body with no end.
    Endless { chunk: Vec<u8> },
    /// `prefix` at once, then `bytes` one at a time, `every` apart; then the connection
    /// stays open without another byte until the client goes away.
    Drip {
        prefix: Vec<u8>,
        bytes: Vec<u8>,
        every: Duration,
    },
}

impl Answer {
    /// 200 with a JSON body.
    pub fn json(body: impl Into<Vec<u8>>) -> Answer {
        Answer::Http {
            status: 200,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.into(),
        }
    }

    /// A 200 JSON head announcing a 10 GB body, and nothing after it: waiting for the
    /// body would end only at the client's timeout.
    pub fn huge_length() -> Answer {
        Answer::Raw(
            b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\
              content-length: 10000000000\r\n\r\n"
                .to_vec(),
        )
    }

    /// A redirect to `location`.
    pub fn redirect(status: u16, location: &str) -> Answer {
        Answer::Http {
            status,
            headers: vec![("location".into(), location.into())],
            body: Vec::new(),
        }
    }

    /// The bytes of a complete HTTP/1.1 response with `content-length`.
    pub fn response_bytes(status: u16, headers: &[(String, String)], body: &[u8]) -> Vec<u8> {
        let mut head = format!(
            "HTTP/1.1 {status} Hostile\r\ncontent-length: {}\r\nconnection: close\r\n",
            body.len()
        );
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str("\r\n");
        let mut bytes = head.into_bytes();
        bytes.extend_from_slice(body);
        bytes
    }
}

type Handler = dyn Fn(&Request) -> Answer + Send + Sync;

/// A scripted HTTP(S) server on `127.0.0.1:0`. Stops when dropped.
pub struct Server {
    pub port: u16,
    /// `http://127.0.0.1:<port>`, or `https://localhost:<port>` when it serves TLS (the
    /// name its certificate is for, and one a proxy's `NO_PROXY` can name).
    pub url: String,
    seen: Arc<Mutex<Vec<Request>>>,
    task: JoinHandle<()>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Server {
    pub async fn start(handler: impl Fn(&Request) -> Answer + Send + Sync + 'static) -> Server {
        Server::start_with(None, Arc::new(handler)).await
    }

    /// The same, over TLS with `pki`'s server certificate.
    pub async fn start_tls(
        pki: &Pki,
        handler: impl Fn(&Request) -> Answer + Send + Sync + 'static,
    ) -> Server {
        Server::start_with(Some(pki.acceptor()), Arc::new(handler)).await
    }

    async fn start_with(tls: Option<tokio_rustls::TlsAcceptor>, handler: Arc<Handler>) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let port = listener.local_addr().expect("local address").port();
        let url = match tls {
            Some(_) => format!("https://localhost:{port}"),
            None => format!("http://127.0.0.1:{port}"),
        };
        let seen = Arc::new(Mutex::new(Vec::new()));
        let task = {
            let seen = seen.clone();
            tokio::spawn(async move {
                while let Ok((stream, _)) = listener.accept().await {
                    let (seen, handler, tls) = (seen.clone(), handler.clone(), tls.clone());
                    tokio::spawn(async move {
                        match tls {
                            Some(acceptor) => {
                                // A client that refuses our certificate ends here.
                                if let Ok(stream) = acceptor.accept(stream).await {
                                    let _ = serve(stream, &seen, &*handler).await;
                                }
                            }
                            None => {
                                let _ = serve(stream, &seen, &*handler).await;
                            }
                        }
                    });
                }
            })
        };
        Server {
            port,
            url,
            seen,
            task,
        }
    }

    /// Every request head received so far, in order of arrival.
    pub fn requests(&self) -> Vec<Request> {
        self.seen.lock().unwrap().clone()
    }
}

/// The longest request head read; a client never sends more, and a test server must
/// not grow without bound either.
const MAX_HEAD: usize = 64 * 1024;

/// Reads a request head (and any body after it, by `content-length`).
pub(crate) async fn read_request<S: AsyncRead + Unpin>(
    stream: &mut S,
) -> std::io::Result<Option<Request>> {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Ok(None);
        }
        buffer.extend_from_slice(&chunk[..n]);
        if let Some(at) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        if buffer.len() > MAX_HEAD {
            return Ok(None);
        }
    };
    let head = String::from_utf8_lossy(&buffer[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut request_line = lines.next().unwrap_or_default().split(' ');
    let method = request_line.next().unwrap_or_default().to_owned();
    let target = request_line.next().unwrap_or_default().to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut have = buffer.len() - head_end;
    while have < length {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            break;
        }
        have += n;
    }
    Ok(Some(Request {
        method,
        target,
        headers,
    }))
}

async fn serve<S: AsyncRead + AsyncWrite + Unpin>(
    mut stream: S,
    seen: &Mutex<Vec<Request>>,
    handler: &Handler,
) -> std::io::Result<()> {
    let Some(request) = read_request(&mut stream).await? else {
        return Ok(());
    };
    let answer = handler(&request);
    seen.lock().unwrap().push(request);
    match answer {
        Answer::Http {
            status,
            headers,
            body,
        } => {
            stream
                .write_all(&Answer::response_bytes(status, &headers, &body))
                .await?
        }
        Answer::Raw(bytes) => stream.write_all(&bytes).await?,
        Answer::Endless { chunk } => {
            stream
                .write_all(
                    b"HTTP/1.1 200 Hostile\r\ncontent-type: application/json\r\n\
                      transfer-encoding: chunked\r\nconnection: close\r\n\r\n",
                )
                .await?;
            let framed = [
                format!("{:x}\r\n", chunk.len()).into_bytes(),
                chunk,
                b"\r\n".to_vec(),
            ]
            .concat();
            // Ends with an error once the client closes the connection.
            loop {
                stream.write_all(&framed).await?;
            }
        }
        Answer::Drip {
            prefix,
            bytes,
            every,
        } => {
            stream.write_all(&prefix).await?;
            stream.flush().await?;
            for byte in bytes {
                stream.write_all(&[byte]).await?;
                stream.flush().await?;
                tokio::time::sleep(every).await;
            }
            // Hold the connection open, silent, until the client gives up on it.
            let mut sink = [0u8; 1024];
            while stream.read(&mut sink).await? > 0 {}
            return Ok(());
        }
    }
    stream.flush().await?;
    stream.shutdown().await
}

/// A private certificate authority and a server certificate it signs for `localhost`
/// and `127.0.0.1`, as PEM files in a temporary directory removed on drop.
pub struct Pki {
    /// The CA certificate: what `SSL_CERT_FILE` names to trust it.
    pub ca_pem: PathBuf,
    server_chain: Vec<rustls::pki_types::CertificateDer<'static>>,
    server_key: Vec<u8>,
    _dir: tempfile::TempDir,
}

impl Pki {
    pub fn new() -> Pki {
        use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair, KeyUsagePurpose};

        let ca_key = KeyPair::generate().expect("CA key");
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "oncall-tray test CA");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let ca = ca_params.self_signed(&ca_key).expect("CA certificate");

        let server_key = KeyPair::generate().expect("server key");
        let server_params =
            CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
                .expect("server params");
        let server = server_params
            .signed_by(&server_key, &ca, &ca_key)
            .expect("server certificate");

        let dir = tempfile::tempdir().expect("temporary directory");
        let ca_pem = dir.path().join("ca.pem");
        std::fs::write(&ca_pem, ca.pem()).expect("write the CA file");
        Pki {
            ca_pem,
            server_chain: vec![server.der().clone()],
            server_key: server_key.serialize_der(),
            _dir: dir,
        }
    }

    fn acceptor(&self) -> tokio_rustls::TlsAcceptor {
        let key = rustls::pki_types::PrivateKeyDer::Pkcs8(self.server_key.clone().into());
        let config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .expect("TLS versions")
        .with_no_client_auth()
        .with_single_cert(self.server_chain.clone(), key)
        .expect("server certificate and key");
        tokio_rustls::TlsAcceptor::from(Arc::new(config))
    }
}

impl Default for Pki {
    fn default() -> Self {
        Pki::new()
    }
}

/// An HTTP proxy that only does `CONNECT` (what a client does for an `https://` URL
/// through `HTTPS_PROXY`), records every request head it gets, and tunnels to the
/// requested port on 127.0.0.1 whatever host was named, so `localhost` never needs a
/// resolver and nothing leaves the machine. Stops when dropped.
pub struct ConnectProxy {
    /// `http://127.0.0.1:<port>`: the value for `HTTPS_PROXY`.
    pub url: String,
    seen: Arc<Mutex<Vec<Request>>>,
    task: JoinHandle<()>,
}

impl Drop for ConnectProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl ConnectProxy {
    pub async fn start() -> ConnectProxy {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let url = format!("http://{}", listener.local_addr().expect("local address"));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let task = {
            let seen = seen.clone();
            tokio::spawn(async move {
                while let Ok((stream, _)) = listener.accept().await {
                    let seen = seen.clone();
                    tokio::spawn(async move {
                        let _ = tunnel(stream, &seen).await;
                    });
                }
            })
        };
        ConnectProxy { url, seen, task }
    }

    /// Every request head the proxy received.
    pub fn requests(&self) -> Vec<Request> {
        self.seen.lock().unwrap().clone()
    }
}

async fn tunnel(mut client: TcpStream, seen: &Mutex<Vec<Request>>) -> std::io::Result<()> {
    let Some(request) = read_request(&mut client).await? else {
        return Ok(());
    };
    let port = request
        .target
        .rsplit_once(':')
        .and_then(|(_, port)| port.parse::<u16>().ok());
    let is_connect = request.method == "CONNECT";
    seen.lock().unwrap().push(request);
    let Some(port) = port.filter(|_| is_connect) else {
        return client
            .write_all(b"HTTP/1.1 405 Only CONNECT\r\ncontent-length: 0\r\n\r\n")
            .await;
    };
    let mut upstream = TcpStream::connect(("127.0.0.1", port)).await?;
    client
        .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
        .await?;
    tokio::io::copy_bidirectional(&mut client, &mut upstream).await?;
    Ok(())
}

/// The environment variables that steer a client's transport: proxies (read by reqwest
/// when a client is built) and the OS trust store's override (read by
/// rustls-native-certs, also when a client is built).
pub const TRANSPORT_ENV: &[&str] = &[
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "ALL_PROXY",
    "all_proxy",
    "NO_PROXY",
    "no_proxy",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
];

/// Removes every [`TRANSPORT_ENV`] variable, so a test starts from a direct connection
/// and the system's own trust store whatever the machine it runs on has set.
///
/// The environment is process-global: only call this (and `std::env::set_var`) from a
/// test binary with a single test, so nothing reads the environment meanwhile.
pub fn clear_transport_env() {
    for name in TRANSPORT_ENV {
        std::env::remove_var(name);
    }
}

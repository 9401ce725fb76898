//! A tiny HTTP/1.1 server whose answers a test scripts request by request, for what the
//! fake PagerDuty cannot be made to do: redirect, change the list between two pages, or
//! tell how many requests were in flight at once.
//!
//! It reads one request per connection and answers with `Connection: close`.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// One request as the scripted server saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    /// Path and query, as sent.
    pub target: String,
    /// Header lines, names lower-cased.
    pub headers: Vec<(String, String)>,
}

impl Seen {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// What to answer.
pub struct Canned {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: String,
    /// Waited before answering, while the request counts as in flight.
    pub delay: Duration,
}

impl Canned {
    pub fn json(body: serde_json::Value) -> Canned {
        Canned {
            status: 200,
            headers: vec![("content-type", "application/json".into())],
            body: body.to_string(),
            delay: Duration::ZERO,
        }
    }

    pub fn delayed(mut self, delay: Duration) -> Canned {
        self.delay = delay;
        self
    }
}

type Handler = dyn Fn(&Seen) -> Canned + Send + Sync;

pub struct Scripted {
    pub url: String,
    seen: Arc<Mutex<Vec<Seen>>>,
    max_in_flight: Arc<AtomicUsize>,
    task: JoinHandle<()>,
}

impl Drop for Scripted {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Scripted {
    pub async fn start(handler: impl Fn(&Seen) -> Canned + Send + Sync + 'static) -> Scripted {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let in_flight = Arc::new(AtomicUsize::new(0));
        let max_in_flight = Arc::new(AtomicUsize::new(0));
        let handler: Arc<Handler> = Arc::new(handler);
        let task = {
            let seen = seen.clone();
            let max_in_flight = max_in_flight.clone();
            tokio::spawn(async move {
                while let Ok((stream, _)) = listener.accept().await {
                    let (seen, handler) = (seen.clone(), handler.clone());
                    let (in_flight, max_in_flight) = (in_flight.clone(), max_in_flight.clone());
                    tokio::spawn(async move {
                        let counters = (&*in_flight, &*max_in_flight);
                        let _ = answer(stream, &seen, &*handler, counters).await;
                    });
                }
            })
        };
        Scripted {
            url,
            seen,
            max_in_flight,
            task,
        }
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    /// The most requests that were being answered at the same time.
    pub fn max_in_flight(&self) -> usize {
        self.max_in_flight.load(Ordering::SeqCst)
    }
}

async fn answer(
    mut stream: TcpStream,
    seen: &Mutex<Vec<Seen>>,
    handler: &Handler,
    (in_flight, max_in_flight): (&AtomicUsize, &AtomicUsize),
) -> std::io::Result<()> {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Ok(());
        }
        buffer.extend_from_slice(&chunk[..n]);
        if let Some(at) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
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
    while buffer.len() < head_end + length {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            break;
        }
        buffer.extend_from_slice(&chunk[..n]);
    }

    let request = Seen {
        method,
        target,
        headers,
    };
    // In flight from the whole request being read until just before the answer is
    // written: the client cannot see the answer, and so send its next request, before
    // the count went down.
    let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    max_in_flight.fetch_max(now, Ordering::SeqCst);
    let canned = handler(&request);
    seen.lock().unwrap().push(request);
    tokio::time::sleep(canned.delay).await;
    in_flight.fetch_sub(1, Ordering::SeqCst);

    let mut response = format!(
        "HTTP/1.1 {} Scripted\r\ncontent-length: {}\r\nconnection: close\r\n",
        canned.status,
        canned.body.len()
    );
    for (name, value) in &canned.headers {
        response.push_str(&format!("{name}: {value}\r\n"));
    }
    response.push_str("\r\n");
    response.push_str(&canned.body);
    stream.write_all(response.as_bytes()).await?;
    stream.shutdown().await
}

/// A minimal open incident as PagerDuty lists it.
pub fn incident(n: u64) -> serde_json::Value {
    serde_json::json!({
        "id": format!("PINC{n:04}"), "type": "incident", "incident_number": n,
        "title": format!("incident {n}"), "status": "triggered", "urgency": "high",
        "created_at": "2024-05-01T09:00:00Z", "last_status_change_at": "2024-05-01T09:00:00Z",
        "assignments": [{"at": "2024-05-01T09:00:00Z", "assignee": {"id": "PME", "summary": "Me"}}]
    })
}

/// `GET /users/me` of the scripted server's user.
pub fn me() -> Canned {
    Canned::json(
        serde_json::json!({"user": {"id": "PME", "name": "Me", "email": "me@example.com"}}),
    )
}

/// The `offset` query parameter of a list request.
pub fn offset_of(seen: &Seen) -> u64 {
    let query = seen.target.split_once('?').map(|(_, q)| q).unwrap_or("");
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "offset")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0)
}

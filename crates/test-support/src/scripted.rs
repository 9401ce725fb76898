//! A tiny HTTP/1.1 server whose answers a test scripts request by request, for what a
//! fake service cannot be made to do: redirect, change a list between two pages, or
//! tell how many requests were in flight at once.
//!
//! It reads one request per connection (as [`crate::hostile::Server`] does) and answers
//! with `Connection: close`.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

use crate::hostile::{read_request, Answer};

/// One request as the scripted server saw it.
pub type Seen = crate::hostile::Request;

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

/// A scripted server on `127.0.0.1:0`. Stops when dropped.
pub struct Scripted {
    /// `http://127.0.0.1:<port>`.
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

    /// Every request received so far, in order of arrival.
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
    let Some(request) = read_request(&mut stream).await? else {
        return Ok(());
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

    let headers: Vec<(String, String)> = canned
        .headers
        .into_iter()
        .map(|(name, value)| (name.to_owned(), value))
        .collect();
    let response = Answer::response_bytes(canned.status, &headers, canned.body.as_bytes());
    stream.write_all(&response).await?;
    stream.shutdown().await
}

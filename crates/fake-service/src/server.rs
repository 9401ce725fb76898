//! The HTTP server: an accept loop that owns one task per connection, so that a fake can
//! do what `axum::serve` cannot: close one connection without answering (a
//! `DropConnection` fault) and shut down gracefully on request.
//!
//! Each connection gets a [`ConnectionKill`] token in its requests' extensions; a handler
//! that cancels it (through [`crate::front::answer`]) makes the connection task drop the
//! connection, which closes the socket with no response written. Shutdown cancels the
//! accept loop, asks every connection to finish its in-flight response, and waits for
//! them (at most [`GRACE`]).

use std::convert::Infallible;
use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tower::ServiceExt;

/// How long shutdown waits for in-flight responses (a streaming huge body, a long
/// latency) before closing their connections anyway.
const GRACE: Duration = Duration::from_secs(5);

/// Put in every request's extensions: cancel it to drop that request's connection.
#[derive(Clone, Debug)]
pub(crate) struct ConnectionKill(pub(crate) CancellationToken);

/// A fake being served. Dropping it stops the server too (without waiting).
pub struct RunningFake {
    /// `http://127.0.0.1:PORT`, no trailing slash.
    pub url: String,
    pub addr: SocketAddr,
    /// The service's name for the log ("fake PagerDuty").
    name: &'static str,
    stop: CancellationToken,
    task: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for RunningFake {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunningFake")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

impl RunningFake {
    /// Stops accepting, lets in-flight responses finish (up to a few seconds) and returns
    /// once every connection is closed.
    pub async fn shutdown(mut self) {
        self.stop.cancel();
        if let Some(task) = self.task.take() {
            if let Err(e) = task.await {
                tracing::warn!("{} server task failed: {e}", self.name);
            }
        }
    }
}

impl Drop for RunningFake {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

/// Binds `addr` (`127.0.0.1:0` for a free port) and serves, in a spawned task, the router
/// that `router` makes once the address is known (it is given the served URL, which some
/// fakes put into their bodies' links). `name` ("fake PagerDuty") is for the log.
pub async fn serve(
    addr: SocketAddr,
    name: &'static str,
    router: impl FnOnce(&str) -> Router,
) -> std::io::Result<RunningFake> {
    let listener = TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    let url = format!("http://{addr}");
    let router = router(&url);
    let stop = CancellationToken::new();
    let task = tokio::spawn(accept_loop(listener, router, stop.clone()));
    tracing::info!("{name} listening on {url}");
    Ok(RunningFake {
        url,
        addr,
        name,
        stop,
        task: Some(task),
    })
}

async fn accept_loop(listener: TcpListener, router: Router, stop: CancellationToken) {
    let connections = TaskTracker::new();
    loop {
        let accepted = tokio::select! {
            _ = stop.cancelled() => break,
            accepted = listener.accept() => accepted,
        };
        match accepted {
            Ok((stream, peer)) => {
                connections.spawn(serve_connection(stream, router.clone(), stop.clone()));
                tracing::trace!("accepted connection from {peer}");
            }
            // Typically too many open files; keep serving the connections we have.
            Err(e) => {
                tracing::warn!("accept failed: {e}");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
    drop(listener);
    connections.close();
    connections.wait().await;
}

async fn serve_connection(stream: TcpStream, router: Router, stop: CancellationToken) {
    let kill = CancellationToken::new();
    let service = {
        let kill = kill.clone();
        hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
            request
                .extensions_mut()
                .insert(ConnectionKill(kill.clone()));
            let router = router.clone();
            async move {
                Ok::<_, Infallible>(router.oneshot(request).await.unwrap_or_else(|e| match e {}))
            }
        })
    };
    let connection = http1::Builder::new().serve_connection(TokioIo::new(stream), service);
    tokio::pin!(connection);
    tokio::select! {
        result = connection.as_mut() => log_connection_end(result),
        // Returning drops the connection: the socket closes with nothing written.
        _ = kill.cancelled() => {}
        _ = stop.cancelled() => {
            connection.as_mut().graceful_shutdown();
            tokio::select! {
                result = connection.as_mut() => log_connection_end(result),
                _ = kill.cancelled() => {}
                _ = tokio::time::sleep(GRACE) => tracing::debug!("closing a connection still busy at shutdown"),
            }
        }
    }
}

fn log_connection_end(result: Result<(), hyper::Error>) {
    if let Err(e) = result {
        // Clients hanging up mid-body (e.g. on a huge body) end up here; that is expected.
        tracing::debug!("connection ended with an error: {e}");
    }
}

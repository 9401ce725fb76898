//! The pieces of a fake's front middleware, the layer every API request passes through
//! first: read the body (so it can be logged and still handed on), log the request, then
//! let a matching fault answer it, delay it or drop its connection.
//!
//! Each fake writes its own `front` from these, because what surrounds them is the
//! vendor's: which requests are logged and faulted at all, what a fault's response body
//! looks like, and what must happen before the handler runs (Opsgenie's request id, its
//! API key check).

use std::future::{pending, Future};
use std::time::Duration;

use axum::body::{to_bytes, Body, Bytes};
use axum::extract::Request;
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::requests::RecordedRequest;
use crate::server::ConnectionKill;

/// A request as the front middleware read it.
pub struct Received {
    pub parts: Parts,
    /// The whole body, or nothing when it was over the limit.
    pub body: Bytes,
    /// The body was over the limit given to [`Received::read`]; the fake answers 413 in
    /// its own words.
    pub too_large: bool,
}

impl Received {
    /// Reads the body, up to `limit` bytes.
    pub async fn read(request: Request, limit: usize) -> Self {
        let (parts, body) = request.into_parts();
        let (body, too_large) = match to_bytes(body, limit).await {
            Ok(bytes) => (bytes, false),
            Err(_) => (Bytes::new(), true),
        };
        Received {
            parts,
            body,
            too_large,
        }
    }

    /// The request's log entry, not answered yet (status 0).
    pub fn recorded(&self) -> RecordedRequest {
        RecordedRequest {
            method: self.parts.method.to_string(),
            path: self.parts.uri.path().to_string(),
            query: self.parts.uri.query().unwrap_or("").to_string(),
            headers: self
                .parts
                .headers
                .iter()
                .map(|(name, value)| {
                    (
                        name.as_str().to_string(),
                        String::from_utf8_lossy(value.as_bytes()).into_owned(),
                    )
                })
                .collect(),
            body: String::from_utf8_lossy(&self.body).into_owned(),
            status: 0,
            faulted: false,
        }
    }

    /// The request again, body included, for the next layer.
    pub fn into_request(self) -> Request {
        Request::from_parts(self.parts, Body::from(self.body))
    }
}

/// What an injected fault does to the request it meets.
pub enum FaultAction {
    /// Answer this instead of serving the request.
    Respond(Response),
    /// Wait (on tokio's clock, so paused-time tests see it), then serve normally.
    DelayThenServe(Duration),
    /// Close the connection without answering.
    DropConnection,
}

/// Answers `received` as `fault` says, or with `serve` when there is no fault.
///
/// For [`FaultAction::DropConnection`] the returned future never completes: the connection
/// task drops it along with the connection. (Outside [`crate::serve`], where there is no
/// connection to drop, the answer is a bare 500.)
pub async fn answer<S, F>(fault: Option<FaultAction>, received: Received, serve: S) -> Response
where
    S: FnOnce(Received) -> F,
    F: Future<Output = Response>,
{
    match fault {
        None => serve(received).await,
        Some(FaultAction::Respond(response)) => response,
        Some(FaultAction::DelayThenServe(delay)) => {
            tokio::time::sleep(delay).await;
            serve(received).await
        }
        Some(FaultAction::DropConnection) => {
            let parts = &received.parts;
            tracing::debug!("dropping the connection of {} {}", parts.method, parts.uri);
            match parts.extensions.get::<ConnectionKill>() {
                Some(ConnectionKill(token)) => {
                    token.cancel();
                    pending().await
                }
                None => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
            }
        }
    }
}

//! A minimal fake built from the shared pieces, as the vendor fakes build theirs: its front
//! middleware logs every request and lets queued faults answer, delay or drop it.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use oncall_fake_service::front::{answer, FaultAction, Received};
use oncall_fake_service::{FakeCore, Fault, FaultRoute, RunningFake};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Route {
    Any,
    Hello,
}

impl FaultRoute for Route {
    const ANY: Self = Route::Any;
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Kind {
    Teapot,
    Drop,
    Latency,
}

type Core = Arc<FakeCore<Route, Kind>>;

async fn front(State(core): State<Core>, request: Request, next: Next) -> Response {
    let route = (request.uri().path() == "/hello").then_some(Route::Hello);
    let received = Received::read(request, 16).await;
    let seq = core.record(received.recorded());
    let fault = core.take_fault(route).map(|kind| match kind {
        Kind::Teapot => FaultAction::Respond(StatusCode::IM_A_TEAPOT.into_response()),
        Kind::Drop => FaultAction::DropConnection,
        Kind::Latency => FaultAction::DelayThenServe(Duration::from_millis(10)),
    });
    let response = answer(fault, received, |received| async move {
        if received.too_large {
            return StatusCode::PAYLOAD_TOO_LARGE.into_response();
        }
        next.run(received.into_request()).await
    })
    .await;
    core.set_status(seq, response.status().as_u16());
    response
}

async fn start() -> (Core, RunningFake) {
    let core: Core = Arc::new(FakeCore::default());
    let state = core.clone();
    let running = oncall_fake_service::serve("127.0.0.1:0".parse().unwrap(), "fake test", |url| {
        assert!(url.starts_with("http://127.0.0.1:"), "{url}");
        Router::new()
            .route(
                "/hello",
                get(|| async { "hello" }).post(|body: String| async { body }),
            )
            .layer(middleware::from_fn_with_state(state.clone(), front))
            .with_state(state)
    })
    .await
    .unwrap();
    (core, running)
}

#[tokio::test]
async fn requests_are_logged_with_what_they_were_answered() {
    let (core, running) = start().await;
    let client = reqwest::Client::new();
    let hello = format!("{}/hello", running.url);
    core.inject(Fault::once(Route::Hello, Kind::Teapot));
    core.inject(Fault::once(Route::Any, Kind::Latency));

    let statuses = [
        client.get(&hello).send().await.unwrap().status(),
        client.get(&hello).send().await.unwrap().status(),
        client
            .post(&hello)
            .body("far too long a body")
            .send()
            .await
            .unwrap()
            .status(),
        client.get(&hello).send().await.unwrap().status(),
    ];
    assert_eq!(statuses.map(|s| s.as_u16()), [418, 200, 413, 200]);

    let log = core.requests();
    assert_eq!(
        log.iter().map(|r| r.status).collect::<Vec<_>>(),
        [418, 200, 413, 200]
    );
    assert_eq!(log[2].body, "", "an oversized body is not logged");
    assert_eq!(core.request_count(), 4);
    assert_eq!(core.requests_from(3).len(), 1);
    running.shutdown().await;
}

#[tokio::test]
async fn a_dropped_connection_gets_no_answer_and_is_logged_as_status_0() {
    let (core, running) = start().await;
    core.inject(Fault::once(Route::Hello, Kind::Drop));
    let error = reqwest::get(format!("{}/hello", running.url))
        .await
        .expect_err("the connection was closed without an answer");
    assert!(!error.is_status(), "{error}");
    assert_eq!(core.requests()[0].status, 0);

    // The fake goes on serving other connections.
    let answered = reqwest::get(format!("{}/hello", running.url))
        .await
        .unwrap();
    assert_eq!(answered.text().await.unwrap(), "hello");
    running.shutdown().await;
}

#[tokio::test]
async fn after_shutdown_nothing_listens() {
    let (_core, running) = start().await;
    let url = running.url.clone();
    running.shutdown().await;
    assert!(reqwest::get(format!("{url}/hello")).await.is_err());
}

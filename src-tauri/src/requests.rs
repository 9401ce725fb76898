//! The one way in for what the user asks of the engine. The tray menu, a notification's
//! buttons, the window and `--headless` each turn their own input (a menu id, a button's
//! action key, a request line) into a [`UserRequest`], and [`perform`] does it: the
//! same request does the same thing wherever it was made.
//!
//! What only one place can do stays there: the tray's Quit, start at login and Open
//! window, and the Settings screen's calls (`settings/`).

use std::fmt;

use oncall_engine::{Engine, EngineError};
use oncall_model::{AccountId, ActionKind, IncidentKey};
use oncall_policy::Pause;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tracing::warn;

use crate::browser;

/// Something the user asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserRequest {
    /// Acknowledge, resolve, snooze or unacknowledge these incidents.
    Act {
        incidents: Vec<IncidentKey>,
        kind: ActionKind,
    },
    /// Acknowledge every incident that is triggered right now.
    AcknowledgeAllTriggered,
    /// Open the incident's page, as the view knows it, in the browser.
    OpenIncident(IncidentKey),
    /// Open a page a notification carries (its incident may have left the view).
    // macOS and Windows notifications have no buttons (yet), so nothing asks this there.
    #[cfg_attr(any(target_os = "macos", windows), allow(dead_code))]
    OpenLink(String),
    /// Pause notifications for so many minutes, or until resumed (`None`).
    Pause {
        minutes: Option<u32>,
    },
    Resume,
    /// Mute a service of an account for so many minutes: its incidents stay listed
    /// (as muted) and none pages until the mute ends.
    Mute {
        account: AccountId,
        service: String,
        minutes: u32,
    },
    /// End a service's mute now; what is still triggered on it pages once.
    Unmute {
        account: AccountId,
        service: String,
    },
    /// The user left the screen (it locked or went idle).
    UserAway,
    /// The user is back at the screen.
    UserBack,
    /// Show the window's History (a notification's button; only where there is a
    /// window, which performs it itself: see [`perform_each`]).
    ShowHistory,
}

impl UserRequest {
    /// What the request does, as in "could not …".
    fn verb(&self) -> &'static str {
        match self {
            UserRequest::Act { kind, .. } => kind.verb(),
            UserRequest::AcknowledgeAllTriggered => ActionKind::Acknowledge.verb(),
            UserRequest::OpenIncident(_) | UserRequest::OpenLink(_) => "open",
            UserRequest::Pause { .. } => "pause",
            UserRequest::Resume => "resume",
            UserRequest::Mute { .. } => "mute the service",
            UserRequest::Unmute { .. } => "unmute the service",
            UserRequest::UserAway | UserRequest::UserBack => "note where you are",
            UserRequest::ShowHistory => "show the history",
        }
    }
}

/// Why a request was not done. Its text is the one sentence the window shows.
#[derive(Debug)]
pub enum RequestError {
    /// The engine did not take it (it could not save it first, say).
    Engine {
        verb: &'static str,
        error: EngineError,
    },
    /// There is no web page to open.
    NoWebPage,
}

impl fmt::Display for RequestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RequestError::Engine { verb, error } => write!(f, "could not {verb}: {error}"),
            RequestError::NoWebPage => f.write_str("this incident has no web page to open"),
        }
    }
}

impl std::error::Error for RequestError {}

/// Performs `request` with `engine`. Opening a page is detached, so it never waits for
/// the browser.
pub async fn perform(engine: &Engine, request: UserRequest) -> Result<(), RequestError> {
    let verb = request.verb();
    let done = match request {
        UserRequest::Act { incidents, kind } => engine.act(&incidents, kind).await.map(drop),
        UserRequest::AcknowledgeAllTriggered => engine
            .act_on_all_triggered(ActionKind::Acknowledge)
            .await
            .map(drop),
        UserRequest::OpenIncident(key) => {
            let url = engine
                .view()
                .borrow()
                .incident(&key)
                .and_then(|i| i.incident.web_url.clone());
            return open(url.as_deref());
        }
        UserRequest::OpenLink(url) => return open(Some(&url)),
        UserRequest::Pause { minutes } => engine.pause(pause(engine, minutes)).await,
        UserRequest::Resume => engine.resume().await,
        UserRequest::Mute {
            account,
            service,
            minutes,
        } => {
            let until = engine.now() + chrono::Duration::minutes(i64::from(minutes.max(1)));
            engine.mute(&account, &service, until).await
        }
        UserRequest::Unmute { account, service } => engine.unmute(&account, &service).await,
        UserRequest::UserAway => {
            engine.user_away();
            Ok(())
        }
        UserRequest::UserBack => {
            engine.user_back().await;
            Ok(())
        }
        // The engine has nothing to show it in: `perform_each`'s caller does.
        UserRequest::ShowHistory => Ok(()),
    };
    done.map_err(|error| RequestError::Engine { verb, error })
}

/// A pause for `minutes` ends that long after the engine's now, on the clock that
/// also decides when it is over.
fn pause(engine: &Engine, minutes: Option<u32>) -> Pause {
    match minutes {
        Some(minutes) => Pause::Until(engine.now() + chrono::Duration::minutes(minutes.into())),
        None => Pause::UntilResumed,
    }
}

fn open(url: Option<&str>) -> Result<(), RequestError> {
    match url {
        Some(url) if browser::open_web_link(url) => Ok(()),
        _ => Err(RequestError::NoWebPage),
    }
}

/// Performs the requests of notification buttons, one after another, until `cancel`
/// fires or every sender is gone. A failure is logged: the engine also shows one it
/// could not save as a notice, which offers the action again.
/// `show_history` shows the window's History tab, where there is a window.
pub async fn perform_each(
    engine: &Engine,
    requests: &mut mpsc::Receiver<UserRequest>,
    cancel: &CancellationToken,
    show_history: &(dyn Fn() + Sync),
) {
    loop {
        let request = tokio::select! {
            _ = cancel.cancelled() => return,
            request = requests.recv() => match request {
                Some(request) => request,
                None => return,
            },
        };
        if matches!(request, UserRequest::ShowHistory) {
            show_history();
            continue;
        }
        if let Err(e) = perform(engine, request).await {
            warn!("a notification's button: {e}");
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use async_trait::async_trait;
    use chrono::{DateTime, TimeZone as _, Utc};
    use oncall_engine::{EngineOptions, Notice, Notifier, StaticCredentials, TestClock};
    use oncall_policy::Decision;
    use oncall_store::{Config, Dirs};

    use super::*;

    struct Nowhere;

    #[async_trait]
    impl Notifier for Nowhere {
        async fn apply(&self, _: &Decision) -> Result<(), String> {
            Ok(())
        }
        async fn notice(&self, _: &Notice) -> Result<(), String> {
            Ok(())
        }
    }

    /// An engine with no accounts whose clock reads `at`, not the wall clock.
    async fn engine_at(at: DateTime<Utc>, dir: &std::path::Path) -> Engine {
        Engine::start(EngineOptions {
            config: Config::default(),
            dirs: Dirs {
                config_dir: dir.join("config"),
                data_dir: dir.join("data"),
            },
            clock: Arc::new(TestClock::new(at)),
            credentials: Arc::new(StaticCredentials::default()),
            notifier: Arc::new(Nowhere),
        })
        .await
        .unwrap()
    }

    /// Regression: the tray and the window counted "pause for N minutes" from the
    /// system's clock, not the engine's, which decides when the pause is over.
    #[tokio::test]
    async fn a_pause_for_minutes_ends_that_long_after_the_engines_now() {
        let dir = tempfile::tempdir().unwrap();
        let at = Utc.with_ymd_and_hms(2001, 2, 3, 4, 5, 6).unwrap();
        let engine = engine_at(at, dir.path()).await;
        perform(&engine, UserRequest::Pause { minutes: Some(15) })
            .await
            .unwrap();
        let pause = engine.view().borrow().pause;
        let Some(Pause::Until(until)) = pause else {
            panic!("{pause:?}");
        };
        let after = until - at;
        assert!(
            after >= chrono::Duration::minutes(15) && after < chrono::Duration::minutes(16),
            "paused until {until}"
        );

        perform(&engine, UserRequest::Pause { minutes: None })
            .await
            .unwrap();
        assert_eq!(engine.view().borrow().pause, Some(Pause::UntilResumed));
        perform(&engine, UserRequest::Resume).await.unwrap();
        assert_eq!(engine.view().borrow().pause, None);
        engine.shutdown().await;
    }

    #[tokio::test]
    async fn opening_what_has_no_web_page_says_so() {
        let dir = tempfile::tempdir().unwrap();
        let engine = engine_at(Utc::now(), dir.path()).await;
        let unknown = IncidentKey::new("work", "P1");
        for request in [
            UserRequest::OpenIncident(unknown),
            UserRequest::OpenLink("file:///etc/passwd".into()),
        ] {
            let refused = perform(&engine, request).await.unwrap_err();
            assert_eq!(refused.to_string(), "this incident has no web page to open");
        }
        engine.shutdown().await;
    }

    #[test]
    fn a_refusal_says_what_could_not_be_done() {
        let cases = [
            (
                UserRequest::Act {
                    incidents: vec![],
                    kind: ActionKind::Resolve,
                },
                "resolve",
            ),
            (UserRequest::AcknowledgeAllTriggered, "acknowledge"),
            (UserRequest::Pause { minutes: Some(5) }, "pause"),
            (UserRequest::Resume, "resume"),
        ];
        for (request, verb) in cases {
            assert_eq!(request.verb(), verb, "{request:?}");
        }
    }
}

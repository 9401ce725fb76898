//! Who on the bus would receive `ActionInvoked` and `NotificationClosed` for a notification.
//!
//! A client learns about a button press only through those signals, and only if it has
//! asked the bus for them (`AddMatch`) before the signal is sent; a signal sent earlier is
//! gone. A test that presses a button the moment the notification appears can beat the
//! app's subscription (an app still starting up, or one that subscribes only after `Notify`
//! returned as notify-rust's `wait_for_action` does), and the press is silently lost. To
//! press only once someone listens, the recorder watches every `AddMatch`/`RemoveMatch` on
//! the bus through a second connection turned into a monitor (`BecomeMonitor`, D-Bus 1.10+,
//! which dbus-daemon and dbus-broker allow for the bus's own user), and keeps each
//! connection's match rules. Rules added before the recorder started are not seen.
//!
//! This sees the bus, not the client: a client library may still drop a signal that reaches
//! it in the instant between its `AddMatch` reply and the start of its own message stream.
//! notify-rust 4's `wait_for_action` has that window; a client that subscribes before it
//! sends `Notify` has none.
//!
//! If the bus refuses the monitor, the recorder still works; only
//! [`crate::Recorder::wait_for_listener`] reports that it cannot tell.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use zbus::fdo::MonitoringProxy;
use zbus::message::Type;
use zbus::{Connection, Message, MessageStream, OwnedMatchRule};

use crate::error::RecorderError;
use crate::server::{INTERFACE, OBJECT_PATH};

#[derive(Debug, Default)]
struct Tracking {
    /// Why tracking is not possible, once known.
    unavailable: Option<String>,
    /// The match rules in force, by the unique name of the connection that added them.
    rules: HashMap<String, Vec<OwnedMatchRule>>,
}

/// Cheap-to-clone view of the match rules the monitor has seen.
#[derive(Clone, Debug)]
pub(crate) struct Listeners {
    tracking: Arc<watch::Sender<Tracking>>,
}

impl Listeners {
    /// Turns `monitor` (a fresh connection to the recorder's bus) into a monitor and starts
    /// the task that follows it, owned by `tasks` and stopped by `cancel`. A bus that refuses
    /// is logged and remembered, not an error.
    pub(crate) async fn start(
        monitor: Connection,
        tasks: &TaskTracker,
        cancel: CancellationToken,
    ) -> Listeners {
        let (tracking, _) = watch::channel(Tracking::default());
        let listeners = Listeners {
            tracking: Arc::new(tracking),
        };
        match become_monitor(monitor).await {
            Ok(stream) => {
                tasks.spawn(listeners.clone().follow(stream, cancel));
            }
            Err(e) => {
                tracing::warn!("cannot monitor the bus, wait_for_listener will fail: {e}");
                listeners
                    .tracking
                    .send_modify(|t| t.unavailable = Some(e.to_string()));
            }
        }
        listeners
    }

    /// Waits until some connection other than the recorder's own (`server`) has match rules
    /// that deliver both `ActionInvoked(id, …)` and `NotificationClosed(id, …)` as the
    /// recorder sends them: only then does a client learn how the notification ended.
    pub(crate) async fn wait_until_listening(
        &self,
        server: &str,
        id: u32,
        timeout: Duration,
    ) -> Result<(), RecorderError> {
        let probes = [
            signal(server, "ActionInvoked", &(id, "default"))?,
            signal(server, "NotificationClosed", &(id, 2u32))?,
        ];
        let delivers_both = |rules: &[OwnedMatchRule]| {
            probes
                .iter()
                .all(|probe| rules.iter().any(|r| r.matches(probe).unwrap_or(false)))
        };
        let mut changes = self.tracking.subscribe();
        let ready = changes.wait_for(|t| {
            t.unavailable.is_some()
                || t.rules
                    .iter()
                    .any(|(name, rules)| name != server && delivers_both(rules))
        });
        // Take what is needed out of the channel's read guard before letting it go.
        let outcome = match tokio::time::timeout(timeout, ready).await {
            Ok(Ok(tracking)) => Some(tracking.unavailable.clone()),
            Ok(Err(_)) | Err(_) => None,
        };
        match outcome {
            Some(None) => Ok(()),
            Some(Some(reason)) => Err(RecorderError::ListenersUnknown(reason)),
            None => Err(RecorderError::Timeout {
                waited: timeout,
                what: format!(
                    "a client to subscribe to both ActionInvoked and NotificationClosed of \
                     notification {id}"
                ),
                recorded: self.describe(server),
            }),
        }
    }

    /// Every client's match rules, for a timeout message.
    fn describe(&self, server: &str) -> String {
        let tracking = self.tracking.borrow();
        let mut clients: Vec<String> = tracking
            .rules
            .iter()
            .filter(|(name, rules)| *name != server && !rules.is_empty())
            .map(|(name, rules)| {
                let rules: Vec<String> = rules.iter().map(|r| format!("\"{}\"", &**r)).collect();
                format!("{name} has match rules {}", rules.join(", "))
            })
            .collect();
        if clients.is_empty() {
            return "no client has match rules".to_owned();
        }
        clients.sort();
        clients.join("; ")
    }

    /// Applies every `AddMatch`, `RemoveMatch` and disconnection the monitor sees.
    async fn follow(self, mut stream: MessageStream, cancel: CancellationToken) {
        loop {
            let message = tokio::select! {
                () = cancel.cancelled() => return,
                message = stream.next() => message,
            };
            match message {
                Some(Ok(message)) => self.apply(&message),
                Some(Err(e)) => tracing::debug!("unreadable message on the monitor: {e}"),
                None => {
                    tracing::warn!("the bus closed the monitor connection");
                    self.tracking.send_modify(|t| {
                        t.unavailable = Some("the bus closed the monitor connection".to_owned());
                    });
                    return;
                }
            }
        }
    }

    fn apply(&self, message: &Message) {
        let header = message.header();
        let member = header.member().map(|m| m.as_str());
        match (message.message_type(), member) {
            (Type::MethodCall, Some(call @ ("AddMatch" | "RemoveMatch"))) => {
                let (Some(sender), Ok(rule)) =
                    (header.sender(), message.body().deserialize::<String>())
                else {
                    return;
                };
                let Ok(rule) = OwnedMatchRule::try_from(rule.as_str()) else {
                    return;
                };
                let sender = sender.to_string();
                self.tracking.send_modify(|t| {
                    let rules = t.rules.entry(sender).or_default();
                    if call == "AddMatch" {
                        rules.push(rule);
                    } else if let Some(at) = rules.iter().position(|r| *r == rule) {
                        rules.remove(at);
                    }
                });
            }
            (Type::Signal, Some("NameOwnerChanged")) => {
                if let Ok((name, _, new_owner)) =
                    message.body().deserialize::<(String, String, String)>()
                {
                    if name.starts_with(':') && new_owner.is_empty() {
                        self.tracking
                            .send_if_modified(|t| t.rules.remove(&name).is_some());
                    }
                }
            }
            _ => {}
        }
    }
}

/// Makes `monitor` a monitor of match-rule changes and disconnections. The stream is taken
/// before `BecomeMonitor` so that nothing the bus sends after its reply is missed.
async fn become_monitor(monitor: Connection) -> Result<MessageStream, RecorderError> {
    let stream = MessageStream::from(&monitor);
    let rules = [
        "type='method_call',interface='org.freedesktop.DBus',member='AddMatch'",
        "type='method_call',interface='org.freedesktop.DBus',member='RemoveMatch'",
        "type='signal',sender='org.freedesktop.DBus',interface='org.freedesktop.DBus',\
         member='NameOwnerChanged'",
    ]
    .map(|r| zbus::MatchRule::try_from(r).expect("static match rules are valid"));
    MonitoringProxy::new(&monitor)
        .await
        .map_err(RecorderError::dbus("creating the monitoring proxy"))?
        .become_monitor(&rules, 0)
        .await
        .map_err(|e| RecorderError::dbus("becoming a bus monitor")(e.into()))?;
    Ok(stream)
}

/// A signal as the recorder would send it, to test match rules against.
fn signal<B>(server: &str, member: &str, body: &B) -> Result<Message, RecorderError>
where
    B: serde::Serialize + zbus::zvariant::DynamicType,
{
    Message::signal(OBJECT_PATH, INTERFACE, member)
        .and_then(|b| b.sender(server))
        .and_then(|b| b.build(body))
        .map_err(RecorderError::dbus("building a probe signal"))
}

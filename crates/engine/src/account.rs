//! Per-account plumbing shared by an account's poller and its action sender: the
//! wake-ups between them, and the client with the token it was built from (built on
//! first use, again after the token changes).

use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use oncall_model::Provider;
use oncall_store::AccountConfig;
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::{watch, Mutex, Notify};

use crate::clock::Clock;
use crate::credentials::{Credentials, NoClient};
use crate::providers;

pub(crate) struct AccountSlot {
    pub config: AccountConfig,
    /// Poll as soon as possible (user action, pause ended, explicit refresh).
    pub poll_now: Notify,
    /// New actions were queued.
    pub send_now: Notify,
    /// Read the shifts again at the next poll (the user covered a shift).
    pub refresh_on_call: AtomicBool,
    /// Bumped whenever the account's token may have changed.
    pub credential_gen: watch::Sender<u64>,
    /// Bumped whenever the account's token is seen to work: a client was built (the
    /// token could be had), or the service answered a poll. An action sender waiting
    /// for a token sends then, not at the next token change.
    pub token_works: watch::Sender<u64>,
    /// The client, with the `credential_gen` it was built under: a client from an older
    /// generation is never handed out, whichever task notices the new token first.
    provider: Mutex<Option<(u64, Arc<dyn Provider>)>>,
    /// The token the current client was built with, to notice when the keychain holds
    /// a different one (`oncall-tray token set` while the app runs).
    token: Mutex<Option<SecretString>>,
    /// What the last run's client remembered ([`Provider::memory`], from `state.json`),
    /// for this run's first client; later clients take it from the one they replace.
    remembered: std::sync::Mutex<Option<serde_json::Value>>,
}

impl AccountSlot {
    pub(crate) fn new(config: AccountConfig, remembered: Option<serde_json::Value>) -> Self {
        AccountSlot {
            config,
            poll_now: Notify::new(),
            send_now: Notify::new(),
            refresh_on_call: AtomicBool::new(false),
            credential_gen: watch::Sender::new(0),
            token_works: watch::Sender::new(0),
            provider: Mutex::new(None),
            token: Mutex::new(None),
            remembered: std::sync::Mutex::new(remembered),
        }
    }

    /// The client and the credential generation it belongs to, built on first use (and
    /// again after the token changes).
    pub(crate) async fn client(
        &self,
        credentials: &dyn Credentials,
        clock: Arc<dyn Clock>,
    ) -> Result<(u64, Arc<dyn Provider>), NoClient> {
        let mut slot = self.provider.lock().await;
        let gen = *self.credential_gen.borrow();
        if let Some((built, provider)) = slot.as_ref() {
            if *built == gen {
                return Ok((gen, provider.clone()));
            }
        }
        let token = if providers::needs_token(&self.config) {
            let token = credentials.token(&self.config).await?;
            *self.token.lock().await = Some(token.clone());
            Some(token)
        } else {
            None
        };
        let provider = providers::build_on(&self.config, token, clock).map_err(NoClient::Config)?;
        let earlier = match slot.as_ref() {
            Some((_, replaced)) => replaced.memory(),
            None => self
                .remembered
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .take(),
        };
        if let Some(memory) = earlier {
            provider.recall(memory);
        }
        *slot = Some((gen, provider.clone()));
        drop(slot);
        self.token_works.send_modify(|n| *n += 1);
        Ok((gen, provider))
    }

    /// `acting` has answered an action after it was replaced (the token changed while
    /// the request was on its way): the client that replaced it took its memory before
    /// that answer, so what the action taught it (Grafana OnCall: my acknowledgement
    /// pins the group as acknowledged) is handed over now, or the new client would name
    /// the group's next trigger after the episode my press ended.
    pub(crate) async fn hand_over(&self, acting: &Arc<dyn Provider>) {
        let slot = self.provider.lock().await;
        if let Some((_, current)) = slot.as_ref() {
            if !Arc::ptr_eq(current, acting) {
                if let Some(memory) = acting.memory() {
                    current.recall(memory);
                }
            }
        }
    }

    /// The token may have changed: the poller (watching `credential_gen`) and the action
    /// sender (woken here) both try again with a client built from the keychain.
    pub(crate) fn credential_changed(&self) {
        self.credential_gen.send_modify(|g| *g += 1);
        self.send_now.notify_one();
    }

    /// Whether the credential store now holds a token other than the one in use (or
    /// one at all, where there was none).
    pub(crate) async fn token_replaced(&self, credentials: &dyn Credentials) -> bool {
        let Ok(current) = credentials.token(&self.config).await else {
            return false;
        };
        let used = self.token.lock().await;
        used.as_ref().map(|t| t.expose_secret()) != Some(current.expose_secret())
    }
}

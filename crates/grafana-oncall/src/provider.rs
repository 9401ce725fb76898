//! [`GrafanaOnCallClient`]: which requests implement each [`Provider`] method.

pub(crate) mod act;
pub(crate) mod schedules;

use std::collections::{BTreeSet, HashSet};
use std::sync::{Arc, Mutex, PoisonError};

use async_trait::async_trait;
use chrono::Utc;
use oncall_http::{malformed, Query};
use oncall_model::{
    ActionKind, ActionOutcome, Capabilities, CoverRequest, FetchResult, Identity, Incident,
    OnCallShift, Provider, ProviderError, ProviderKind, RotaEntry, ScheduleOverride, Status,
    WallClock,
};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use url::Url;

use crate::config::GrafanaOnCallConfig;
use crate::convert::{self, Episodes};
use crate::errors::ClientError;
use crate::http::Http;
use crate::wire::{AlertGroup, Page, User};

/// A list that needs more pages than this (10 000 items at 50 a page) is a server
/// looping its links.
const MAX_PAGES: u32 = 200;

/// At most this many groups a poll are asked for by id because they left both lists
/// (see `open_incidents`); more than that at once is the lists' own truth (a team
/// resolving a storm), and the rest count as gone.
const MAX_VANISHED: usize = 10;

/// What a Grafana OnCall account can do, known before any client is built.
pub const CAPABILITIES: Capabilities = Capabilities {
    resolve: true,
    // A silence for the chosen time (`POST …/silence` with `delay`).
    snooze: true,
    // Un-acknowledges, or un-silences a group this client silenced.
    unacknowledge: true,
    // Shifts and who is on call from the schedules' final shifts; taking a shift
    // (`cover`) is not offered: the API has no override endpoint.
    schedules: true,
    reassign_to_users: false,
    reassign_to_policies: false,
    reassign_to_teams: false,
    escalate_needs_target: None,
    // Resolution notes.
    notes: true,
    add_responders: false,
    set_urgency: false,
    details: false,
};

/// An [`oncall_model::Provider`] for one Grafana OnCall account (one user's API key).
pub struct GrafanaOnCallClient {
    config: GrafanaOnCallConfig,
    http: Http,
    /// The key's user, fetched once.
    identity: tokio::sync::OnceCell<Identity>,
    /// Episode pins (see `convert`). A std mutex: held only for the synchronous
    /// conversion, never across an `.await`.
    episodes: Mutex<Episodes>,
    /// Groups this client silenced and has not seen listed since: silenced groups are
    /// in neither list a poll reads, so each is asked for by id until its silence ends
    /// (see `open_incidents`). A std mutex, never held across an `.await`.
    silenced: Mutex<BTreeSet<String>>,
    /// "Now" for on-call questions and episode times; see [`Self::with_clock`].
    clock: WallClock,
}

impl std::fmt::Debug for GrafanaOnCallClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GrafanaOnCallClient")
            .field("config", &self.config)
            .field("http", &self.http)
            .finish_non_exhaustive()
    }
}

impl GrafanaOnCallClient {
    pub fn new(config: GrafanaOnCallConfig) -> Result<Self, ClientError> {
        let http = Http::new(&config)?;
        Ok(GrafanaOnCallClient {
            config,
            http,
            identity: tokio::sync::OnceCell::new(),
            episodes: Mutex::new(Episodes::default()),
            silenced: Mutex::new(BTreeSet::new()),
            clock: Arc::new(Utc::now),
        })
    }

    /// Replaces the system clock, so that an engine on simulated time (and tests on the
    /// fake's clock) ask about the shifts of its own "now".
    pub fn with_clock(mut self, now: WallClock) -> Self {
        self.clock = now;
        self
    }

    /// `{api_url}/api/v1/{segments…}`; a trailing `""` writes the documented trailing
    /// slash.
    pub(crate) fn api_url(&self, segments: &[&str], query: Option<&Query>) -> Url {
        let mut all = vec!["api", "v1"];
        all.extend_from_slice(segments);
        self.http.url(&all, query)
    }

    /// The alert groups list, narrowed by `filter` (`state` or `id`) and the account's
    /// team and labels.
    fn alert_groups_url(&self, filter: (&'static str, &str)) -> Url {
        let mut query = Query::default();
        query.push(filter.0, filter.1);
        if let Some(team) = self.config.team_id.as_deref().map(str::trim) {
            query.push("team_id", team);
        }
        for label in &self.config.labels {
            query.push("label", label.trim());
        }
        self.api_url(&["alert_groups", ""], Some(&query))
    }

    /// Reads a list to its end, following `next` only to the API URL's origin and the
    /// list's own path (the key travels with every request).
    pub(crate) async fn all_pages<T: DeserializeOwned>(
        &self,
        first: Url,
        requests: &mut u32,
    ) -> Result<Vec<T>, ProviderError> {
        let path = first.path().to_owned();
        let mut url = first;
        let mut items = Vec::new();
        let mut pages = 0;
        loop {
            pages += 1;
            *requests += 1;
            let page: Page<T> = self.http.get(url).await?.json()?;
            items.extend(page.results);
            match page.next.filter(|n| !n.trim().is_empty()) {
                None => return Ok(items),
                Some(_) if pages >= MAX_PAGES => {
                    return Err(malformed(format_args!(
                        "still more pages after {MAX_PAGES}; the `next` links seem to loop"
                    )))
                }
                Some(next) => url = next_page(self.http.base(), &path, &next)?,
            }
        }
    }

    /// Alert groups this client silenced that neither list showed: each asked for by id.
    /// Still silenced, it is shown acknowledged; listed again, resolved or gone, it is
    /// no longer watched.
    async fn silenced_groups(
        &self,
        listed: &HashSet<String>,
        requests: &mut u32,
    ) -> Result<Vec<AlertGroup>, ProviderError> {
        let watched: Vec<String> = {
            let mut silenced = self.silenced.lock().unwrap_or_else(PoisonError::into_inner);
            silenced.retain(|id| !listed.contains(id));
            silenced.iter().cloned().collect()
        };
        let mut groups = Vec::new();
        for id in watched {
            *requests += 1;
            let url = self.api_url(&["alert_groups", &id], None);
            let group = match self.http.get(url).await {
                Ok(reply) => Some(reply.json::<AlertGroup>()?),
                Err(ProviderError::Rejected { status: 404, .. }) => None,
                Err(e) => return Err(e),
            };
            match group {
                Some(group) if convert::status(&group, Status::Acknowledged).is_some() => {
                    groups.push(group)
                }
                _ => self.forget_silence(&id),
            }
        }
        Ok(groups)
    }

    /// The group was acknowledged or silenced here just now (see `convert`).
    pub(crate) fn acknowledged_here(&self, id: &str) {
        let now = (self.clock)();
        let mut episodes = self.episodes.lock().unwrap_or_else(PoisonError::into_inner);
        episodes.acknowledged_here(id, now);
    }

    /// Groups the last poll showed open that neither list showed now, asked for by id
    /// through the account's filters: one that was acknowledged (or un-acknowledged)
    /// between the two list requests is in neither, and counting it gone would make it
    /// a new episode, and a second page, at the next poll. Kept when the answer says it
    /// is new or acknowledged; silenced elsewhere, resolved, or no longer selected by
    /// the filters, it is gone, as before.
    async fn vanished_groups(
        &self,
        seen: &HashSet<String>,
        requests: &mut u32,
    ) -> Result<Vec<(AlertGroup, Status)>, ProviderError> {
        let vanished = self
            .episodes
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .vanished(seen, MAX_VANISHED);
        let mut groups = Vec::new();
        for (id, last) in vanished {
            *requests += 1;
            let page: Page<AlertGroup> = self
                .http
                .get(self.alert_groups_url(("id", &id)))
                .await?
                .json()?;
            let listed = page.results.into_iter().find(|g| g.id == id).filter(|g| {
                matches!(
                    g.state
                        .as_deref()
                        .map(|s| s.trim().to_ascii_lowercase())
                        .as_deref(),
                    Some("new" | "firing" | "acknowledged")
                )
            });
            if let Some(group) = listed {
                groups.push((group, last));
            }
        }
        Ok(groups)
    }

    pub(crate) fn remember_silence(&self, id: &str) {
        let mut silenced = self.silenced.lock().unwrap_or_else(PoisonError::into_inner);
        silenced.insert(id.to_owned());
    }

    pub(crate) fn forget_silence(&self, id: &str) {
        let mut silenced = self.silenced.lock().unwrap_or_else(PoisonError::into_inner);
        silenced.remove(id);
    }

    pub(crate) fn is_silenced_here(&self, id: &str) -> bool {
        let silenced = self.silenced.lock().unwrap_or_else(PoisonError::into_inner);
        silenced.contains(id)
    }

    fn convert(&self, listed: Vec<(AlertGroup, Status)>) -> Vec<Incident> {
        let now = (self.clock)();
        let mut episodes = self.episodes.lock().unwrap_or_else(PoisonError::into_inner);
        let incidents: Vec<Incident> = listed
            .iter()
            .filter_map(|(group, status)| {
                convert::incident(&self.config.account, group, *status, &mut episodes, now)
            })
            .collect();
        let open: HashSet<String> = incidents.iter().map(|i| i.key.id.clone()).collect();
        episodes.retain(&open, now);
        incidents
    }
}

/// What a client hands to the next one ([`Provider::memory`]): its episode pins and the
/// groups it silenced, neither of which the API can tell again.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Memory {
    #[serde(default)]
    episodes: Episodes,
    #[serde(default)]
    silenced: BTreeSet<String>,
}

/// `next`, if it may be followed: only to `base`'s origin and the list's own `path`.
pub(crate) fn next_page(base: &Url, path: &str, next: &str) -> Result<Url, ProviderError> {
    let url = Url::parse(next).map_err(|e| malformed(format_args!("`next` is not a URL ({e})")))?;
    if url.origin() != base.origin() {
        return Err(malformed(format_args!(
            "`next` points to another origin ({}); refusing to send the API key there",
            url.origin().ascii_serialization()
        )));
    }
    if url.path() != path {
        return Err(malformed(format_args!(
            "`next` points to {} instead of the list being read",
            url.path()
        )));
    }
    Ok(url)
}

/// Appends the groups of one list that were not listed before, with the status their
/// list selects: a group acknowledged between the two requests can be in both.
pub(crate) fn add_unseen(
    groups: &mut Vec<(AlertGroup, Status)>,
    seen: &mut HashSet<String>,
    page: Vec<AlertGroup>,
    listed: Status,
) {
    for group in page {
        if seen.insert(group.id.clone()) {
            groups.push((group, listed));
        }
    }
}

#[async_trait]
impl Provider for GrafanaOnCallClient {
    fn kind(&self) -> ProviderKind {
        ProviderKind::GrafanaOnCall
    }

    fn capabilities(&self) -> Capabilities {
        CAPABILITIES
    }

    /// `GET /api/v1/users/current/`: the key's user, asked once.
    async fn identify(&self) -> Result<Identity, ProviderError> {
        self.identity
            .get_or_try_init(|| async {
                let url = self.api_url(&["users", "current", ""], None);
                let user: User = self.http.get(url).await?.json()?;
                if user.id.trim().is_empty() {
                    return Err(malformed("the current user has no id"));
                }
                let email = convert::shown(user.email.as_deref());
                let name = convert::shown(user.username.as_deref())
                    .or_else(|| email.clone())
                    .unwrap_or_else(|| user.id.clone());
                Ok(Identity {
                    user_id: user.id,
                    email,
                    name,
                })
            })
            .await
            .cloned()
    }

    /// `state=new`, then `state=acknowledged`, each to its last page: the list filter
    /// takes one state per request, so a poll costs two requests at least (one per
    /// state while each has at most 50 groups, a page's size). Groups this client
    /// silenced cost one request each until their silence ends, and so does a group the
    /// last poll showed that neither list shows now (`vanished_groups`), once.
    async fn open_incidents(&self) -> Result<FetchResult, ProviderError> {
        let mut requests = 0;
        let mut groups = Vec::new();
        let mut seen = HashSet::new();
        for (state, status) in [
            ("new", Status::Triggered),
            ("acknowledged", Status::Acknowledged),
        ] {
            let page = self
                .all_pages(self.alert_groups_url(("state", state)), &mut requests)
                .await?;
            add_unseen(&mut groups, &mut seen, page, status);
        }
        let silenced = self.silenced_groups(&seen, &mut requests).await?;
        add_unseen(&mut groups, &mut seen, silenced, Status::Acknowledged);
        for (group, last) in self.vanished_groups(&seen, &mut requests).await? {
            add_unseen(&mut groups, &mut seen, vec![group], last);
        }
        Ok(FetchResult {
            incidents: self.convert(groups),
            requests,
        })
    }

    /// One request per group, each synchronous (the answer is the outcome); see
    /// `provider/act.rs`.
    async fn act(
        &self,
        kind: &ActionKind,
        incident_ids: &[String],
    ) -> Vec<Result<ActionOutcome, ProviderError>> {
        let mut results = Vec::with_capacity(incident_ids.len());
        for id in incident_ids {
            results.push(self.act_on(kind, id).await);
        }
        results
    }

    async fn on_calls(&self) -> Result<Vec<OnCallShift>, ProviderError> {
        self.my_shifts().await
    }

    async fn rota(&self) -> Result<Vec<RotaEntry>, ProviderError> {
        self.rota_entries().await
    }

    /// The API has schedule overrides only as an iCal URL or in the web UI: no request
    /// creates one.
    async fn cover(&self, _request: &CoverRequest) -> Result<ScheduleOverride, ProviderError> {
        Err(ProviderError::Unsupported {
            provider: ProviderKind::GrafanaOnCall,
            action: "take a shift (its API has no schedule overrides)",
        })
    }

    fn memory(&self) -> Option<serde_json::Value> {
        let memory = Memory {
            episodes: self
                .episodes
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .clone(),
            silenced: self
                .silenced
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .clone(),
        };
        serde_json::to_value(memory).ok()
    }

    fn recall(&self, memory: serde_json::Value) {
        let earlier: Memory = match serde_json::from_value(memory) {
            Ok(memory) => memory,
            Err(e) => {
                tracing::warn!("the last client's memory is unreadable, starting afresh: {e}");
                return;
            }
        };
        self.episodes
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .recall(earlier.episodes);
        self.silenced
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend(earlier.silenced);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_links_stay_on_the_origin_and_the_list() {
        let base = Url::parse("https://oncall.example/oncall").unwrap();
        let path = "/oncall/api/v1/alert_groups/";
        assert!(next_page(
            &base,
            path,
            "https://oncall.example/oncall/api/v1/alert_groups/?page=2&state=new"
        )
        .is_ok());
        for bad in [
            "https://evil.example/oncall/api/v1/alert_groups/?page=2",
            "http://oncall.example/oncall/api/v1/alert_groups/?page=2",
            "https://oncall.example:8443/oncall/api/v1/alert_groups/?page=2",
            "https://oncall.example/oncall/api/v1/users/?page=2",
            "/oncall/api/v1/alert_groups/?page=2",
        ] {
            let error = next_page(&base, path, bad).unwrap_err();
            assert!(
                matches!(error, ProviderError::Malformed { .. }),
                "{bad}: {error:?}"
            );
        }
    }
}

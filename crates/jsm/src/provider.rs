//! [`JsmClient`]: which requests implement each [`Provider`] method. Listing (paging and
//! its limits) is `provider/list.rs`, actions `provider/act.rs`, on-call
//! `provider/schedules.rs`.

mod act;
pub(crate) mod list;
pub(crate) mod schedules;

use std::sync::{Arc, Mutex, PoisonError};

use async_trait::async_trait;
use chrono::Utc;
use oncall_http::{displayable, malformed, Query};
use oncall_model::{
    ActionKind, ActionOutcome, Capabilities, CoverRequest, FetchResult, Identity, OnCallShift,
    Provider, ProviderError, ProviderKind, RotaEntry, ScheduleOverride, WallClock,
};
use url::Url;

use crate::config::JsmConfig;
use crate::convert::Episodes;
use crate::errors::ClientError;
use crate::http::{ApiHttp, SiteHttp};
use crate::wire;

/// What a JSM Operations account can do, known before any client is built.
pub const CAPABILITIES: Capabilities = Capabilities {
    resolve: true,
    snooze: true,
    unacknowledge: true,
    schedules: true,
    notes: true,
    ..Capabilities::ACKNOWLEDGE_ONLY
};

/// An [`oncall_model::Provider`] for one JSM Operations account (one Atlassian account's
/// e-mail and API token on one Jira site).
pub struct JsmClient {
    config: JsmConfig,
    api: ApiHttp,
    site: SiteHttp,
    /// The site's cloud id, looked up once on first need (a failure is not kept).
    cloud_id: tokio::sync::OnceCell<String>,
    /// Set once the credential was proven to work; `identify` asks only once.
    identity: tokio::sync::OnceCell<Identity>,
    /// Episode pins (see `convert`). A std mutex: held only for the synchronous
    /// conversion of one poll, never across an `.await`.
    episodes: Mutex<Episodes>,
    /// The e-mail's Atlassian account, fetched on first need (schedules).
    me: tokio::sync::OnceCell<schedules::Me>,
    /// "Now" for snooze ends and on-call questions; see [`JsmClient::with_clock`].
    clock: WallClock,
}

impl std::fmt::Debug for JsmClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JsmClient")
            .field("config", &self.config)
            .field("api", &self.api)
            .finish_non_exhaustive()
    }
}

impl JsmClient {
    pub fn new(config: JsmConfig) -> Result<Self, ClientError> {
        let api = ApiHttp::new(&config)?;
        let site = SiteHttp::new(&config).map_err(site_error)?;
        Ok(JsmClient {
            config,
            api,
            site,
            cloud_id: tokio::sync::OnceCell::new(),
            identity: tokio::sync::OnceCell::new(),
            episodes: Mutex::new(Episodes::default()),
            me: tokio::sync::OnceCell::new(),
            clock: Arc::new(Utc::now),
        })
    }

    /// Replaces the system clock for snooze ends and on-call questions, so that an
    /// engine on simulated time (and tests on the fake's clock) use its own "now".
    pub fn with_clock(mut self, clock: WallClock) -> Self {
        self.clock = clock;
        self
    }

    /// The site's cloud id (`GET https://{site}/_edge/tenant_info`, no credentials:
    /// <https://support.atlassian.com/atlassian-account/docs/manage-api-tokens-for-your-atlassian-account/>
    /// names it as where the cloud id is found), looked up once.
    async fn cloud_id(&self) -> Result<&str, ProviderError> {
        self.cloud_id
            .get_or_try_init(|| async {
                let url = self.site.url(&["_edge", "tenant_info"], None);
                let host = self
                    .config
                    .site_url
                    .host_str()
                    .unwrap_or("the site")
                    .to_owned();
                let reply = self.site.get(url).await.map_err(|e| match e {
                    ProviderError::Rejected { status: 404, .. } => ProviderError::Rejected {
                        status: 404,
                        code: None,
                        message: displayable(&format!("no Jira site at {host}")),
                    },
                    ProviderError::Rejected {
                        status: status @ 300..=399,
                        ..
                    } => ProviderError::Rejected {
                        status,
                        code: None,
                        message: displayable(&format!(
                            "the Jira site {host} redirected its cloud id request; check the \
                             site's name"
                        )),
                    },
                    ProviderError::Unauthorized { status, .. } => ProviderError::Rejected {
                        status,
                        code: None,
                        message: displayable(&format!(
                            "the Jira site {host} would not tell its cloud id (HTTP {status})"
                        )),
                    },
                    other => other,
                })?;
                reply
                    .json::<wire::TenantInfo>()?
                    .cloud_id
                    .map(|id| id.trim().to_owned())
                    .filter(|id| !id.is_empty())
                    .ok_or_else(|| malformed(format_args!("{host} answered without a cloud id")))
            })
            .await
            .map(String::as_str)
    }

    /// `{api_url}/jsm/ops/api/{cloudId}/v1/` + `segments` + `query`.
    async fn ops_url(
        &self,
        segments: &[&str],
        query: Option<&Query>,
    ) -> Result<Url, ProviderError> {
        let cloud_id = self.cloud_id().await?;
        let mut all = vec!["jsm", "ops", "api", cloud_id, "v1"];
        all.extend_from_slice(segments);
        Ok(self.api.url(&all, query))
    }
}

/// A construction error of the site's transport, worded about the site.
fn site_error(error: ClientError) -> ClientError {
    match error {
        ClientError::InsecureUrl(e) => ClientError::InvalidSite(e.to_string()),
        ClientError::UrlHasExtras => ClientError::InvalidSite(
            "it must not contain a user name, password, query or fragment".to_owned(),
        ),
        ClientError::CannotBeABase(url) => {
            ClientError::InvalidSite(format!("`{url}` cannot take paths"))
        }
        other => other,
    }
}

#[async_trait]
impl Provider for JsmClient {
    fn kind(&self) -> ProviderKind {
        ProviderKind::Jsm
    }

    fn capabilities(&self) -> Capabilities {
        CAPABILITIES
    }

    /// One `GET …/v1/alerts?size=1` with the account's query proves the e-mail, the
    /// token and the query; the identity is the e-mail.
    async fn identify(&self) -> Result<Identity, ProviderError> {
        self.identity
            .get_or_try_init(|| async {
                let url = self.list_url(0, 1).await?;
                self.api.get(url).await?.json::<wire::Page<wire::Alert>>()?;
                let email = self.config.email.trim().to_owned();
                Ok(Identity {
                    user_id: email.clone(),
                    email: Some(email.clone()),
                    name: email,
                })
            })
            .await
            .cloned()
    }

    async fn open_incidents(&self) -> Result<FetchResult, ProviderError> {
        let (alerts, requests) = self.all_alerts().await?;
        let mut episodes = self.episodes.lock().unwrap_or_else(PoisonError::into_inner);
        let incidents: Vec<_> = alerts
            .iter()
            .filter_map(|a| {
                crate::convert::incident(
                    &self.config.account,
                    &self.config.site_url,
                    a,
                    &self.config.high_priorities,
                    &mut episodes,
                )
            })
            .collect();
        let open: std::collections::HashSet<String> =
            incidents.iter().map(|i| i.key.id.clone()).collect();
        episodes.retain(&open);
        Ok(FetchResult {
            incidents,
            requests,
        })
    }

    async fn act(
        &self,
        kind: &ActionKind,
        incident_ids: &[String],
    ) -> Vec<Result<ActionOutcome, ProviderError>> {
        self.act_and_confirm(kind, incident_ids).await
    }

    /// My shifts in every schedule I can see, from their final timelines.
    async fn on_calls(&self) -> Result<Vec<OnCallShift>, ProviderError> {
        self.my_shifts().await
    }

    /// Who is on call now and next in each schedule that has me in it.
    async fn rota(&self) -> Result<Vec<RotaEntry>, ProviderError> {
        self.rota_entries().await
    }

    async fn cover(&self, request: &CoverRequest) -> Result<ScheduleOverride, ProviderError> {
        self.create_override(request).await
    }
}

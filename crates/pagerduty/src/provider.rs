//! [`PagerDutyClient`]: which requests each `Provider` method sends, and how their
//! answers become incidents, shifts and action outcomes.

mod details;
mod escalate;
mod respond;
mod schedules;
mod update;

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::Utc;
use oncall_model::{
    AccountId, ActionKind, ActionOutcome, Assignee, AssigneeKind, Capabilities, CoverRequest,
    FetchResult, Identity, Incident, IncidentDetails, OnCallShift, Provider, ProviderError,
    ProviderKind, RotaEntry, ScheduleOverride, WallClock,
};
use reqwest::header::HeaderValue;
use tokio::sync::OnceCell;

use oncall_http::{malformed, Query};

use crate::client::{self, Http};
use crate::config::{IncidentFilter, PagerDutyConfig};
use crate::errors::ClientError;
use crate::{convert, wire};
use update::Target;

/// PagerDuty's largest page (`limit` "cannot exceed 100").
const PAGE_LIMIT: u32 = 100;
/// Consecutive pages overlap by a tenth of a page. Offset paging over a list that
/// changes between requests skips one incident for every incident that resolves
/// before the page boundary; a skipped incident would look resolved, or a new trigger
/// would wait a whole poll. With the overlap, up to 10 such resolutions cost nothing but
/// a duplicate (dropped by id); more are detected, because the next page then starts
/// with an incident never seen, and the poll fails as transient instead of returning a
/// list with holes. New incidents append at the end (`sort_by=incident_number:asc`),
/// so triggers during paging never shift earlier pages.
const PAGE_OVERLAP_DIVISOR: u32 = 10;
/// Offset paging refuses `offset + limit > 10000` with a 400.
const MAX_OFFSET_PLUS_LIMIT: u32 = 10_000;
/// Largest bulk `PUT /incidents`; more gets a 413.
const BULK_MAX: usize = 250;

/// PagerDuty error codes the client acts on (PD-docs `14-Errors.md`).
mod code {
    pub const ALREADY_RESOLVED: i64 = 1001;
    pub const ALREADY_ACKNOWLEDGED: i64 = 1002;
    pub const REQUESTER_NOT_FOUND: i64 = 1008;
    pub const NOT_ACKNOWLEDGED: i64 = 1012;
    pub const BAD_SNOOZE_DURATION: i64 = 1013;
}

/// What a PagerDuty account can do, known before any client is built.
pub const CAPABILITIES: Capabilities = Capabilities {
    resolve: true,
    snooze: true,
    // PagerDuty has no "unacknowledge"; acknowledgements time out on their own.
    unacknowledge: false,
    schedules: true,
    reassign_to_users: true,
    reassign_to_policies: true,
    // PagerDuty hands incidents to users and escalation policies, not to teams.
    reassign_to_teams: false,
    // "Escalate" goes to the next level of the incident's own policy.
    escalate_needs_target: Some(false),
    notes: true,
    add_responders: true,
    set_urgency: true,
    details: true,
};

/// A PagerDuty REST API v2 client for one account. Cheap to share behind an `Arc`;
/// it sends at most one request at a time (see the crate docs).
pub struct PagerDutyClient {
    account: AccountId,
    filter: IncidentFilter,
    /// The configured `From` address, validated; `None` means "the token user's email".
    from_email: Option<HeaderValue>,
    http: Http,
    /// `GET /users/me`, fetched on first need. Failures are not cached, so a network
    /// outage at start-up does not stick.
    identity: OnceCell<Identity>,
    /// "Now" for on-call questions (`since`, and what is current in the rota).
    clock: WallClock,
}

impl fmt::Debug for PagerDutyClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PagerDutyClient")
            .field("account", &self.account)
            .field("base_url", &self.http.base().as_str())
            .field("filter", &self.filter)
            .field("from_email", &self.from_email)
            .field("identity", &self.identity.get())
            .finish_non_exhaustive()
    }
}

impl PagerDutyClient {
    /// Validates the configuration and builds the HTTP client. Sends nothing.
    pub fn new(config: PagerDutyConfig) -> Result<Self, ClientError> {
        let http = Http::new(&config)?;
        let from_email = match config.from_email.as_deref() {
            None => None,
            Some(email) => Some(
                client::from_header(email)
                    .ok_or_else(|| ClientError::InvalidFromEmail(email.to_owned()))?,
            ),
        };
        Ok(PagerDutyClient {
            account: config.account,
            filter: config.filter,
            from_email,
            http,
            identity: OnceCell::new(),
            clock: Arc::new(Utc::now),
        })
    }

    /// Replaces the system clock for on-call questions, so that an engine on simulated
    /// time (and tests on the fake's clock) ask about the shifts of its own "now".
    pub fn with_clock(mut self, clock: WallClock) -> Self {
        self.clock = clock;
        self
    }

    pub fn account(&self) -> &AccountId {
        &self.account
    }

    /// The identity, and how many requests getting it took (0 when cached).
    async fn identity_counting(&self) -> Result<(Identity, u32), ProviderError> {
        let mut requests = 0;
        let me = self
            .identity
            .get_or_try_init(|| {
                requests = 1;
                self.fetch_identity()
            })
            .await?;
        Ok((me.clone(), requests))
    }

    async fn fetch_identity(&self) -> Result<Identity, ProviderError> {
        let reply = self.http.get(self.http.url(&["users", "me"], None)).await?;
        convert::identity(reply.json::<wire::UserEnvelope>()?.user)
    }

    fn list_query(&self, my_user_id: &str, offset: u32) -> Query {
        let mut query = Query::default();
        query
            .push("statuses[]", "triggered")
            .push("statuses[]", "acknowledged")
            .push("date_range", "all")
            // A stable order that new incidents only append to, so paging is not
            // disturbed by incidents triggering while we read.
            .push("sort_by", "incident_number:asc")
            .push("limit", &PAGE_LIMIT.to_string())
            .push("offset", &offset.to_string());
        let filter = &self.filter;
        if filter.assigned_to_me {
            query.push("user_ids[]", my_user_id);
        }
        for team in &filter.team_ids {
            query.push("team_ids[]", team);
        }
        for service in &filter.service_ids {
            query.push("service_ids[]", service);
        }
        for urgency in &filter.urgencies {
            query.push("urgencies[]", urgency.as_str());
        }
        query
    }

    /// The `From` header of writes: the configured address, else the token user's.
    async fn acting_user_email(&self) -> Result<HeaderValue, ProviderError> {
        if let Some(from) = &self.from_email {
            return Ok(from.clone());
        }
        let me = self.identify().await?;
        me.email
            .as_deref()
            .and_then(client::from_header)
            .ok_or_else(|| ProviderError::Rejected {
                // What PagerDuty answers to a write without a usable `From`; nothing
                // was sent.
                status: 400,
                code: None,
                message: format!(
                    "PagerDuty needs the acting user's email for this; the token's user ({}) \
                     has none, so set from_email for account {}",
                    me.user_id, self.account
                ),
            })
    }
}

#[async_trait]
impl Provider for PagerDutyClient {
    fn kind(&self) -> ProviderKind {
        ProviderKind::PagerDuty
    }

    fn capabilities(&self) -> Capabilities {
        CAPABILITIES
    }

    async fn identify(&self) -> Result<Identity, ProviderError> {
        self.identity_counting().await.map(|(me, _)| me)
    }

    async fn open_incidents(&self) -> Result<FetchResult, ProviderError> {
        // Needed even without the assigned-to-me filter: it decides `assigned_to_me_at`.
        let (me, mut requests) = self.identity_counting().await?;
        let mut incidents: Vec<Incident> = Vec::new();
        let mut seen: HashSet<String> = HashSet::new();
        let mut offset: u32 = 0;
        // Set after a full page: the id the next page must start with an already
        // seen incident, or the list shifted under us (see `PAGE_OVERLAP_DIVISOR`).
        let mut expect_overlap = false;
        loop {
            if offset + PAGE_LIMIT > MAX_OFFSET_PLUS_LIMIT {
                return Err(ProviderError::Rejected {
                    // PagerDuty's own answer to such a request; this one was not sent.
                    status: 400,
                    code: None,
                    message: "more than 10,000 open incidents match; narrow the account's filter"
                        .to_owned(),
                });
            }
            let url = self
                .http
                .url(&["incidents"], Some(&self.list_query(&me.user_id, offset)));
            let page: wire::IncidentPage = self.http.get(url).await?.json()?;
            requests += 1;

            let received = page.incidents.len();
            for (position, wire) in page.incidents.into_iter().enumerate() {
                let incident = convert::incident(&self.account, &me.user_id, wire)?;
                if position == 0 && expect_overlap && !seen.contains(&incident.key.id) {
                    return Err(ProviderError::Unavailable {
                        message: "many incidents resolved while the list was being read; \
                                  the next poll reads it again"
                            .to_owned(),
                    });
                }
                // Pages overlap on purpose, and incidents that trigger or resolve while
                // we page shift the offsets: the same incident can come twice.
                if seen.insert(incident.key.id.clone()) {
                    incidents.push(incident);
                }
            }
            if !page.more {
                break;
            }
            if received == 0 {
                // "More" but nothing here: continuing could only skip incidents.
                return Err(malformed(
                    "PagerDuty announced more incidents but sent an empty page",
                ));
            }
            // Step by what the server actually applied (it may clamp our limit), less
            // the overlap.
            let limit = page.limit.unwrap_or(PAGE_LIMIT).clamp(1, PAGE_LIMIT);
            let overlap = limit / PAGE_OVERLAP_DIVISOR;
            expect_overlap = overlap > 0 && received >= limit as usize;
            offset += limit - overlap;
        }
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
        if incident_ids.is_empty() {
            return Vec::new();
        }
        // The same id twice would fail a bulk update; ask once and answer every copy.
        let mut unique: Vec<&str> = Vec::new();
        let mut index: HashMap<&str, usize> = HashMap::new();
        for id in incident_ids {
            index.entry(id.as_str()).or_insert_with(|| {
                unique.push(id.as_str());
                unique.len() - 1
            });
        }
        let results = match kind {
            ActionKind::Acknowledge => self.update(&unique, Target::Acknowledged).await,
            ActionKind::Resolve => self.update(&unique, Target::Resolved).await,
            ActionKind::Snooze { seconds } => self.snooze(&unique, *seconds).await,
            ActionKind::Unacknowledge => unique
                .iter()
                .map(|_| Err(respond::unsupported(kind)))
                .collect(),
            _ => self.respond(kind, &unique).await,
        };
        incident_ids
            .iter()
            .map(|id| results[index[id.as_str()]].clone())
            .collect()
    }

    async fn details(&self, incident_id: &str) -> Result<IncidentDetails, ProviderError> {
        self.incident_details(incident_id).await
    }

    async fn find_assignees(
        &self,
        query: &str,
        kinds: &[AssigneeKind],
    ) -> Result<Vec<Assignee>, ProviderError> {
        self.search_assignees(query, kinds).await
    }

    async fn on_calls(&self) -> Result<Vec<OnCallShift>, ProviderError> {
        self.my_shifts().await
    }

    async fn rota(&self) -> Result<Vec<RotaEntry>, ProviderError> {
        self.rota_entries().await
    }

    async fn cover(&self, request: &CoverRequest) -> Result<ScheduleOverride, ProviderError> {
        self.create_override(request).await
    }
}

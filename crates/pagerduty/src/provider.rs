//! [`PagerDutyClient`]: which requests each `Provider` method sends, and how their
//! answers become incidents, shifts and action outcomes.

mod schedules;

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::Utc;
use oncall_model::{
    AccountId, ActionKind, ActionOutcome, Capabilities, CoverRequest, FetchResult, Identity,
    Incident, OnCallShift, Provider, ProviderError, ProviderKind, RotaEntry, ScheduleOverride,
    WallClock,
};
use reqwest::header::HeaderValue;
use reqwest::Method;
use serde_json::json;
use tokio::sync::OnceCell;

use oncall_http::{malformed, Query};

use crate::client::{self, Http};
use crate::config::{IncidentFilter, PagerDutyConfig};
use crate::errors::ClientError;
use crate::{convert, wire};

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

/// The status a bulk update sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    Acknowledged,
    Resolved,
}

impl Target {
    fn as_str(self) -> &'static str {
        match self {
            Target::Acknowledged => "acknowledged",
            Target::Resolved => "resolved",
        }
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

    /// Acknowledge or resolve, `BULK_MAX` incidents per request.
    async fn update(
        &self,
        ids: &[&str],
        target: Target,
    ) -> Vec<Result<ActionOutcome, ProviderError>> {
        let from = match self.acting_user_email().await {
            Ok(from) => from,
            Err(error) => return ids.iter().map(|_| Err(error.clone())).collect(),
        };
        let mut results = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(BULK_MAX) {
            if let Some(error) = halting_error(&results) {
                results.extend(chunk.iter().map(|_| Err(error.clone())));
                continue;
            }
            results.extend(self.update_chunk(chunk, target, &from).await);
        }
        results
    }

    async fn update_chunk(
        &self,
        chunk: &[&str],
        target: Target,
        from: &HeaderValue,
    ) -> Vec<Result<ActionOutcome, ProviderError>> {
        let items: Vec<_> = chunk
            .iter()
            .map(|id| json!({"id": id, "type": "incident_reference", "status": target.as_str()}))
            .collect();
        let url = self.http.url(&["incidents"], None);
        let bulk = self
            .http
            .write(
                Method::PUT,
                url,
                ("from", from),
                &json!({ "incidents": items }),
            )
            .await;
        match bulk {
            // The bulk update is all-or-nothing: one incident someone else already
            // acknowledged fails the whole batch. One by one, each gets its own answer.
            // Not for a bad `From`, which would fail every one of them the same way.
            Err(ProviderError::Rejected { code, .. })
                if chunk.len() > 1 && code != Some(code::REQUESTER_NOT_FOUND) =>
            {
                let mut results = Vec::with_capacity(chunk.len());
                for id in chunk {
                    if let Some(error) = halting_error(&results) {
                        results.push(Err(error));
                        continue;
                    }
                    let url = self.http.url(&["incidents", id], None);
                    let body = json!({"incident": {"type": "incident_reference", "status": target.as_str()}});
                    let one = self
                        .http
                        .write(Method::PUT, url, ("from", from), &body)
                        .await;
                    results.push(update_outcome(target, one));
                }
                results
            }
            other => chunk
                .iter()
                .map(|_| update_outcome(target, other.clone()))
                .collect(),
        }
    }

    async fn snooze(
        &self,
        ids: &[&str],
        seconds: u32,
    ) -> Vec<Result<ActionOutcome, ProviderError>> {
        let from = match self.acting_user_email().await {
            Ok(from) => from,
            Err(error) => return ids.iter().map(|_| Err(error.clone())).collect(),
        };
        let mut results = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(error) = halting_error(&results) {
                results.push(Err(error));
                continue;
            }
            let url = self.http.url(&["incidents", id, "snooze"], None);
            let result = self
                .http
                .write(
                    Method::POST,
                    url,
                    ("from", &from),
                    &json!({ "duration": seconds }),
                )
                .await;
            results.push(snooze_outcome(seconds, result));
        }
        results
    }
}

/// After a failure that is about the account, not the incident (bad token, rate limit,
/// outage), the remaining incidents of the call are not sent: they would fail the same
/// way and only dig the rate-limit hole deeper. They get the same error, so the caller
/// retries them together.
fn halting_error(results: &[Result<ActionOutcome, ProviderError>]) -> Option<ProviderError> {
    results.iter().find_map(|result| match result {
        Err(
            error @ (ProviderError::Unauthorized { .. }
            | ProviderError::RateLimited { .. }
            | ProviderError::Unavailable { .. }),
        ) => Some(error.clone()),
        _ => None,
    })
}

/// Maps PagerDuty's "already" refusals to the outcome the user wanted anyway.
fn update_outcome(
    target: Target,
    result: Result<(), ProviderError>,
) -> Result<ActionOutcome, ProviderError> {
    let error = match result {
        Ok(()) => return Ok(ActionOutcome::Done),
        Err(error) => error,
    };
    let code = match &error {
        ProviderError::Rejected {
            code: Some(code), ..
        } => *code,
        _ => return Err(error),
    };
    match (target, code) {
        (Target::Acknowledged, code::ALREADY_ACKNOWLEDGED) => Ok(ActionOutcome::AlreadyDone),
        (Target::Acknowledged, code::ALREADY_RESOLVED) => Ok(ActionOutcome::AlreadyResolved),
        (Target::Resolved, code::ALREADY_RESOLVED) => Ok(ActionOutcome::AlreadyDone),
        _ => Err(error),
    }
}

fn snooze_outcome(
    seconds: u32,
    result: Result<(), ProviderError>,
) -> Result<ActionOutcome, ProviderError> {
    match result {
        Ok(()) => Ok(ActionOutcome::Done),
        // Snoozing is about silence; a resolved incident is silent already.
        Err(ProviderError::Rejected {
            code: Some(code::ALREADY_RESOLVED),
            ..
        }) => Ok(ActionOutcome::AlreadyResolved),
        Err(ProviderError::Rejected {
            status,
            code: Some(code::NOT_ACKNOWLEDGED),
            ..
        }) => Err(ProviderError::Rejected {
            status,
            code: Some(code::NOT_ACKNOWLEDGED),
            message: "PagerDuty can only snooze an incident that is acknowledged; \
                      acknowledge it first"
                .to_owned(),
        }),
        Err(ProviderError::Rejected {
            status,
            code: Some(code::BAD_SNOOZE_DURATION),
            ..
        }) => Err(ProviderError::Rejected {
            status,
            code: Some(code::BAD_SNOOZE_DURATION),
            message: format!(
                "PagerDuty snoozes for 1 second to 7 days; {seconds} seconds is outside that"
            ),
        }),
        Err(error) => Err(error),
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
        kind: ActionKind,
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
            ActionKind::Snooze { seconds } => self.snooze(&unique, seconds).await,
            ActionKind::Unacknowledge => unique
                .iter()
                .map(|_| {
                    Err(ProviderError::Unsupported {
                        provider: ProviderKind::PagerDuty,
                        action: kind.verb(),
                    })
                })
                .collect(),
        };
        incident_ids
            .iter()
            .map(|id| results[index[id.as_str()]].clone())
            .collect()
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

#[cfg(test)]
mod tests {
    use super::*;

    fn rejected(code: i64) -> Result<(), ProviderError> {
        Err(ProviderError::Rejected {
            status: 400,
            code: Some(code),
            message: "x".into(),
        })
    }

    #[test]
    fn already_outcomes() {
        use ActionOutcome::*;
        use Target::*;
        assert_eq!(update_outcome(Acknowledged, Ok(())), Ok(Done));
        assert_eq!(
            update_outcome(Acknowledged, rejected(1002)),
            Ok(AlreadyDone)
        );
        assert_eq!(
            update_outcome(Acknowledged, rejected(1001)),
            Ok(AlreadyResolved)
        );
        assert_eq!(update_outcome(Resolved, rejected(1001)), Ok(AlreadyDone));
        assert_eq!(
            update_outcome(Resolved, rejected(1002)),
            rejected(1002).map(|_| Done)
        );
        assert_eq!(
            update_outcome(Acknowledged, rejected(1008)),
            rejected(1008).map(|_| Done)
        );
        let unavailable = ProviderError::Unavailable {
            message: "down".into(),
        };
        assert_eq!(
            update_outcome(Acknowledged, Err(unavailable.clone())),
            Err(unavailable)
        );
    }

    #[test]
    fn snooze_outcomes() {
        assert_eq!(snooze_outcome(60, Ok(())), Ok(ActionOutcome::Done));
        assert_eq!(
            snooze_outcome(60, rejected(1001)),
            Ok(ActionOutcome::AlreadyResolved)
        );
        let Err(not_acked) = snooze_outcome(60, rejected(1012)) else {
            panic!("expected an error")
        };
        assert!(
            not_acked.to_string().contains("acknowledged"),
            "{not_acked}"
        );
        let Err(bad) = snooze_outcome(999_999, rejected(1013)) else {
            panic!("expected an error")
        };
        assert!(bad.to_string().contains("999999 seconds"), "{bad}");
    }

    #[test]
    fn account_wide_failures_halt_the_rest() {
        let done: Result<ActionOutcome, ProviderError> = Ok(ActionOutcome::Done);
        let refused = rejected(1004).map(|_| ActionOutcome::Done);
        assert_eq!(halting_error(&[done.clone(), refused]), None);
        let limited = ProviderError::RateLimited { retry_after: None };
        assert_eq!(halting_error(&[done, Err(limited.clone())]), Some(limited));
    }
}

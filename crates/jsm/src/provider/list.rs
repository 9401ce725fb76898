//! Listing the account's alerts: `GET …/v1/alerts` with the account's query, 100 per
//! page, oldest first, following `links.next` to the end; and the rules a `links.next`
//! must pass before the credential goes where it points.
//!
//! `links.next` is documented as a path below the cloud's base
//! (`/v1/alerts/policies?offset=1&size=1` in the policies example,
//! <https://developer.atlassian.com/cloud/jira/service-desk-ops/rest/v2/api-group-policies/>);
//! an absolute URL is taken too, only on the API's own origin. Either must lead to the
//! list it came from. The API serves no more than 20,000 alerts: "Sum of offset and size
//! should be lower than 20K"
//! (<https://developer.atlassian.com/cloud/jira/service-desk-ops/rest/v2/api-group-alerts/>),
//! so a page beyond it is never asked for; the poll fails saying so instead, as a partial
//! list would look like alerts closing.

use std::collections::HashSet;

use oncall_http::{malformed, Query};
use oncall_model::ProviderError;
use url::Url;

use super::JsmClient;
use crate::wire::{Alert, Page};

/// The API's largest page.
pub(crate) const PAGE_SIZE: u32 = 100;
/// Offset + size must stay below this.
pub(crate) const LIST_LIMIT: u32 = 20_000;

impl JsmClient {
    pub(super) async fn list_url(&self, offset: u32, size: u32) -> Result<Url, ProviderError> {
        let mut query = Query::default();
        query
            .push("query", &self.config.query)
            .push("offset", &offset.to_string())
            .push("size", &size.to_string())
            // Oldest first: an alert created during the poll lands on the last page
            // instead of pushing every later page's alerts back by one.
            .push("sort", "createdAt")
            .push("order", "asc");
        self.ops_url(&["alerts"], Some(&query)).await
    }

    /// Every alert the query selects, de-duplicated, and the requests it took.
    pub(super) async fn all_alerts(&self) -> Result<(Vec<Alert>, u32), ProviderError> {
        let list = self.ops_url(&["alerts"], None).await?;
        let mut url = self.list_url(0, PAGE_SIZE).await?;
        let mut alerts = Vec::new();
        let mut seen = HashSet::new();
        let mut requests = 0;
        loop {
            requests += 1;
            let page: Page<Alert> = self.api.get(url).await?.json()?;
            let next = page.next().map(str::to_owned);
            add_unseen(&mut alerts, &mut seen, page.values);
            match next {
                None => break,
                Some(next) => url = next_page(&list, &next)?,
            }
        }
        Ok((alerts, requests))
    }
}

/// Appends the alerts of one page that were not listed before: alerts that open or close
/// while the pages are read shift the pages, so the same alert can come twice.
pub(crate) fn add_unseen(alerts: &mut Vec<Alert>, seen: &mut HashSet<String>, page: Vec<Alert>) {
    for alert in page {
        if seen.insert(alert.id.clone()) {
            alerts.push(alert);
        }
    }
}

/// `next` as the URL to ask, if it may be followed from the list at `list` (the list's
/// URL without a query): on the same origin, to the same list, within the 20,000 limit.
pub(crate) fn next_page(list: &Url, next: &str) -> Result<Url, ProviderError> {
    let url = follow(list, next)?;
    let number = |key: &str| {
        url.query_pairs()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.trim().parse::<u32>())
    };
    let offset = match number("offset") {
        Some(Ok(offset)) => offset,
        _ => return Err(malformed("links.next names no offset")),
    };
    let size = match number("size") {
        None => PAGE_SIZE,
        Some(Ok(size)) => size,
        Some(Err(_)) => return Err(malformed("links.next names no page size")),
    };
    if offset.saturating_add(size) >= LIST_LIMIT {
        return Err(ProviderError::Rejected {
            status: 400,
            code: None,
            message: format!(
                "more than {offset} alerts match the account's query, and JSM lists no \
                 more than {LIST_LIMIT} through its API; narrow the query so that every \
                 open alert can be seen"
            ),
        });
    }
    Ok(url)
}

/// A `links.next` resolved against the list at `list` and checked: the credential goes
/// only to the API's origin and only to the path it came from.
pub(crate) fn follow(list: &Url, next: &str) -> Result<Url, ProviderError> {
    let url = if next.starts_with('/') && !next.starts_with("//") {
        // A path: below the cloud's base (`/v1/…`), or from the host's root.
        let base_path = list
            .path()
            .find("/v1/")
            .map(|at| &list.path()[..at])
            .unwrap_or("");
        let path = if next.starts_with("/v1/") {
            format!("{base_path}{next}")
        } else {
            next.to_owned()
        };
        list.join(&path)
            .map_err(|e| malformed(format_args!("links.next is not a URL ({e})")))?
    } else {
        let url = Url::parse(next)
            .map_err(|e| malformed(format_args!("links.next is not a URL ({e})")))?;
        if url.origin() != list.origin() {
            return Err(malformed(format_args!(
                "links.next points to another origin ({}); refusing to send the API token there",
                url.origin().ascii_serialization()
            )));
        }
        url
    };
    if url.path() != list.path() {
        return Err(malformed(format_args!(
            "links.next points to {} instead of the list it came from",
            url.path()
        )));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list() -> Url {
        Url::parse("https://api.atlassian.com/jsm/ops/api/c1/v1/alerts").unwrap()
    }

    #[test]
    fn relative_and_absolute_links_resolve_to_the_same_list() {
        for next in [
            "/v1/alerts?offset=100&size=100",
            "/jsm/ops/api/c1/v1/alerts?offset=100&size=100",
            "https://api.atlassian.com/jsm/ops/api/c1/v1/alerts?offset=100&size=100",
        ] {
            assert_eq!(
                next_page(&list(), next).unwrap().as_str(),
                "https://api.atlassian.com/jsm/ops/api/c1/v1/alerts?offset=100&size=100",
                "{next}"
            );
        }
    }

    #[test]
    fn links_elsewhere_are_refused() {
        for next in [
            "https://evil.example/jsm/ops/api/c1/v1/alerts?offset=100",
            "//evil.example/v1/alerts?offset=100",
            "http://api.atlassian.com/jsm/ops/api/c1/v1/alerts?offset=100",
            "/v1/schedules?offset=100",
            "/v1/alerts/../../../../x?offset=100",
            "not a url",
            "/v1/alerts?size=100",
        ] {
            assert!(
                matches!(
                    next_page(&list(), next),
                    Err(ProviderError::Malformed { .. })
                ),
                "{next}"
            );
        }
    }

    #[test]
    fn nothing_is_asked_beyond_twenty_thousand() {
        assert!(next_page(&list(), "/v1/alerts?offset=19800&size=100").is_ok());
        let Err(ProviderError::Rejected { message, .. }) =
            next_page(&list(), "/v1/alerts?offset=19900&size=100")
        else {
            panic!("expected the limit")
        };
        assert!(message.contains("20000"), "{message}");
        assert!(next_page(&list(), "/v1/alerts?offset=4294967295&size=100").is_err());
    }
}

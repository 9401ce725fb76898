//! `GET /v2/alerts/{identifier}/notes` and `…/logs`: an alert's notes and log lines, a
//! page at a time (`offset`, `direction`, `limit` 1..100 default 20, `order` default
//! desc), with `paging.first` and, when more follow, `paging.next` (`AlertPaging`).

use std::collections::HashMap;

use axum::extract::{Path, Query as QueryParams, Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{json, Value};

use super::{error_body, rid, success, unprocessable};
use crate::history::{log_json, note_json, page, PageRequest};
use crate::state::IdentifierType;
use crate::types::FakeAlert;
use crate::FakeOpsgenie;

#[derive(Clone, Copy)]
enum Listing {
    Notes,
    Logs,
}

impl Listing {
    fn path(self) -> &'static str {
        match self {
            Listing::Notes => "notes",
            Listing::Logs => "logs",
        }
    }
}

pub(super) async fn notes(
    State(fake): State<FakeOpsgenie>,
    Path(identifier): Path<String>,
    QueryParams(params): QueryParams<HashMap<String, String>>,
    request: Request,
) -> Response {
    list(&fake, Listing::Notes, &identifier, &params, &rid(&request))
}

pub(super) async fn logs(
    State(fake): State<FakeOpsgenie>,
    Path(identifier): Path<String>,
    QueryParams(params): QueryParams<HashMap<String, String>>,
    request: Request,
) -> Response {
    list(&fake, Listing::Logs, &identifier, &params, &rid(&request))
}

fn page_request(params: &HashMap<String, String>) -> Result<PageRequest, &'static str> {
    let limit = match params.get("limit").map(|l| l.parse::<usize>()) {
        None => 20,
        Some(Ok(l)) if (1..=100).contains(&l) => l,
        Some(_) => return Err("limit must be between 1 and 100"),
    };
    let backwards = match params.get("direction").map(String::as_str) {
        None | Some("next") => false,
        Some("prev") => true,
        Some(_) => return Err("direction must be one of [next, prev]"),
    };
    let ascending = match params.get("order").map(String::as_str) {
        None | Some("desc") => false,
        Some("asc") => true,
        Some(_) => return Err("order must be one of [asc, desc]"),
    };
    Ok(PageRequest {
        offset: params.get("offset").filter(|o| !o.is_empty()).cloned(),
        backwards,
        limit,
        ascending,
    })
}

fn list(
    fake: &FakeOpsgenie,
    listing: Listing,
    identifier: &str,
    params: &HashMap<String, String>,
    rid: &str,
) -> Response {
    let Some(kind) = IdentifierType::parse(params.get("identifierType").map(String::as_str)) else {
        return unprocessable("identifierType must be one of id, alias, tiny", rid);
    };
    let request = match page_request(params) {
        Ok(request) => request,
        Err(message) => return unprocessable(message, rid),
    };
    let (alert, base): (Option<FakeAlert>, String) = fake.with_state(|state, _| {
        (
            state.find(identifier, kind).cloned(),
            state.public_url.clone(),
        )
    });
    let Some(alert) = alert else {
        return error_body(StatusCode::NOT_FOUND, "Alert does not exist", rid);
    };
    let paged = match listing {
        Listing::Notes => page(&alert.notes, |n| &n.offset, &request)
            .map(|(items, next)| (items.into_iter().map(note_json).collect::<Vec<_>>(), next)),
        Listing::Logs => page(&alert.log, |l| &l.offset, &request)
            .map(|(items, next)| (items.into_iter().map(log_json).collect::<Vec<_>>(), next)),
    };
    let (data, next): (Vec<Value>, Option<String>) = match paged {
        Ok(paged) => paged,
        Err(message) => return unprocessable(&message, rid),
    };
    let link = |offset: Option<&str>| {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        query.append_pair(
            "identifierType",
            params.get("identifierType").map_or("id", |t| t),
        );
        if let Some(offset) = offset {
            query
                .append_pair("offset", offset)
                .append_pair("direction", "next");
        }
        query
            .append_pair("limit", &request.limit.to_string())
            .append_pair("order", if request.ascending { "asc" } else { "desc" });
        let identifier =
            url::form_urlencoded::byte_serialize(identifier.as_bytes()).collect::<String>();
        format!(
            "{base}/v2/alerts/{identifier}/{}?{}",
            listing.path(),
            query.finish()
        )
    };
    let mut paging = serde_json::Map::new();
    paging.insert("first".into(), json!(link(None)));
    if let Some(next) = next {
        paging.insert("next".into(), json!(link(Some(&next))));
    }
    success(
        StatusCode::OK,
        json!({ "data": data, "paging": paging }),
        rid,
    )
}

//! Query-string parsing the PagerDuty way: repeated `key[]=value` pairs for lists, and
//! typed single values that answer a PagerDuty 400 when they do not parse.
//!
//! Only the documented spelling of each parameter is read (`statuses[]`, not `statuses`),
//! so a client that misspells a filter sees it ignored here as it would be by PagerDuty,
//! rather than having the fake guess what it meant.

use chrono::{DateTime, NaiveDate, Utc};

use crate::error::ApiError;

/// The decoded `key=value` pairs of a query string, in order.
pub(crate) struct Query {
    pairs: Vec<(String, String)>,
}

impl Query {
    pub(crate) fn parse(raw: Option<&str>) -> Self {
        let pairs = url::form_urlencoded::parse(raw.unwrap_or("").as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        Query { pairs }
    }

    /// Every value of a list parameter such as `statuses[]`.
    pub(crate) fn list(&self, key: &str) -> Vec<String> {
        self.pairs
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .collect()
    }

    /// The last value of a single-valued parameter.
    pub(crate) fn one(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    pub(crate) fn bool(&self, key: &str) -> Result<Option<bool>, ApiError> {
        match self.one(key) {
            None => Ok(None),
            Some("true") => Ok(Some(true)),
            Some("false") => Ok(Some(false)),
            Some(other) => Err(ApiError::invalid_input(format!(
                "{key} must be true or false, not {other:?}"
            ))),
        }
    }

    pub(crate) fn unsigned(&self, key: &str) -> Result<Option<u64>, ApiError> {
        self.one(key)
            .map(|v| {
                v.parse().map_err(|_| {
                    ApiError::invalid_input(format!(
                        "{key} must be a non-negative integer, not {v:?}"
                    ))
                })
            })
            .transpose()
    }

    /// An ISO 8601 time (`2024-05-01T10:00:00Z`, with any offset) or a bare date, read as
    /// midnight UTC.
    pub(crate) fn time(&self, key: &str) -> Result<Option<DateTime<Utc>>, ApiError> {
        self.one(key)
            .map(|v| parse_time(v).ok_or_else(|| ApiError::invalid_time(format!("{key}={v:?}"))))
            .transpose()
    }
}

fn parse_time(value: &str) -> Option<DateTime<Utc>> {
    if let Ok(at) = DateTime::parse_from_rfc3339(value) {
        return Some(at.with_timezone(&Utc));
    }
    NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|d| d.and_utc())
}

/// `limit`, `offset` and `total` of an offset-paginated list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Paging {
    pub(crate) limit: u64,
    pub(crate) offset: u64,
    pub(crate) total: bool,
}

/// PagerDuty refuses pages that reach past the 10,000th record.
const MAX_RECORD: u64 = 10_000;

impl Paging {
    /// Reads the paging parameters; `limit` defaults to 25 and is clamped to 1..=`max_limit`.
    pub(crate) fn parse(query: &Query, max_limit: u64) -> Result<Self, ApiError> {
        let limit = query.unsigned("limit")?.unwrap_or(25).clamp(1, max_limit);
        let offset = query.unsigned("offset")?.unwrap_or(0);
        if offset.saturating_add(limit) > MAX_RECORD {
            return Err(ApiError::invalid_input(format!(
                "offset + limit must not exceed {MAX_RECORD}; narrow the filters instead"
            )));
        }
        let total = query.bool("total")?.unwrap_or(false);
        Ok(Paging {
            limit,
            offset,
            total,
        })
    }

    /// The page of `items` this paging selects, with `more` and (when asked for) `total`.
    pub(crate) fn apply<T>(&self, items: Vec<T>) -> (Vec<T>, bool, Option<u64>) {
        let count = items.len() as u64;
        let page: Vec<T> = items
            .into_iter()
            .skip(usize::try_from(self.offset).unwrap_or(usize::MAX))
            .take(usize::try_from(self.limit).unwrap_or(usize::MAX))
            .collect();
        let more = self.offset.saturating_add(page.len() as u64) < count;
        (page, more, self.total.then_some(count))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_parameters_need_brackets_and_decode_them() {
        let q = Query::parse(Some(
            "statuses%5B%5D=triggered&statuses[]=acknowledged&statuses=resolved",
        ));
        assert_eq!(q.list("statuses[]"), vec!["triggered", "acknowledged"]);
    }

    #[test]
    fn paging_clamps_and_refuses_deep_pages() {
        let q = Query::parse(Some("limit=500&offset=100"));
        let paging = Paging::parse(&q, 100).expect("valid");
        assert_eq!(
            (paging.limit, paging.offset, paging.total),
            (100, 100, false)
        );
        let deep = Query::parse(Some("limit=100&offset=9901"));
        assert_eq!(Paging::parse(&deep, 100).map_err(|e| e.code), Err(2001));
        let (page, more, total) = paging.apply((0..250).collect::<Vec<_>>());
        assert_eq!((page.len(), more, total), (100, true, None));
    }

    #[test]
    fn times_accept_offsets_and_dates() {
        let q = Query::parse(Some(
            "since=2024-05-01T12:00:00%2B02:00&until=2024-05-02&bad=yesterday",
        ));
        assert_eq!(
            q.time("since").ok().flatten().map(|t| t.to_rfc3339()),
            Some("2024-05-01T10:00:00+00:00".to_string())
        );
        assert!(q.time("until").ok().flatten().is_some());
        assert_eq!(q.time("bad").map_err(|e| e.code), Err(2004));
    }
}

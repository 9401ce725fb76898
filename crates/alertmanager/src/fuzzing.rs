//! Entry points for the fuzz targets in `fuzz/` (feature `fuzzing`, off in every build
//! of the app). Each runs response bodies through exactly the functions a poll or an
//! action uses (`Reply::json` into the `wire` types, then `provider::listed`, or
//! `errors::decode_error`), so the fuzzer exercises the real decoder without the crate
//! exposing its wire types.

use oncall_model::{AccountId, Incident, ProviderError};
use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::StatusCode;
use url::Url;

use crate::client::Reply;
use crate::convert::Settings;
use crate::provider::{listed, Snapshot};
use crate::{errors, wire};

/// The `createdBy` of "our" silences in the decoded lists.
pub const CREATED_BY: &str = "oncall-tray (pat)";

fn reply(body: &[u8]) -> Reply {
    Reply {
        status: StatusCode::OK,
        body: body.to_vec(),
    }
}

/// `GET api/v2/alerts` and `GET api/v2/silences`, decoded and listed as
/// `open_incidents` does.
pub fn alerts_and_silences(alerts: &[u8], silences: &[u8]) -> Result<Vec<Incident>, ProviderError> {
    let alerts: Vec<wire::Alert> = reply(alerts).json()?;
    let silences: Vec<wire::Silence> = reply(silences).json()?;
    let account = AccountId::new("fuzz");
    let base = Url::parse("http://127.0.0.1:9093/").expect("a valid URL");
    let severity_high = ["critical".to_owned(), "page".to_owned()];
    let settings = Settings {
        account: &account,
        base: &base,
        severity_high: &severity_high,
    };
    Ok(listed(
        &Snapshot { alerts, silences },
        CREATED_BY,
        &settings,
    ))
}

/// The other success bodies: `POST api/v2/silences` and `GET api/v2/status`.
pub fn other_answers(body: &[u8]) -> [Result<(), ProviderError>; 2] {
    [
        reply(body).json::<wire::SilenceCreated>().map(drop),
        reply(body).json::<wire::Status>().map(drop),
    ]
}

/// A non-success answer: the body, and the same text as the headers that steer the
/// decoding (`Location`, `Retry-After`) when it fits in a header.
pub fn error_answer(status: u16, body: &[u8]) -> ProviderError {
    let mut headers = HeaderMap::new();
    if let Some(value) = std::str::from_utf8(body)
        .ok()
        .and_then(|text| HeaderValue::from_str(text).ok())
    {
        headers.insert(reqwest::header::LOCATION, value.clone());
        headers.insert(reqwest::header::RETRY_AFTER, value);
    }
    errors::decode_error(status, &headers, body)
}

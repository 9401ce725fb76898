//! The keys of a JSM Operations account: `site` and `email` (both required), `api_url`
//! (Atlassian's unless a loopback fake), and the alert-search keys it shares with
//! Opsgenie.

use url::Url;

use super::Checker;
use crate::config::model::{with_trailing_slash, JsmAccount, ATLASSIAN_API};
use crate::config::raw::RawAccount;

impl Checker<'_> {
    /// `raw` has no key of another provider (checked before).
    pub(super) fn jsm(&mut self, raw: RawAccount) -> Option<JsmAccount> {
        let mark = self.mark();
        let default_api = Url::parse(ATLASSIAN_API).expect("a valid constant");
        let api_url = self.api_url_or(raw.api_url, default_api, ATLASSIAN_API);
        let site = self.jsm_site(raw.site);
        let email = self.jsm_email(raw.email);
        let query = self.search_query(raw.query, ("to list your open alerts", "a JSM"));
        let responder = self.responder(raw.responder, "to list the alerts you are a responder of");
        let high_priorities = self.high_priorities(raw.high_priorities);
        let (site, site_url) = site?;
        self.none_since(mark).then(|| JsmAccount {
            api_url,
            site,
            site_url,
            email: email.unwrap_or_default(),
            query,
            responder,
            high_priorities,
        })
    }

    /// `site`: the site's name as in its address, with the address it stands for.
    fn jsm_site(&mut self, text: Option<String>) -> Option<(String, Url)> {
        let Some(text) = text.map(|t| t.trim().to_owned()) else {
            self.problem(
                "site",
                " is missing: a JSM account needs its Jira site, e.g. site = \"acme\" for acme.atlassian.net",
            );
            return None;
        };
        match site_url(&text) {
            Ok(url) => Some((text, url)),
            Err(why) => {
                self.problem("site", format!(" = {text:?} {why}"));
                None
            }
        }
    }

    /// `email`: the Atlassian account's address, which the API token belongs to.
    fn jsm_email(&mut self, text: Option<String>) -> Option<String> {
        match text.map(|t| t.trim().to_owned()) {
            None => {
                self.problem(
                    "email",
                    " is missing: a JSM account needs the e-mail address of your Atlassian account (the API token is yours), e.g. email = \"pat@example.com\"",
                );
                None
            }
            Some(text) if !plausible_email(&text) => {
                self.problem(
                    "email",
                    format!(" = {text:?} is not an e-mail address: give the one you log in to Atlassian with, e.g. email = \"pat@example.com\""),
                );
                None
            }
            Some(text) => Some(text),
        }
    }
}

/// The address of the Jira site `site` names: `acme`, `acme.atlassian.net` and
/// `https://acme.atlassian.net/` are all `https://acme.atlassian.net/`. A full URL
/// elsewhere is taken as written when it is https, or http on a loopback address (the
/// fake of tests and demos). `Err` says why not, after the value.
pub fn site_url(site: &str) -> Result<Url, String> {
    const EXAMPLE: &str = "write the site's name, e.g. site = \"acme\" for acme.atlassian.net";
    let site = site.trim();
    if site.contains("://") {
        let url = Url::parse(site).map_err(|e| format!("is not a URL ({e}): {EXAMPLE}"))?;
        if !url.username().is_empty() || url.password().is_some() {
            return Err(format!("contains a user name or password: {EXAMPLE}"));
        }
        oncall_model::require_secure_transport(&url).map_err(|_| {
            "is not allowed: use https:// (plain http:// is only for loopback addresses such as 127.0.0.1)".to_owned()
        })?;
        return Ok(with_trailing_slash(url));
    }
    let name = site.strip_suffix(".atlassian.net").unwrap_or(site);
    let valid = !name.is_empty()
        && name.len() <= 63
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !name.starts_with('-')
        && !name.ends_with('-');
    if !valid {
        return Err(format!("is not a site name: {EXAMPLE}"));
    }
    Url::parse(&format!(
        "https://{}.atlassian.net/",
        name.to_ascii_lowercase()
    ))
    .map_err(|e| format!("is not a site name ({e}): {EXAMPLE}"))
}

/// Enough of an e-mail address to catch a token or a name typed in its place.
fn plausible_email(text: &str) -> bool {
    match text.split_once('@') {
        Some((user, domain)) => {
            !user.is_empty()
                && domain.contains('.')
                && !text.contains(char::is_whitespace)
                && !text.contains(char::is_control)
                && !text.contains('"')
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::site_url;

    #[test]
    fn a_site_name_its_host_and_its_url_are_one_site() {
        for written in [
            "acme",
            "ACME",
            "acme.atlassian.net",
            "https://acme.atlassian.net",
            "https://acme.atlassian.net/",
        ] {
            assert_eq!(
                site_url(written).unwrap().as_str(),
                "https://acme.atlassian.net/",
                "{written}"
            );
        }
        assert_eq!(
            site_url("http://127.0.0.1:8080").unwrap().as_str(),
            "http://127.0.0.1:8080/"
        );
    }

    #[test]
    fn what_is_not_a_site_says_so() {
        for wrong in [
            "",
            "acme corp",
            "acme/x",
            "-acme",
            "http://acme.atlassian.net",
            "ftp://x",
        ] {
            assert!(site_url(wrong).is_err(), "{wrong}");
        }
    }
}

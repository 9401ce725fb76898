use url::{Host, Url};

/// Why an API base URL is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InsecureUrl {
    #[error("`{0}` must start with https:// (plain http:// is only allowed for loopback addresses such as 127.0.0.1)")]
    PlainHttp(String),
    #[error("`{0}` is not an http(s) URL")]
    NotHttp(String),
    #[error("`{0}` has no host name")]
    NoHost(String),
}

/// Tokens travel in headers, so a base URL must be `https://`, except loopback, where
/// the fake services of tests and demo mode live and nothing crosses a network.
pub fn require_secure_transport(url: &Url) -> Result<(), InsecureUrl> {
    match url.scheme() {
        "https" => url
            .host()
            .map(|_| ())
            .ok_or_else(|| InsecureUrl::NoHost(url.to_string())),
        "http" => match url.host() {
            Some(host) if is_loopback(&host) => Ok(()),
            Some(_) => Err(InsecureUrl::PlainHttp(url.to_string())),
            None => Err(InsecureUrl::NoHost(url.to_string())),
        },
        _ => Err(InsecureUrl::NotHttp(url.to_string())),
    }
}

fn is_loopback(host: &Host<&str>) -> bool {
    match host {
        Host::Ipv4(ip) => ip.is_loopback(),
        Host::Ipv6(ip) => ip.is_loopback(),
        Host::Domain(name) => name.eq_ignore_ascii_case("localhost"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(url: &str) -> Result<(), InsecureUrl> {
        require_secure_transport(&Url::parse(url).unwrap())
    }

    #[test]
    fn https_anywhere_and_http_only_on_loopback() {
        assert!(check("https://api.pagerduty.com").is_ok());
        assert!(check("http://127.0.0.1:8080").is_ok());
        assert!(check("http://127.5.0.1").is_ok());
        assert!(check("http://[::1]:9093/am/").is_ok());
        assert!(check("http://localhost:9093").is_ok());
        assert_eq!(
            check("http://api.pagerduty.com"),
            Err(InsecureUrl::PlainHttp("http://api.pagerduty.com/".into()))
        );
        assert!(matches!(
            check("http://10.0.0.1"),
            Err(InsecureUrl::PlainHttp(_))
        ));
        assert!(matches!(
            check("ftp://example.com"),
            Err(InsecureUrl::NotHttp(_))
        ));
    }
}

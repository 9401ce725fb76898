use url::Url;

/// The link to hand to the system's URL opener (xdg-open, `open`, ShellExecute) for an
/// incident, or `None` when it must not be opened.
///
/// The opener launches whatever handler the scheme is registered to, and a link comes
/// from whoever wrote it (Alertmanager's `generatorURL` is set by anyone who can post an
/// alert): `file://`, `smb://`, `\\host\share\x.exe`, `search-ms:` or an app's own scheme
/// would run something on one click. Only absolute `https` and `http` links with a host
/// pass. The link is returned as the `url` crate writes it back, so what is opened is
/// exactly what was checked.
pub fn web_link(link: &str) -> Option<String> {
    let url = Url::parse(link).ok()?;
    if !matches!(url.scheme(), "https" | "http") {
        return None;
    }
    url.host()?;
    Some(url.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_absolute_web_links_with_a_host_are_opened() {
        let cases: &[(&str, Option<&str>)] = &[
            (
                "https://example.pagerduty.com/incidents/PT4KHLK",
                Some("https://example.pagerduty.com/incidents/PT4KHLK"),
            ),
            (
                "http://prometheus:9090/graph?g0.expr=up",
                Some("http://prometheus:9090/graph?g0.expr=up"),
            ),
            ("HTTPS://Example.COM", Some("https://example.com/")),
            (
                "http://[::1]:9093/#/alerts",
                Some("http://[::1]:9093/#/alerts"),
            ),
            // Written back as parsed: what the opener gets has no space or quote.
            (
                "https://example.com/a b\"c",
                Some("https://example.com/a%20b%22c"),
            ),
            ("file:///etc/passwd", None),
            ("FILE:///C:/Windows/System32/calc.exe", None),
            ("smb://fileserver/share/payload.exe", None),
            (r"\\fileserver\share\payload.exe", None),
            (
                "search-ms:query=invoice&crumb=location:\\\\evil\\share",
                None,
            ),
            ("javascript:alert(1)", None),
            ("data:text/html,<script>alert(1)</script>", None),
            ("ms-settings:", None),
            ("vscode://file/etc/passwd", None),
            ("ftp://example.com/file", None),
            ("mailto:oncall@example.com", None),
            ("/incidents/PT4KHLK", None),
            ("example.com/incidents", None),
            ("https://", None),
            ("http://", None),
            ("http://:80/", None),
            ("", None),
        ];
        for (link, expected) in cases {
            assert_eq!(web_link(link).as_deref(), *expected, "{link:?}");
        }
    }
}

//! The one way to the system's URL opener (xdg-open, `open`, ShellExecute), which
//! launches whatever handler a scheme is registered to.
//!
//! The providers already turn a link that is no web page into no link at all
//! (`oncall_model::web_link`); the same rule is checked again right here, because a link
//! can also come from a file an older version wrote (a page waiting in the outbox,
//! `notifications.json`), and one missed path would be enough.

use tracing::warn;

/// Opens `link` in the user's browser, detached. False when it is not a web link and
/// was not opened; a browser that fails to start is logged.
pub fn open_web_link(link: &str) -> bool {
    open_with(link, |url| open::that_detached(url))
}

fn open_with(link: &str, opener: impl FnOnce(&str) -> std::io::Result<()>) -> bool {
    let Some(url) = oncall_model::web_link(link) else {
        // Debug formatting: the link may carry control characters meant for a terminal.
        warn!(link = ?link, "not a web link: not opened");
        return false;
    };
    if let Err(e) = opener(&url) {
        // Without a desktop (headless on a server) there may be no browser to open.
        warn!(%url, "could not open the browser: {e}");
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What reached the opener, if anything.
    fn opened(link: &str) -> (bool, Option<String>) {
        let mut seen = None;
        let accepted = open_with(link, |url| {
            seen = Some(url.to_owned());
            Ok(())
        });
        (accepted, seen)
    }

    #[test]
    fn only_web_links_reach_the_opener() {
        for link in [
            "file:///etc/passwd",
            "smb://fileserver/share/payload.exe",
            r"\\fileserver\share\payload.exe",
            "search-ms:query=invoice",
            "javascript:alert(1)",
            "",
        ] {
            assert_eq!(opened(link), (false, None), "{link:?}");
        }
        assert_eq!(
            opened("https://example.pagerduty.com/incidents/Q1"),
            (
                true,
                Some("https://example.pagerduty.com/incidents/Q1".into())
            )
        );
    }

    #[test]
    fn a_browser_that_fails_to_start_is_still_a_web_link() {
        assert!(open_with("http://prometheus:9090/graph", |_| Err(
            std::io::Error::other("no browser")
        )));
    }
}

//! The log of every HTTP request a fake received, so tests can assert on what a client
//! actually sent (headers, query, body) and on what it was answered.
//!
//! A request is logged when it arrives, before anything answers it, and its status is
//! filled in once the answer is decided. A request whose connection the fake dropped keeps
//! status 0, which is how a test tells "dropped" from "answered".

use serde::{Deserialize, Serialize};

/// One request as the fake received it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedRequest {
    pub method: String,
    pub path: String,
    /// The raw query string, without the `?` (empty when there is none).
    pub query: String,
    /// In arrival order, names lower-cased.
    pub headers: Vec<(String, String)>,
    /// The body as UTF-8 (lossy for binary bodies).
    pub body: String,
    /// What the fake answered, or 0 when it dropped the connection instead.
    pub status: u16,
    /// An injected fault answered it (a 200 with a malformed body is one), so the answer
    /// told the client nothing about the service's state.
    #[serde(default)]
    pub faulted: bool,
}

impl RecordedRequest {
    /// The first header of that name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// The requests, each tagged with a sequence number so that a status can be filled in
/// after the log was cleared or grew.
#[derive(Default)]
pub struct RequestLog {
    entries: Vec<(u64, RecordedRequest)>,
    next_seq: u64,
    /// Requests are numbered but not kept (the app's demo, which runs all day and
    /// never reads them).
    off: bool,
}

impl RequestLog {
    pub fn push(&mut self, request: RecordedRequest) -> u64 {
        let seq = self.next_seq;
        self.next_seq += 1;
        if !self.off {
            self.entries.push((seq, request));
        }
        seq
    }

    /// Keeps no request from now on, and drops those kept.
    pub fn turn_off(&mut self) {
        self.off = true;
        self.entries = Vec::new();
    }

    pub fn set_status(&mut self, seq: u64, status: u16) {
        // Entries are in sequence order, so a binary search finds it even after a clear.
        if let Ok(index) = self.entries.binary_search_by_key(&seq, |(s, _)| *s) {
            self.entries[index].1.status = status;
        }
    }

    pub fn set_faulted(&mut self, seq: u64) {
        if let Ok(index) = self.entries.binary_search_by_key(&seq, |(s, _)| *s) {
            self.entries[index].1.faulted = true;
        }
    }

    pub fn all(&self) -> Vec<RecordedRequest> {
        self.entries.iter().map(|(_, r)| r.clone()).collect()
    }

    pub fn from(&self, start: usize) -> Vec<RecordedRequest> {
        self.entries
            .iter()
            .skip(start)
            .map(|(_, r)| r.clone())
            .collect()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn clear(&mut self) {
        self.entries.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(path: &str) -> RecordedRequest {
        RecordedRequest {
            method: "GET".into(),
            path: path.into(),
            query: String::new(),
            headers: vec![("authorization".into(), "Token token=x".into())],
            body: String::new(),
            status: 0,
            faulted: false,
        }
    }

    #[test]
    fn a_status_finds_its_request_after_the_log_was_cleared_and_grew() {
        let mut log = RequestLog::default();
        let first = log.push(request("/a"));
        log.clear();
        let second = log.push(request("/b"));
        log.set_status(first, 500);
        log.set_status(second, 200);
        assert_eq!(log.all().len(), 1);
        assert_eq!(log.all()[0].status, 200);
        assert_eq!(log.from(1), Vec::new());
        assert_eq!(log.all()[0].header("Authorization"), Some("Token token=x"));
    }

    #[test]
    fn a_log_turned_off_keeps_nothing_and_still_numbers_requests() {
        let mut log = RequestLog::default();
        let first = log.push(request("/a"));
        log.turn_off();
        assert!(log.is_empty());
        let second = log.push(request("/b"));
        assert!(second > first);
        log.set_status(second, 200);
        assert!(log.is_empty());
        assert_eq!(log.all(), Vec::new());
    }
}

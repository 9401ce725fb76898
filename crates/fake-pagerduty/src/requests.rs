//! The log of every HTTP request the fake received, so tests can assert on what a client
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
pub(crate) struct RequestLog {
    entries: Vec<(u64, RecordedRequest)>,
    next_seq: u64,
}

impl RequestLog {
    pub(crate) fn push(&mut self, request: RecordedRequest) -> u64 {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.entries.push((seq, request));
        seq
    }

    pub(crate) fn set_status(&mut self, seq: u64, status: u16) {
        // Entries are in sequence order, so a binary search finds it even after a clear.
        if let Ok(index) = self.entries.binary_search_by_key(&seq, |(s, _)| *s) {
            self.entries[index].1.status = status;
        }
    }

    pub(crate) fn all(&self) -> Vec<RecordedRequest> {
        self.entries.iter().map(|(_, r)| r.clone()).collect()
    }

    pub(crate) fn from(&self, start: usize) -> Vec<RecordedRequest> {
        self.entries
            .iter()
            .skip(start)
            .map(|(_, r)| r.clone())
            .collect()
    }

    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    pub(crate) fn clear(&mut self) {
        self.entries.clear();
    }
}

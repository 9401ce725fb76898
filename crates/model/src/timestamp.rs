//! Timestamps in JSON, the fast way, with chrono's own behaviour kept exactly.
//!
//! Writing: a `DateTime<Utc>` exactly as chrono's `Serialize` writes it (RFC 3339, `Z`,
//! fractional seconds of 0, 3, 6 or 9 digits), in one string instead of chrono's
//! formatter, which writes a character at a time through `core::fmt`. `state.json` holds
//! up to five timestamps per open incident and is written on every poll: chrono's way
//! was a tenth of a 2,000-incident storm poll.
//!
//! Reading: chrono's RFC 3339 parser first, its general `FromStr` (what its
//! `Deserialize` uses, and slower) only for text that parser refuses, so
//! exactly what chrono accepts is accepted. A poll of 2,000 PagerDuty incidents reads
//! 8,000 timestamps.
//!
//! On fields: `#[serde(serialize_with = "oncall_model::timestamp::serialize")]`,
//! `deserialize_with = "oncall_model::timestamp::deserialize"`, and the `option::` pair on
//! an `Option<DateTime<Utc>>` (with `#[serde(default)]`, which `deserialize_with` needs
//! for a missing field to read as `None`).

use chrono::{DateTime, Datelike, Timelike, Utc};
use serde::{Deserialize, Deserializer, Serializer};

/// `YYYY-MM-DDTHH:MM:SS.fffffffffZ`.
const LONGEST: usize = 30;

pub fn serialize<S: Serializer>(at: &DateTime<Utc>, serializer: S) -> Result<S::Ok, S::Error> {
    let mut buf = [0u8; LONGEST];
    match write(at, &mut buf) {
        Some(len) => {
            let text = std::str::from_utf8(&buf[..len]).expect("ASCII digits and separators");
            serializer.serialize_str(text)
        }
        // Years outside 0000–9999 and leap seconds: rare enough for chrono's own path.
        None => serde::Serialize::serialize(at, serializer),
    }
}

pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<DateTime<Utc>, D::Error> {
    let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
    parse(&text).map_err(serde::de::Error::custom)
}

fn parse(text: &str) -> Result<DateTime<Utc>, chrono::ParseError> {
    DateTime::parse_from_rfc3339(text)
        .or_else(|_| text.parse::<DateTime<chrono::FixedOffset>>())
        .map(|at| at.with_timezone(&Utc))
}

pub mod option {
    use super::*;

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<DateTime<Utc>>, D::Error> {
        let text = <Option<std::borrow::Cow<'de, str>>>::deserialize(deserializer)?;
        text.map(|t| parse(&t).map_err(serde::de::Error::custom))
            .transpose()
    }

    pub fn serialize<S: Serializer>(
        at: &Option<DateTime<Utc>>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match at {
            Some(at) => serializer.serialize_some(&As(*at)),
            None => serializer.serialize_none(),
        }
    }

    struct As(DateTime<Utc>);

    impl serde::Serialize for As {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            super::serialize(&self.0, serializer)
        }
    }
}

/// The text's length, or `None` where chrono must write it.
fn write(at: &DateTime<Utc>, buf: &mut [u8; LONGEST]) -> Option<usize> {
    let year = u32::try_from(at.year()).ok().filter(|y| *y <= 9999)?;
    let nanos = at.nanosecond();
    if nanos >= 1_000_000_000 {
        return None;
    }
    digits(&mut buf[0..4], year);
    buf[4] = b'-';
    digits(&mut buf[5..7], at.month());
    buf[7] = b'-';
    digits(&mut buf[8..10], at.day());
    buf[10] = b'T';
    digits(&mut buf[11..13], at.hour());
    buf[13] = b':';
    digits(&mut buf[14..16], at.minute());
    buf[16] = b':';
    digits(&mut buf[17..19], at.second());
    let mut len = 19;
    // chrono's `AutoSi`: the fewest of 0, 3, 6 or 9 digits that lose nothing.
    let (fraction, width) = if nanos == 0 {
        (0, 0)
    } else if nanos.is_multiple_of(1_000_000) {
        (nanos / 1_000_000, 3)
    } else if nanos.is_multiple_of(1_000) {
        (nanos / 1_000, 6)
    } else {
        (nanos, 9)
    };
    if width > 0 {
        buf[len] = b'.';
        digits(&mut buf[len + 1..len + 1 + width], fraction);
        len += 1 + width;
    }
    buf[len] = b'Z';
    Some(len + 1)
}

/// `value` as exactly `out.len()` decimal digits, zero-padded.
fn digits(out: &mut [u8], mut value: u32) {
    for byte in out.iter_mut().rev() {
        *byte = b'0' + (value % 10) as u8;
        value /= 10;
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use proptest::prelude::*;
    use serde::Serialize;

    use super::*;

    #[derive(Serialize)]
    struct Ours {
        #[serde(serialize_with = "serialize")]
        at: DateTime<Utc>,
        #[serde(serialize_with = "option::serialize")]
        maybe: Option<DateTime<Utc>>,
    }

    #[derive(Serialize)]
    struct Chronos {
        at: DateTime<Utc>,
        maybe: Option<DateTime<Utc>>,
    }

    fn same_as_chrono(at: DateTime<Utc>, maybe: Option<DateTime<Utc>>) {
        let ours = serde_json::to_string(&Ours { at, maybe }).unwrap();
        let chronos = serde_json::to_string(&Chronos { at, maybe }).unwrap();
        assert_eq!(ours, chronos);
    }

    #[test]
    fn every_fraction_width_and_the_edges_match_chrono() {
        let base = Utc.with_ymd_and_hms(2026, 11, 26, 3, 4, 5).unwrap();
        for nanos in [
            0,
            1,
            999,
            1_000,
            120_000,
            1_000_000,
            500_000_000,
            999_999_999,
        ] {
            same_as_chrono(base + chrono::Duration::nanoseconds(nanos), None);
        }
        let first = Utc.with_ymd_and_hms(0, 1, 1, 0, 0, 0).unwrap();
        let last = Utc.with_ymd_and_hms(9999, 12, 31, 23, 59, 59).unwrap();
        let outside = Utc.with_ymd_and_hms(10000, 1, 1, 0, 0, 0).unwrap();
        let negative = Utc.with_ymd_and_hms(-1, 6, 1, 0, 0, 0).unwrap();
        for at in [first, last, outside, negative, DateTime::<Utc>::MIN_UTC] {
            same_as_chrono(at, Some(at));
        }
        same_as_chrono(base, Some(DateTime::<Utc>::MAX_UTC));
    }

    #[derive(Debug, serde::Deserialize, PartialEq)]
    struct ReadOurs {
        #[serde(deserialize_with = "deserialize")]
        at: DateTime<Utc>,
        #[serde(default, deserialize_with = "option::deserialize")]
        maybe: Option<DateTime<Utc>>,
    }

    #[derive(Debug, serde::Deserialize, PartialEq)]
    struct ReadChronos {
        at: DateTime<Utc>,
        maybe: Option<DateTime<Utc>>,
    }

    /// Reads `json` both ways: the same value, or both refuse it.
    fn reads_as_chrono(json: &str) {
        let ours = serde_json::from_str::<ReadOurs>(json).map(|r| (r.at, r.maybe));
        let chronos = serde_json::from_str::<ReadChronos>(json).map(|r| (r.at, r.maybe));
        match (ours, chronos) {
            (Ok(a), Ok(b)) => assert_eq!(a, b, "{json}"),
            (Err(_), Err(_)) => {}
            (a, b) => panic!("{json}: ours {a:?}, chrono's {b:?}"),
        }
    }

    #[test]
    fn reading_accepts_and_refuses_what_chrono_does() {
        for text in [
            "2026-11-26T03:04:05Z",
            "2026-11-26T03:04:05.123Z",
            "2026-11-26t03:04:05z",
            "2026-11-26T03:04:05+02:00",
            "2026-11-26T03:04:05.999999999-11:30",
            "2026-11-26 03:04:05Z",
            "2026-11-26T03:04:05",
            "2026-11-26",
            "2026-02-30T00:00:00Z",
            "2016-12-31T23:59:60Z",
            "not a time",
            "",
        ] {
            reads_as_chrono(&format!(r#"{{"at": "{text}", "maybe": "{text}"}}"#));
        }
        reads_as_chrono(r#"{"at": "2026-11-26T03:04:05Z", "maybe": null}"#);
        reads_as_chrono(r#"{"at": 5, "maybe": null}"#);
        let missing: ReadOurs = serde_json::from_str(r#"{"at": "2026-11-26T03:04:05Z"}"#).unwrap();
        assert_eq!(missing.maybe, None);
    }

    proptest! {
        #[test]
        fn any_near_timestamp_reads_as_chrono_reads_it(
            date in (0u32..10000, 0u32..14, 0u32..33),
            time in (0u32..25, 0u32..61, 0u32..62),
            sep in prop::sample::select(vec!["T", "t", " ", "_"]),
            frac in "(\\.[0-9]{0,12})?",
            tz in prop::sample::select(vec!["Z", "z", "+00:00", "-05:30", "+1400", "+24:00", ""]),
        ) {
            let text = format!(
                "{:04}-{:02}-{:02}{sep}{:02}:{:02}:{:02}{frac}{tz}",
                date.0, date.1, date.2, time.0, time.1, time.2
            );
            reads_as_chrono(&serde_json::json!({"at": text, "maybe": text}).to_string());
        }

        #[test]
        fn any_text_reads_as_chrono_reads_it(text in "[0-9:TtZz .+-]{0,40}") {
            reads_as_chrono(&serde_json::json!({"at": text, "maybe": text}).to_string());
        }

        #[test]
        fn any_instant_is_written_as_chrono_writes_it(
            seconds in -70_000_000_000i64..300_000_000_000,
            nanos in prop_oneof![Just(0u32), 0u32..1_000_000_000, (0u32..1000).prop_map(|m| m * 1_000_000)],
            some in any::<bool>(),
        ) {
            let at = DateTime::from_timestamp(seconds, nanos).unwrap();
            same_as_chrono(at, some.then_some(at));
        }

        #[test]
        fn what_is_written_reads_back(seconds in 0i64..300_000_000_000, nanos in 0u32..1_000_000_000) {
            let at = DateTime::from_timestamp(seconds, nanos).unwrap();
            let json = serde_json::to_string(&Ours { at, maybe: None }).unwrap();
            let text: serde_json::Value = serde_json::from_str(&json).unwrap();
            let back: DateTime<Utc> = serde_json::from_value(text["at"].clone()).unwrap();
            prop_assert_eq!(back, at);
        }
    }
}

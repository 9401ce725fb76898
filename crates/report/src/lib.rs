//! The figures of "My on-call report": how much on-call cost the user over a period.
//!
//! Pure, like the notification policy: no clock, no IO. The caller passes the log of what
//! reached the user's screen, the period (built from its own "now" with
//! [`Period::last_days`]), the user's working and sleep hours, and their time zone as any
//! [`chrono::TimeZone`] (`chrono::Local` in the app, fixed or hand-made zones in tests),
//! so local days and hours are read through the zone's own rules, daylight saving
//! included. [`build_report`] returns a [`Report`]; [`Report::to_csv`], [`render_text`]
//! and [`render_svg_chart`] present it for a file, the terminal and the window.
//!
//! Definitions, in short (each type's docs have the details):
//! - a page counts on the local day it arrived, in working hours when that day is a
//!   working weekday and the time is in `[start, end)`;
//! - a sleep interruption is a page in sleep hours, together with the sleep-hours pages
//!   less than [`SAME_INTERRUPTION`] after it;
//! - time to acknowledge runs from an incident's first page in the period to the user's
//!   first acknowledgement after it; p50/p90 are nearest-rank.

mod figures;
mod input;
mod render;
mod svg;

pub use figures::{
    build_report, DayFigures, IncidentPages, Report, ServicePages, SleepInterruption,
    TimeToAcknowledge, Totals, SAME_INTERRUPTION,
};
pub use input::{
    IncidentEvent, OnCallLog, Page, Period, ReportError, ReportSettings, SleepHours, WorkingHours,
};
pub use render::{render_text, CSV_HEADER};
pub use svg::render_svg_chart;

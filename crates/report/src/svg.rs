//! The report's chart: pages per day as stacked bars (working hours below, outside them
//! on top), as a self-contained inline SVG.

use std::fmt::Write as _;

use crate::figures::Report;

const BAR_WIDTH: f64 = 24.0;
const BAR_GAP: f64 = 8.0;
const MARGIN: f64 = 8.0;
/// The legend, and room above the tallest bar for its count.
const LEGEND_HEIGHT: f64 = 30.0;
const PLOT_HEIGHT: f64 = 100.0;
const LABEL_HEIGHT: f64 = 16.0;
/// Wide enough for the legend when the period has only a few days.
const MIN_WIDTH: f64 = 220.0;
const WORKING_FILL: &str = "#3b6ea8";
const OUTSIDE_FILL: &str = "#d9822b";

/// The chart as an `<svg>` element sized by its `viewBox` (it scales to its container),
/// with no external resources, scripts or styles. Text is drawn in `currentColor`, so it
/// follows the page's light or dark theme. Screen readers get a `<title>` and an
/// `aria-label` summing up the period; each day is one `<g class="day">` whose own
/// `<title>` (a tooltip too) gives that day's figures, with its total above the bar and
/// its day of the month below.
pub fn render_svg_chart(report: &Report) -> String {
    let day_count = report.days.len() as f64;
    let width = (2.0 * MARGIN + day_count * (BAR_WIDTH + BAR_GAP) - BAR_GAP).max(MIN_WIDTH);
    let height = LEGEND_HEIGHT + PLOT_HEIGHT + LABEL_HEIGHT;
    let baseline = LEGEND_HEIGHT + PLOT_HEIGHT;
    let tallest = report
        .days
        .iter()
        .map(|day| day.pages())
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let bar_height = |pages: usize| pages as f64 * PLOT_HEIGHT / tallest;

    let summary = summary(report);
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" aria-label="{label}"><title>{label}</title>"#,
        label = escape(&summary),
    );
    let _ = write!(
        svg,
        r#"<g class="legend" font-size="9" font-family="sans-serif" fill="currentColor"><rect x="{MARGIN}" y="4" width="10" height="10" fill="{WORKING_FILL}"/><text x="{x1}" y="13">Working hours</text><rect x="{x2}" y="4" width="10" height="10" fill="{OUTSIDE_FILL}"/><text x="{x3}" y="13">Outside working hours</text></g>"#,
        x1 = MARGIN + 14.0,
        x2 = MARGIN + 104.0,
        x3 = MARGIN + 118.0,
    );
    for (index, day) in report.days.iter().enumerate() {
        let x = MARGIN + index as f64 * (BAR_WIDTH + BAR_GAP);
        let working = bar_height(day.working_hours);
        let outside = bar_height(day.outside_working_hours);
        let _ = write!(
            svg,
            r#"<g class="day" data-date="{date}"><title>{title}</title>"#,
            date = day.date.format("%Y-%m-%d"),
            title = escape(&format!(
                "{}: {} {}, {} in working hours, {} outside, {} sleep {}",
                day.date.format("%a %Y-%m-%d"),
                day.pages(),
                if day.pages() == 1 { "page" } else { "pages" },
                day.working_hours,
                day.outside_working_hours,
                day.sleep_interruptions,
                if day.sleep_interruptions == 1 {
                    "interruption"
                } else {
                    "interruptions"
                }
            )),
        );
        if day.working_hours > 0 {
            let _ = write!(
                svg,
                r#"<rect class="working" x="{x}" y="{y:.1}" width="{BAR_WIDTH}" height="{working:.1}" fill="{WORKING_FILL}"/>"#,
                y = baseline - working,
            );
        }
        if day.outside_working_hours > 0 {
            let _ = write!(
                svg,
                r#"<rect class="outside" x="{x}" y="{y:.1}" width="{BAR_WIDTH}" height="{outside:.1}" fill="{OUTSIDE_FILL}"/>"#,
                y = baseline - working - outside,
            );
        }
        let centre = x + BAR_WIDTH / 2.0;
        if day.pages() > 0 {
            let _ = write!(
                svg,
                r#"<text class="count" x="{centre}" y="{y:.1}" font-size="9" font-family="sans-serif" fill="currentColor" text-anchor="middle">{pages}</text>"#,
                y = baseline - working - outside - 3.0,
                pages = day.pages(),
            );
        }
        let _ = write!(
            svg,
            r#"<text class="date" x="{centre}" y="{y}" font-size="9" font-family="sans-serif" fill="currentColor" text-anchor="middle">{label}</text></g>"#,
            y = baseline + 12.0,
            label = escape(&day.date.format("%d").to_string()),
        );
    }
    let _ = write!(
        svg,
        r##"<line x1="{MARGIN}" y1="{baseline}" x2="{x2}" y2="{baseline}" stroke="#888" stroke-width="1"/></svg>"##,
        x2 = width - MARGIN,
    );
    svg
}

fn summary(report: &Report) -> String {
    let totals = &report.totals;
    match (report.days.first(), report.days.last()) {
        (Some(first), Some(last)) => format!(
            "Pages per day, {} to {}: {} in all, {} in working hours, {} outside",
            first.date.format("%Y-%m-%d"),
            last.date.format("%Y-%m-%d"),
            totals.pages,
            totals.working_hours,
            totals.outside_working_hours
        ),
        _ => "Pages per day: the period is empty".to_owned(),
    }
}

/// `text` as XML character data or a quoted attribute value.
fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&apos;"),
            // Characters XML 1.0 cannot hold at all, even escaped.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => escaped.push(' '),
            c => escaped.push(c),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn escape_makes_markup_and_control_characters_inert() {
        assert_eq!(
            escape("a<b>&\"c\"'\u{0}"),
            "a&lt;b&gt;&amp;&quot;c&quot;&apos; "
        );
    }
}

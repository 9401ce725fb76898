// The Report tab's words and its chart: pure functions of the report the tray app
// computed (`oncall-report`), so they are tested without a page.

import type { Report } from "./types";

/** The periods the tab offers, in local days ending today. */
export const REPORT_PERIODS: readonly { days: number; label: string }[] = [
  { days: 1, label: "Today" },
  { days: 7, label: "Last 7 days" },
  { days: 14, label: "Last 14 days" },
  { days: 30, label: "Last 30 days" },
];

export const DEFAULT_REPORT_DAYS = 7;

/** "today" or "the last 7 days". */
export function periodWords(days: number): string {
  return days === 1 ? "today" : `the last ${days} days`;
}

/** What the tab says when nothing paged: "No pages in the last 7 days". */
export function emptyText(days: number): string {
  return days === 1 ? "No pages today" : `No pages in ${periodWords(days)}`;
}

/** `45s`, `4m 05s`, `2h 03m`: the terminal report's wording (`oncall-report`). */
export function durationText(seconds: number): string {
  const two = (n: number): string => String(n).padStart(2, "0");
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ${two(seconds % 60)}s`;
  return `${Math.floor(seconds / 3600)}h ${two(Math.floor((seconds % 3600) / 60))}m`;
}

function count(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** The figures table: one `[label, value]` row each, in the terminal report's order. */
export function figureRows(report: Report): [string, string][] {
  const { totals, time_to_acknowledge: ack } = report;
  const days = Math.max(report.days.length, 1);
  // Two decimals below one a day, so that one page in 30 days does not read as none.
  const perDay = (n: number): string => {
    const rate = n / days;
    return rate.toFixed(rate < 1 ? 2 : 1).replace(/\.?0+$/, "");
  };
  const acknowledged =
    ack.p50_seconds === null || ack.p90_seconds === null
      ? "nothing acknowledged by you"
      : `p50 ${durationText(ack.p50_seconds)} · p90 ${durationText(ack.p90_seconds)} (${ack.acknowledged_by_me} acknowledged by you)`;
  return [
    [
      "Pages",
      `${totals.pages} (${totals.high_urgency_pages} high urgency, ${count(totals.repeat_pages, "repeat", "repeats")}) for ${count(totals.incidents, "incident", "incidents")}`,
    ],
    ["In working hours", `${totals.working_hours} (${perDay(totals.working_hours)} a day)`],
    ["Outside working hours", `${totals.outside_working_hours} (${perDay(totals.outside_working_hours)} a day)`],
    [
      "Sleep interruptions",
      `${totals.sleep_interruptions} (${count(totals.pages_during_sleep, "page", "pages")} during sleep hours)`,
    ],
    ["Time to acknowledge", acknowledged],
    ["Handled by others", String(ack.handled_by_others)],
    ["Not acknowledged", String(ack.unacknowledged)],
  ];
}

/** "Checkout", or "(no service)" for pages whose incident names none. */
export function serviceName(service: string | null): string {
  return service ?? "(no service)";
}

/** What the chart may hold: the elements and attributes `render_svg_chart` draws. */
const CHART_ELEMENTS = new Set(["svg", "g", "title", "rect", "text", "line"]);
const CHART_ATTRIBUTES = new Set([
  "viewBox",
  "role",
  "aria-label",
  "class",
  "data-date",
  "x",
  "y",
  "x1",
  "y1",
  "x2",
  "y2",
  "width",
  "height",
  "fill",
  "stroke",
  "stroke-width",
  "font-size",
  "font-family",
  "text-anchor",
]);

/**
 * The chart's SVG markup as an `<svg>` element of `into`, or `null` if it is not a
 * well-formed chart. Parsed as an SVG document, never as HTML, and kept to the elements
 * and attributes the chart is drawn with, so nothing in it can run or load: the tray
 * app's crate escapes every text it draws, and this holds even if it did not.
 */
export function chartElement(markup: string, into: Document = document): SVGSVGElement | null {
  const parsed = new DOMParser().parseFromString(markup, "image/svg+xml");
  const root = parsed.documentElement;
  if (root.localName !== "svg" || root.namespaceURI !== SVG_NS) return null;
  if (parsed.getElementsByTagName("parsererror").length > 0) return null;
  const copy = copyAllowed(root, into);
  return copy instanceof SVGSVGElement ? copy : null;
}

const SVG_NS = "http://www.w3.org/2000/svg";

/** A copy of `node` made in `into` with only the allowed elements, attributes and text. */
function copyAllowed(node: Element, into: Document): Element | null {
  if (node.namespaceURI !== SVG_NS || !CHART_ELEMENTS.has(node.localName)) return null;
  const copy = into.createElementNS(SVG_NS, node.localName);
  for (const attribute of Array.from(node.attributes)) {
    if (attribute.namespaceURI === null && CHART_ATTRIBUTES.has(attribute.name)) {
      copy.setAttribute(attribute.name, attribute.value);
    }
  }
  for (const child of Array.from(node.childNodes)) {
    if (child.nodeType === Node.TEXT_NODE) {
      copy.append(into.createTextNode(child.textContent ?? ""));
    } else if (child.nodeType === Node.ELEMENT_NODE) {
      const allowed = copyAllowed(child as Element, into);
      if (allowed) copy.append(allowed);
    }
  }
  return copy;
}

// The history tab's words: what happened in the last 24 hours, one line per entry. Pure.

import type { HistoryEntry } from "./types";
import { actionSentence, clockTime } from "./words";

/** The incident an entry is about: its display name, else its id. */
function subject(entry: HistoryEntry): string {
  if (entry.title) return entry.title;
  if (entry.incident) return `incident ${entry.incident}`;
  return "an incident";
}

/** What happened, in words: "Paged: #42 Database down (high urgency)". */
export function historyText(entry: HistoryEntry): string {
  switch (entry.event) {
    case "paged": {
      const what = `${subject(entry)} (${entry.urgency} urgency)`;
      switch (entry.reason) {
        case "new":
          return `Paged: ${what}`;
        case "repeat":
          return `Paged again: ${what}`;
        case "released":
          return `Paged after being held back by a pause or quiet hours: ${what}`;
      }
      break;
    }
    case "summary": {
      const incidents = entry.count === 1 ? "1 incident" : `${entry.count} incidents`;
      return entry.reason === "storm"
        ? `${entry.count === 1 ? "1 new incident" : `${entry.count} new incidents`} announced together (storm)`
        : `${incidents} already open at start announced together`;
    }
    case "withdrawn":
      return `Notification withdrawn: ${subject(entry)}`;
    case "action": {
      const did = actionSentence(entry.kind, subject(entry));
      const why = entry.reason ? `: ${entry.reason}` : "";
      switch (entry.result) {
        case "confirmed":
          return `${did} — confirmed by the service`;
        case "queued":
          return `${did} — not confirmed yet${why}`;
        case "failed":
          return `${did} — failed${why}`;
      }
      break;
    }
    case "token_rejected":
      return `Token rejected for ${entry.account}: ${entry.reason}`;
    case "handled_by_others": {
      const who = entry.by ? entry.by : "someone else";
      return `${entry.how === "acknowledged" ? "Acknowledged" : "Resolved"} by ${who}: ${subject(entry)}`;
    }
    case "shift": {
      const what = entry.title ?? "your shift";
      switch (entry.moment.kind) {
        case "reminder":
          return `Shift reminder: ${what}${entry.start ? ` from ${clockTime(new Date(entry.start))}` : ""}`;
        case "started":
          return `On call: ${what}${entry.end ? ` until ${clockTime(new Date(entry.end))}` : ""}`;
        case "ended": {
          const open = entry.moment.open_incidents;
          const left = open === 0 ? "none open" : open === 1 ? "1 incident still open" : `${open} incidents still open`;
          return `Shift ${entry.moment.early ? "ended early" : "ended"}: ${what} (${left})`;
        }
      }
      break;
    }
    case "while_away": {
      const pages = entry.paged === 1 ? "1 page" : `${entry.paged} pages`;
      return `While you were away: ${pages}, ${entry.handled_by_others} handled by someone else, ${entry.still_open} still open`;
    }
  }
  return "";
}

/** When: "14:05" today, "yesterday 23:10" otherwise (the list covers 24 hours). */
export function historyTime(iso: string, now: number): string {
  const at = new Date(iso);
  const today = new Date(now);
  if (at.toDateString() === today.toDateString()) return clockTime(at);
  const yesterday = new Date(today.getFullYear(), today.getMonth(), today.getDate() - 1);
  if (at.toDateString() === yesterday.toDateString()) return `yesterday ${clockTime(at)}`;
  return `${at.toLocaleDateString([], { weekday: "short", day: "numeric", month: "short" })} ${clockTime(at)}`;
}

/** Whether an entry calls for attention (shown in the error colour). */
export function isTrouble(entry: HistoryEntry): boolean {
  return (
    entry.event === "token_rejected" || (entry.event === "action" && entry.result === "failed")
  );
}

/** Newest first, whatever order they came in. */
export function newestFirst(entries: readonly HistoryEntry[]): HistoryEntry[] {
  return [...entries].sort((a, b) => Date.parse(b.at) - Date.parse(a.at));
}

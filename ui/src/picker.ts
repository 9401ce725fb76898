// The assignee picker's logic: which of the service's answers are shown, in what order,
// and how the arrow keys move through them. Pure.

import type { Assignee, AssigneeKind } from "./types";

/** How long typing must pause before the service is asked. */
export const SEARCH_DELAY_MS = 250;

/** "KIND/ID": one assignee, whatever its name. */
export function assigneeKey(assignee: Pick<Assignee, "kind" | "id">): string {
  return `${assignee.kind}/${assignee.id}`;
}

/** How well `name` matches `query` (already lower case): lower is better. */
function matchRank(name: string, query: string): number {
  const n = name.toLowerCase();
  if (!query) return 0;
  if (n === query) return 0;
  if (n.startsWith(query)) return 1;
  if (n.split(/[\s._@-]+/).some((word) => word.startsWith(query))) return 2;
  if (n.includes(query)) return 3;
  // The service matched something not shown (an email, a description): keep it, last.
  return 4;
}

/**
 * The picker's options from the service's answer: only the `kinds` asked for, each once,
 * none of those already `chosen`; the best name matches first (whole name, start of the
 * name, start of a word, anywhere), then in the order of `kinds`, then by name.
 */
export function rankAssignees(
  found: readonly Assignee[],
  query: string,
  kinds: readonly AssigneeKind[],
  chosen: ReadonlySet<string> = new Set(),
): Assignee[] {
  const q = query.trim().toLowerCase();
  const seen = new Set<string>();
  const kept = found.filter((a) => {
    const key = assigneeKey(a);
    if (!kinds.includes(a.kind) || chosen.has(key) || seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return kept
    .map((a) => ({ a, rank: matchRank(a.name, q) }))
    .sort(
      (x, y) =>
        x.rank - y.rank ||
        kinds.indexOf(x.a.kind) - kinds.indexOf(y.a.kind) ||
        x.a.name.localeCompare(y.a.name) ||
        (x.a.id < y.a.id ? -1 : x.a.id > y.a.id ? 1 : 0),
    )
    .map(({ a }) => a);
}

/**
 * Where the active option goes on `key` among `count` options (-1: none active), or
 * `null` when the key does not move it. Down from none is the first, up from none the
 * last; the ends hold (no wrapping, so holding a key stops at the end).
 */
export function moveActive(active: number, count: number, key: string): number | null {
  if (count === 0) return key === "ArrowDown" || key === "ArrowUp" ? -1 : null;
  switch (key) {
    case "ArrowDown":
      return active < 0 ? 0 : Math.min(count - 1, active + 1);
    case "ArrowUp":
      return active < 0 ? count - 1 : Math.max(0, active - 1);
    case "PageDown":
      return Math.min(count - 1, Math.max(0, active) + 5);
    case "PageUp":
      return Math.max(0, active - 5);
    default:
      return null;
  }
}

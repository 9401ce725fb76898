import { describe, expect, it } from "vitest";

import { assigneeKey, moveActive, rankAssignees } from "./picker";
import type { Assignee } from "./types";

const user = (id: string, name: string): Assignee => ({ kind: "user", id, name });
const policy = (id: string, name: string): Assignee => ({ kind: "escalation_policy", id, name });

describe("rankAssignees", () => {
  const found = [
    user("P3", "Sally Alison"),
    policy("PEP1", "Al's rotation"),
    user("P1", "Alice Example"),
    user("P4", "Bob Malinowski"),
    user("P2", "Al"),
    user("P5", "Zed Unrelated"),
  ];

  it("puts the whole name first, then names starting with it, a word starting with it, containing it, the rest", () => {
    expect(rankAssignees(found, "al", ["user", "escalation_policy"]).map((a) => a.name)).toEqual([
      "Al",
      "Alice Example",
      "Al's rotation",
      "Sally Alison",
      "Bob Malinowski",
      "Zed Unrelated",
    ]);
  });

  it("orders equal matches by the order of the kinds asked for, then by name", () => {
    const tied = [policy("PEP2", "Checkout"), user("P9", "Checkout"), user("P8", "Checkers")];
    expect(rankAssignees(tied, "check", ["user", "escalation_policy"]).map(assigneeKey)).toEqual([
      "user/P8",
      "user/P9",
      "escalation_policy/PEP2",
    ]);
    expect(rankAssignees(tied, "check", ["escalation_policy", "user"]).map(assigneeKey)).toEqual([
      "escalation_policy/PEP2",
      "user/P8",
      "user/P9",
    ]);
  });

  it("keeps only the kinds asked for, each assignee once, none already chosen", () => {
    const answer = [user("P1", "Alice"), user("P1", "Alice"), policy("PEP1", "Alice's policy"), user("P2", "Alan")];
    expect(rankAssignees(answer, "", ["user"], new Set(["user/P2"])).map(assigneeKey)).toEqual(["user/P1"]);
  });

  it("ignores case and the spaces around the query", () => {
    expect(rankAssignees([user("P2", "bob"), user("P1", "ALICE")], "  Ali ", ["user"]).map((a) => a.id)).toEqual(["P1", "P2"]);
  });
});

describe("moveActive", () => {
  it.each([
    [-1, 3, "ArrowDown", 0],
    [0, 3, "ArrowDown", 1],
    [2, 3, "ArrowDown", 2],
    [-1, 3, "ArrowUp", 2],
    [2, 3, "ArrowUp", 1],
    [0, 3, "ArrowUp", 0],
    [-1, 20, "PageDown", 5],
    [17, 20, "PageDown", 19],
    [3, 20, "PageUp", 0],
    [-1, 0, "ArrowDown", -1],
  ])("from %i of %i options, %s goes to %i", (active, count, key, to) => {
    expect(moveActive(active, count, key)).toBe(to);
  });

  it("leaves other keys to the text field", () => {
    expect(moveActive(1, 3, "a")).toBeNull();
    expect(moveActive(1, 3, "Home")).toBeNull();
    expect(moveActive(-1, 0, "Enter")).toBeNull();
  });
});

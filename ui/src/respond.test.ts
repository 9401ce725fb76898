import { describe, expect, it } from "vitest";

import { confirmationText, muteOf, offersOf, quietWords, stampWords } from "./respond";
import { ago, ahead, incident, NOW, view } from "./test/fixtures";
import type { Assignee, Capabilities } from "./types";
import { actionSentence, clockTime, progressWords, when } from "./words";

const alice: Assignee = { kind: "user", id: "PALICE", name: "Alice Example" };
const checkoutPolicy: Assignee = { kind: "escalation_policy", id: "PEP1", name: "Checkout" };
const platform: Assignee = { kind: "escalation", id: "E1", name: "Platform escalation" };
const down = incident("P42", { number: 42, title: "Checkout API is down", escalation_policy: "Checkout" });
const mine = { ...down, assigned_to_me_at: ago(5), assignees: [{ id: "PME", name: "Pat Oncall" }] };

describe("offersOf", () => {
  const base: Capabilities = { resolve: true, snooze: true, unacknowledge: false };

  it("offers nothing an older view does not mention", () => {
    expect(offersOf(base)).toEqual({
      notes: false,
      reassignKinds: [],
      escalate: null,
      responderKinds: [],
      urgency: false,
      details: false,
    });
  });

  it("offers PagerDuty's: users and policies, the next level, responders, urgency", () => {
    const pagerduty: Capabilities = {
      ...base,
      reassign_to_users: true,
      reassign_to_policies: true,
      reassign_to_teams: false,
      escalate_needs_target: false,
      notes: true,
      add_responders: true,
      set_urgency: true,
      details: true,
    };
    expect(offersOf(pagerduty)).toEqual({
      notes: true,
      reassignKinds: ["user", "escalation_policy"],
      escalate: "next_level",
      responderKinds: ["user", "escalation_policy"],
      urgency: true,
      details: true,
    });
  });

  it("offers Opsgenie's: users and teams, a chosen escalation, no responders", () => {
    const opsgenie: Capabilities = {
      ...base,
      reassign_to_users: true,
      reassign_to_teams: true,
      escalate_needs_target: true,
      notes: true,
      details: true,
    };
    const offers = offersOf(opsgenie);
    expect(offers.reassignKinds).toEqual(["user", "team"]);
    expect(offers.escalate).toBe("choose");
    expect(offers.responderKinds).toEqual([]);
  });
});

describe("confirmationText", () => {
  it("says who loses the incident when it is reassigned", () => {
    expect(confirmationText(mine, { kind: "reassign", to: alice })).toBe(
      "Reassign #42 Checkout API is down to Alice Example? It will no longer be assigned to you.",
    );
    const bobs = { ...down, assignees: [{ id: "PBOB", name: "Bob" }, { id: "PCAR", name: "Carol" }] };
    expect(confirmationText(bobs, { kind: "reassign", to: alice })).toBe(
      "Reassign #42 Checkout API is down to Alice Example? It will no longer be assigned to Bob and Carol.",
    );
    expect(confirmationText(down, { kind: "reassign", to: alice })).toBe(
      "Reassign #42 Checkout API is down to Alice Example?",
    );
  });

  it("says that reassigning to a policy pages its first level", () => {
    expect(confirmationText(mine, { kind: "reassign", to: checkoutPolicy })).toBe(
      "Reassign #42 Checkout API is down to the escalation policy Checkout? Whoever is on call at its first level will be paged. It will no longer be assigned to you.",
    );
  });

  it("says where an escalation goes", () => {
    expect(confirmationText(mine, { kind: "escalate", to: null })).toBe(
      "Escalate #42 Checkout API is down to the next level of Checkout? Whoever is on call there will be paged. It will no longer be assigned to you.",
    );
    expect(confirmationText({ ...down, escalation_policy: null }, { kind: "escalate", to: null })).toBe(
      "Escalate #42 Checkout API is down to the next level of its escalation policy? Whoever is on call there will be paged.",
    );
    expect(confirmationText(down, { kind: "escalate", to: platform })).toBe(
      "Escalate #42 Checkout API is down with the escalation Platform escalation? Whoever its next step names will be notified.",
    );
  });

  it("names the responders and quotes the message", () => {
    const kind = { kind: "add_responders" as const, responders: [alice, checkoutPolicy], message: "Join the bridge" };
    expect(confirmationText(down, kind)).toBe(
      "Ask Alice Example and the escalation policy Checkout to respond to #42 Checkout API is down? They will be paged with your message: “Join the bridge”",
    );
  });

  it("says the urgency from and to", () => {
    expect(confirmationText(down, { kind: "set_urgency", urgency: "low" })).toBe(
      "Change the urgency of #42 Checkout API is down from high to low?",
    );
  });
});

describe("words for what is on its way, and for quiet incidents", () => {
  it.each([
    [{ kind: "add_note" as const, text: "looking" }, "note on its way…"],
    [{ kind: "reassign" as const, to: alice }, "reassigning to Alice Example…"],
    [{ kind: "escalate" as const, to: null }, "escalating to the next level…"],
    [{ kind: "escalate" as const, to: platform }, "escalating to Platform escalation…"],
    [{ kind: "add_responders" as const, responders: [alice, checkoutPolicy], message: "m" }, "asking Alice Example and Checkout to respond…"],
    [{ kind: "set_urgency" as const, urgency: "low" as const }, "changing to low urgency…"],
  ])("%j is said %s", (kind, words) => {
    expect(progressWords(kind)).toBe(words);
  });

  it("puts the new actions in the history's words", () => {
    expect(actionSentence({ kind: "reassign", to: alice }, "#42 Down")).toBe("You reassigned #42 Down to Alice Example");
    expect(actionSentence({ kind: "escalate", to: null }, "#42 Down")).toBe("You escalated #42 Down to the next level");
    expect(actionSentence({ kind: "add_note", text: "x" }, "#42 Down")).toBe("You added a note to #42 Down");
    expect(actionSentence({ kind: "add_responders", responders: [alice], message: "m" }, "#42 Down")).toBe(
      "You asked Alice Example to respond to #42 Down",
    );
    expect(actionSentence({ kind: "set_urgency", urgency: "high" }, "#42 Down")).toBe("You changed #42 Down to high urgency");
  });

  it("says until when a service is muted, and which rule keeps an incident quiet", () => {
    const until = ahead(120);
    expect(quietWords({ reason: "muted", until }, NOW)).toBe(`muted until ${when(until, NOW)}`);
    expect(quietWords({ reason: "rule", rule: 'title matches "staging"' }, NOW)).toBe('quiet by a rule: title matches "staging"');
  });

  it("finds the mute that still holds for an account's service", () => {
    const mutes = [
      { account: "work", service: "Checkout", until: ahead(60) },
      { account: "work", service: "Billing", until: ago(1) },
    ];
    const v = view({ mutes });
    expect(muteOf(v, "work", "Checkout", NOW)).toEqual(mutes[0]);
    expect(muteOf(v, "home", "Checkout", NOW)).toBeNull();
    expect(muteOf(v, "work", "Billing", NOW)).toBeNull();
    expect(muteOf(v, "work", null, NOW)).toBeNull();
    expect(muteOf(view(), "work", "Checkout", NOW)).toBeNull();
  });

  it("dates a note older than this week", () => {
    expect(stampWords(ago(30), NOW)).toBe(when(ago(30), NOW));
    const old = new Date(NOW - 30 * 86_400_000);
    expect(stampWords(old.toISOString(), NOW)).toContain(clockTime(old));
    expect(stampWords(old.toISOString(), NOW)).toContain(String(old.getFullYear()));
  });
});

import { describe, expect, it } from "vitest";

import type { Connection } from "./types";
import { accountSettings, accountView, ago, ahead, NOW } from "./test/fixtures";
import {
  accountLine,
  accountSummary,
  actionSentence,
  age,
  clockTime,
  deliveryWords,
  connectionWords,
  distance,
  durationWords,
  inTime,
  intervalWords,
  onCallLine,
  pauseWords,
  tokenWords,
  providerName,
  whereWords,
} from "./words";

describe("age", () => {
  it.each([
    [0, "just now"],
    [0.9, "just now"],
    [1, "1 min"],
    [59, "59 min"],
    [60, "1 h"],
    [47 * 60 + 59, "47 h"],
    [48 * 60, "2 d"],
    [10 * 1440, "10 d"],
  ])("%f minutes old is %s", (minutes, words) => {
    expect(age(ago(minutes), NOW)).toBe(words);
  });

  it("treats a creation time in the future (clock skew) as just now", () => {
    expect(age(ahead(5), NOW)).toBe("just now");
  });
});

describe("distance and inTime", () => {
  it("measures either way", () => {
    expect(distance(ago(0.5), NOW)).toBe("30 s");
    expect(distance(ahead(0.5), NOW)).toBe("30 s");
    expect(distance(ago(3), NOW)).toBe("3 min");
    expect(distance(ahead(150), NOW)).toBe("2 h");
  });

  it("says now once the time has passed", () => {
    expect(inTime(ago(1), NOW)).toBe("now");
    expect(inTime(ahead(2), NOW)).toBe("in 2 min");
  });
});

describe("connection words", () => {
  it("says each state in plain words", () => {
    const words = (connection: Connection) => connectionWords(accountView("work", { connection }), NOW);
    expect(words({ state: "connecting" })).toBe("connecting…");
    expect(words({ state: "ok" })).toBe("connected");
    expect(words({ state: "offline", reason: "connection refused", retry_at: ahead(0.5) })).toBe(
      "offline, retrying in 30 s (connection refused)",
    );
    expect(words({ state: "rate_limited", retry_at: ago(1) })).toBe(
      "rate limited by the service, trying again now",
    );
    expect(words({ state: "misconfigured", reason: "no token for work" })).toBe("no token for work");
    expect(
      words({ state: "token_unavailable", reason: "the vault is locked", retry_at: ahead(0.5) }),
    ).toBe("cannot get the token, retrying in 30 s (the vault is locked)");
  });

  it("points a rejected token to Settings, not to a command line", () => {
    const words = connectionWords(
      accountView("work", { connection: { state: "auth_failed", reason: "401" } }),
      NOW,
    );
    expect(words).toContain("token rejected");
    expect(words).toContain("Settings");
    expect(words).not.toContain("oncall-tray token");
  });
});

describe("accountLine", () => {
  it("names the account, its state, the last and next poll", () => {
    expect(accountLine(accountView("work"), NOW)).toBe(
      "work: connected · last successful poll 12 s ago · next poll in 3 s",
    );
  });

  it("says when an account was never polled", () => {
    expect(accountLine(accountView("home", { last_success: null, next_poll: null }), NOW)).toBe(
      "home: connected · not polled yet",
    );
  });

  it("leaves out the next poll while the token is rejected (polling is stopped)", () => {
    const line = accountLine(
      accountView("work", { connection: { state: "auth_failed", reason: "401" } }),
      NOW,
    );
    expect(line).not.toContain("next poll");
    expect(line.startsWith("work: token rejected")).toBe(true);
  });
});

describe("onCallLine", () => {
  const shift = (over: object) => ({
    escalation_policy: "Checkout on-call",
    schedule: "Primary",
    level: 1,
    start: ago(60),
    end: ahead(120),
    ...over,
  });

  it("is empty when not on call", () => {
    expect(onCallLine([accountView()], NOW)).toBe("");
  });

  it("names the rotation and when the shift ends", () => {
    const line = onCallLine([accountView("work", { on_call: [shift({})] })], NOW);
    expect(line).toBe(`You are on call for Checkout on-call (Primary) until ${clockTime(new Date(ahead(120)))}`);
  });

  it("has no end for a shift that never ends", () => {
    const line = onCallLine([accountView("work", { on_call: [shift({ end: null })] })], NOW);
    expect(line).toBe("You are on call for Checkout on-call (Primary)");
  });

  it("ends at the latest end of several current shifts and names the next shift", () => {
    const line = onCallLine(
      [
        accountView("work", {
          on_call: [
            shift({ end: ahead(60) }),
            shift({ escalation_policy: "Payments", schedule: null, end: ahead(180) }),
            shift({ escalation_policy: "Search", schedule: null, start: ahead(300), end: ahead(600) }),
          ],
        }),
      ],
      NOW,
    );
    expect(line).toContain("You are on call for Checkout on-call (Primary), Payments until ");
    expect(line).toContain(clockTime(new Date(ahead(180))));
    expect(line).toContain(" · next shift: Search from ");
  });

  it("calls a shift without names a rotation", () => {
    const line = onCallLine(
      [accountView("work", { on_call: [shift({ escalation_policy: null, schedule: null, end: null })] })],
      NOW,
    );
    expect(line).toBe("You are on call for a rotation");
  });
});

describe("pauseWords", () => {
  it("is empty without a pause or after it ended", () => {
    expect(pauseWords(null, NOW)).toBe("");
    expect(pauseWords({ kind: "until", until: ago(1) }, NOW)).toBe("");
  });

  it("says until when", () => {
    expect(pauseWords({ kind: "until", until: ahead(15) }, NOW)).toBe(
      `Notifications paused until ${clockTime(new Date(ahead(15)))}`,
    );
    expect(pauseWords({ kind: "until_resumed" }, NOW)).toBe("Notifications paused until you resume them");
  });
});

describe("settings words", () => {
  it("says every token state in words", () => {
    expect(tokenWords("set")).toBe("token stored in the keychain");
    expect(tokenWords("not_set")).toBe("no token for this server");
    expect(tokenWords("rejected")).toBe("token rejected by the service");
    expect(tokenWords("command")).toBe("token from a command");
    expect(tokenWords("not_needed")).toBe("no token needed");
  });

  it("says where an account's service is", () => {
    expect(whereWords({ provider: "pagerduty", region: "eu", api_url: null })).toBe("EU region");
    expect(whereWords({ provider: "opsgenie", region: "us", api_url: null })).toBe("US region");
    expect(whereWords({ provider: "alertmanager", region: null, api_url: "https://am.example.com" })).toBe(
      "https://am.example.com",
    );
    // A JSM account is known by its Jira site; its API is Atlassian's, the same for all.
    expect(whereWords({ provider: "jsm", region: null, api_url: null, site: "acme" })).toBe("site acme");
    expect(whereWords({ provider: "grafana-oncall", region: null, api_url: "https://oncall.example.com" })).toBe(
      "https://oncall.example.com",
    );
    expect(whereWords({ provider: "grafana-oncall", region: null, api_url: null })).toBe("no URL set");
  });

  it("names the two services Opsgenie users move to", () => {
    expect(providerName("jsm")).toBe("Jira Service Management");
    expect(providerName("grafana-oncall")).toBe("Grafana OnCall");
  });

  it("says poll intervals and durations the short way", () => {
    expect(intervalWords(15)).toBe("every 15 s");
    expect(intervalWords(120)).toBe("every 2 min");
    expect(intervalWords(90)).toBe("every 1 min 30 s");
    expect(intervalWords(3600)).toBe("every 1 h");
    expect(durationWords(900)).toBe("15 min");
    expect(durationWords(14400)).toBe("4 h");
    expect(durationWords(5400)).toBe("1 h 30 min");
  });

  it("sums an account up in one line", () => {
    expect(accountSummary(accountSettings("work", { token: "not_set", notify: false }))).toBe(
      "PagerDuty · US region · polled every 15 s · no notifications",
    );
  });

  it("says what the user did", () => {
    expect(actionSentence({ kind: "acknowledge" }, "#42 Disk full")).toBe("You acknowledged #42 Disk full");
    expect(actionSentence({ kind: "resolve" }, "#42 Disk full")).toBe("You resolved #42 Disk full");
    expect(actionSentence({ kind: "snooze", seconds: 3600 }, "#42 Disk full")).toBe("You snoozed #42 Disk full for 1 h");
    expect(actionSentence({ kind: "unacknowledge" }, "#42 Disk full")).toBe("You un-acknowledged #42 Disk full");
  });
});

describe("deliveryWords", () => {
  it("says nothing while notifications reach the desktop, or for an older tray app", () => {
    expect(deliveryWords({ state: "ok" }, NOW)).toBeNull();
    expect(deliveryWords(undefined, NOW)).toBeNull();
  });

  it("says since when pages have not reached the desktop, and why", () => {
    expect(
      deliveryWords({ state: "failing", since: ago(2), reason: "no notification server is running" }, NOW),
    ).toBe(
      "Notifications are not reaching your desktop (no notification server is running) since 2 min ago. " +
        "Pages wait and are retried; keep this window in view.",
    );
  });
});

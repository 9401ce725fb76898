// @vitest-environment happy-dom
// The detail pane on the real markup and a fake tray app: what it fetches (once, when
// opened), what each action sends, and that handing an incident on needs Confirm.

import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import { SEARCH_DELAY_MS } from "./picker";
import { accountView, ago, ahead, item, view } from "./test/fixtures";
import { $, openPage, press, type, type Page } from "./test/page";
import type { Assignee, Capabilities, IncidentView, View } from "./types";
import { when } from "./words";

const PAGERDUTY: Capabilities = {
  resolve: true,
  snooze: true,
  unacknowledge: false,
  schedules: true,
  reassign_to_users: true,
  reassign_to_policies: true,
  reassign_to_teams: false,
  escalate_needs_target: false,
  notes: true,
  add_responders: true,
  set_urgency: true,
  details: true,
};
const OPSGENIE: Capabilities = {
  ...PAGERDUTY,
  reassign_to_policies: false,
  reassign_to_teams: true,
  escalate_needs_target: true,
  add_responders: false,
  set_urgency: false,
};

const KEY = { account: "work", id: "P42" };
const alice: Assignee = { kind: "user", id: "PALICE", name: "Alice Example" };
const alan: Assignee = { kind: "user", id: "PALAN", name: "Alan Turing" };
const policy: Assignee = { kind: "escalation_policy", id: "PEP1", name: "Alerting policy" };

function down(rest: Partial<IncidentView> = {}): IncidentView {
  return item(
    "P42",
    { number: 42, title: "Checkout API is down", assigned_to_me_at: ago(5), assignees: [{ id: "PME", name: "Pat Oncall" }], teams: ["Payments"] },
    rest,
  );
}

function pagerduty(over: Partial<View> = {}, can: Capabilities = PAGERDUTY): View {
  return view({ accounts: [accountView("work", { capabilities: can })], incidents: [down()], ...over });
}

/** Lets the fake's answers arrive (promise callbacks), without moving the clock. */
async function flush(): Promise<void> {
  await vi.advanceTimersByTimeAsync(0);
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

const row = (): HTMLElement => $('#incidents tbody tr[data-key="work/P42"]');

async function openDetails(v: View = pagerduty()): Promise<void> {
  page.emitView(v);
  row().querySelector<HTMLButtonElement>('button[data-action="details"]')!.click();
  await flush();
}

/** Types `text` into a picker and lets the debounce pass. */
async function search(picker: string, text: string): Promise<void> {
  type(`#${picker}-query`, text);
  await vi.advanceTimersByTimeAsync(SEARCH_DELAY_MS);
  await flush();
}

const options = (picker: string): string[] =>
  [...document.querySelectorAll(`#${picker}-options li[role=option]`)].map((li) => li.getAttribute("data-key") ?? "");

let page: Page;
beforeEach(() => {
  vi.useFakeTimers({ now: Date.parse("2026-03-10T12:00:00Z") });
  page = openPage();
});
afterEach(() => {
  page.stop();
  vi.useRealTimers();
});

describe("the detail pane", () => {
  it("opens from the row's Details button, and fetches the notes, log and alerts once", async () => {
    page.api.incidentDetails.mockResolvedValue({
      notes: [{ at: ago(3), author: "Alice Example", text: "Restarted the pods" }],
      log: [{ at: ago(4), summary: "Acknowledged by Pat Oncall" }],
      alerts: [{ at: ago(10), summary: "5xx above 5%", status: "triggered" }],
    });
    await openDetails();
    expect($("#details").hidden).toBe(false);
    expect($("#details").getAttribute("role")).toBe("dialog");
    expect($("#details-title").textContent).toBe("#42 Checkout API is down");
    expect(document.activeElement).toBe($("#details-title"));
    const fact = (name: string): string | null => $(`#details-facts dd[data-fact="${name}"]`).textContent;
    expect(fact("service")).toBe("Checkout");
    expect(fact("status")).toBe("triggered");
    expect(fact("assigned to")).toBe("Pat Oncall");
    expect(fact("teams")).toBe("Payments");
    expect(page.api.incidentDetails).toHaveBeenCalledTimes(1);
    expect(page.api.incidentDetails).toHaveBeenCalledWith(KEY);
    expect($("#details-notes li .text").textContent).toBe("Restarted the pods");
    expect($("#details-notes li .meta").textContent).toBe(`${when(ago(3), Date.now())} · Alice Example`);
    expect($("#details-log li").textContent).toContain("Acknowledged by Pat Oncall");
    expect($("#details-alerts li").getAttribute("data-status")).toBe("triggered");

    // Views keep the pane current; they never fetch again.
    page.emitView(pagerduty({ incidents: [down({ pending: { kind: "acknowledge" } })] }));
    page.emitView(pagerduty());
    await flush();
    expect(page.api.incidentDetails).toHaveBeenCalledTimes(1);
    $("#details-refresh").click();
    await flush();
    expect(page.api.incidentDetails).toHaveBeenCalledTimes(2);
  });

  it("opens when the tray asks for the incident, once the view lists it", async () => {
    $("#tab-settings").click();
    page.emitShowIncident(KEY);
    expect($("#panel-incidents").hidden).toBe(false);
    expect($("#details").hidden).toBe(true);
    page.emitView(pagerduty());
    await flush();
    expect($("#details").hidden).toBe(false);
    expect($("#details-title").textContent).toBe("#42 Checkout API is down");
    expect(page.api.incidentDetails).toHaveBeenCalledWith(KEY);
    // Asked once: closing it and a later view leave it closed.
    press("Escape", $("#details-title"));
    page.emitView(pagerduty());
    expect($("#details").hidden).toBe(true);
  });

  it("opens the incident a starting window was asked for in its address", async () => {
    page.stop();
    window.location.hash = "#incident=work/P42";
    try {
      page = openPage();
      page.emitView(pagerduty());
      await flush();
      expect($("#details").hidden).toBe(false);
      expect(page.api.incidentDetails).toHaveBeenCalledWith(KEY);
    } finally {
      window.location.hash = "";
    }
  });

  it("opens with d or Enter on the current row, and Escape closes it back to the row", async () => {
    page.emitView(pagerduty());
    press("j");
    press("d");
    expect($("#details").hidden).toBe(false);
    press("Escape", $("#details-title"));
    expect($("#details").hidden).toBe(true);
    expect(document.activeElement).toBe(row());
    press("Enter", row());
    expect($("#details").hidden).toBe(false);
    // Enter on a row's button is that button's, not the pane's.
    press("Escape");
    expect($("#details").hidden).toBe(true);
    press("Enter", row().querySelector('button[data-action="ack"]')!);
    expect($("#details").hidden).toBe(true);
  });

  it("keeps the list's keys out of the pane", async () => {
    await openDetails();
    press("a", $("#details-refresh"));
    press("Enter", $("#details-title"));
    expect(page.api.act).not.toHaveBeenCalled();
  });

  it("says while it loads, says a failure in words, and tries again on Refresh", async () => {
    let answer: (v: never) => void = () => {};
    page.api.incidentDetails.mockImplementationOnce(() => new Promise((_resolve, reject) => (answer = reject)));
    await openDetails();
    expect($("#details-loading").textContent).toBe("Loading notes, log and alerts…");
    answer("PagerDuty cannot be reached: connection refused" as never);
    await flush();
    expect($("#details-loading").textContent).toBe("");
    expect($("#details-error").hidden).toBe(false);
    expect($("#details-error").textContent).toBe(
      "Could not load the notes, log and alerts: PagerDuty cannot be reached: connection refused",
    );
    $("#details-refresh").click();
    await flush();
    expect($("#details-error").hidden).toBe(true);
    expect($("#details-notes").textContent).toBe("No notes yet.");
  });

  it("shows a service's text as text, never as markup", async () => {
    const hostile = '<img src=x onerror="alert(1)">';
    page.api.incidentDetails.mockResolvedValue({ notes: [{ at: ago(1), author: hostile, text: hostile }], log: [], alerts: [] });
    await openDetails(pagerduty({ incidents: [down({ incident: { ...down().incident, title: hostile, service: hostile } })] }));
    expect($("#details").querySelector("img")).toBeNull();
    expect($("#incidents").querySelector("img")).toBeNull();
    expect($("#details-notes .text").textContent).toBe(hostile);
    expect($("#details-title").textContent).toBe(`#42 ${hostile}`);
  });

  it("offers only what the account can do, and fetches nothing where there are no details", async () => {
    const alertmanager = view({
      accounts: [accountView("work", { provider: "alertmanager", capabilities: { resolve: false, snooze: false, unacknowledge: true } })],
      incidents: [down()],
    });
    await openDetails(alertmanager);
    for (const id of ["note-section", "reassign-section", "escalate-section", "responders-section", "urgency-section"]) {
      expect($(`#${id}`).hidden, id).toBe(true);
    }
    expect($("#mute-section").hidden).toBe(false);
    expect($("#details-none").textContent).toBe("Alertmanager gives no notes, log or alerts for its incidents here.");
    expect(page.api.incidentDetails).not.toHaveBeenCalled();
  });
});

describe("notes", () => {
  it("adds a note, shows it as sending until confirmed, then fetches the notes again", async () => {
    await openDetails();
    type("#note-text", "  Rolled back to v41  ");
    $("#add-note").click();
    await flush();
    expect(page.api.act).toHaveBeenCalledWith([KEY], { kind: "add_note", text: "Rolled back to v41" });
    expect($<HTMLTextAreaElement>("#note-text").value).toBe("");

    // Saved, and no view has shown it yet: asked for at once (it may have settled already).
    expect(page.api.incidentDetails).toHaveBeenCalledTimes(2);

    page.emitView(pagerduty({ incidents: [down({ sending: [{ kind: "add_note", text: "Rolled back to v41" }] })] }));
    expect($("#details-notes li[data-sending]").textContent).toBe("sending…Rolled back to v41");
    expect(row().querySelector(".sending")?.textContent).toBe("note on its way…");
    expect(row().dataset.sending).toBe("add_note");
    expect(page.api.incidentDetails).toHaveBeenCalledTimes(2);

    page.api.incidentDetails.mockResolvedValue({ notes: [{ at: ago(0), author: "Pat Oncall", text: "Rolled back to v41" }], log: [], alerts: [] });
    page.emitView(pagerduty());
    await flush();
    expect(page.api.incidentDetails).toHaveBeenCalledTimes(3);
    expect(document.querySelector("#details-notes li[data-sending]")).toBeNull();
    expect($("#details-notes .text").textContent).toBe("Rolled back to v41");
  });

  it("shows a note the service confirmed before any view showed it on its way", async () => {
    // The view that showed it sending never came: the next one already has it settled.
    let saved: () => void = () => {};
    page.api.act.mockImplementationOnce(() => new Promise<void>((resolve) => (saved = resolve)));
    await openDetails();
    type("#note-text", "Paged the DBA");
    $("#add-note").click();
    await flush();
    page.emitView(pagerduty());
    page.api.incidentDetails.mockResolvedValue({ notes: [{ at: ago(0), author: "Pat Oncall", text: "Paged the DBA" }], log: [], alerts: [] });
    saved();
    await flush();
    expect(page.api.incidentDetails).toHaveBeenCalledTimes(2);
    expect($("#details-notes .text").textContent).toBe("Paged the DBA");
  });

  it("sends a note once however often Add note is pressed while it is saved", async () => {
    let saved: () => void = () => {};
    page.api.act.mockImplementationOnce(() => new Promise<void>((resolve) => (saved = resolve)));
    await openDetails();
    type("#note-text", "Paged the DBA");
    $("#add-note").click();
    page.emitView(pagerduty());
    $("#add-note").click();
    press("Enter", $("#note-text"));
    $("#note-text").dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", ctrlKey: true, bubbles: true }));
    saved();
    await flush();
    expect(page.api.act).toHaveBeenCalledTimes(1);
    expect($<HTMLButtonElement>("#add-note").disabled).toBe(false);
  });

  it("keeps an unsent note when the pane closes and opens again on the same incident", async () => {
    page.emitView(pagerduty({ incidents: [down(), item("P7")] }));
    row().querySelector<HTMLButtonElement>('button[data-action="details"]')!.click();
    type("#note-text", "half a thought");
    press("Escape", $("#note-text"));
    expect($("#details").hidden).toBe(true);
    row().querySelector<HTMLButtonElement>('button[data-action="details"]')!.click();
    expect($<HTMLTextAreaElement>("#note-text").value).toBe("half a thought");
    $('tr[data-key="work/P7"] button[data-action="details"]').click();
    expect($("#details-title").textContent).toBe("#7 Incident P7");
    expect($<HTMLTextAreaElement>("#note-text").value).toBe("");
    await flush();
  });

  it("adds a note with Ctrl+Enter", async () => {
    await openDetails();
    type("#note-text", "Paged the DBA");
    $("#note-text").dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", ctrlKey: true, bubbles: true }));
    await flush();
    expect(page.api.act).toHaveBeenCalledWith([KEY], { kind: "add_note", text: "Paged the DBA" });
  });

  it("sends no empty note, and says a refusal beside it", async () => {
    await openDetails();
    $("#add-note").click();
    expect(page.api.act).not.toHaveBeenCalled();
    expect($("#note-error").hidden).toBe(false);
    page.api.act.mockRejectedValueOnce("the tray app could not save the action: disk full");
    type("#note-text", "hi");
    $("#add-note").click();
    await flush();
    expect($("#details-result").textContent).toBe(
      "Could not add a note to #42 Checkout API is down: the tray app could not save the action: disk full",
    );
    expect($<HTMLTextAreaElement>("#note-text").value).toBe("hi");
  });
});

describe("reassign", () => {
  it("searches once typing pauses, for the kinds the account can take", async () => {
    page.api.findAssignees.mockResolvedValue([policy, alan, alice]);
    await openDetails();
    type("#reassign-query", "a");
    type("#reassign-query", "al");
    await vi.advanceTimersByTimeAsync(SEARCH_DELAY_MS - 1);
    expect(page.api.findAssignees).not.toHaveBeenCalled();
    type("#reassign-query", "ali");
    await vi.advanceTimersByTimeAsync(SEARCH_DELAY_MS);
    await flush();
    expect(page.api.findAssignees).toHaveBeenCalledTimes(1);
    expect(page.api.findAssignees).toHaveBeenCalledWith("work", "ali", ["user", "escalation_policy"]);
    expect(options("reassign")).toEqual(["user/PALICE", "user/PALAN", "escalation_policy/PEP1"]);
    expect($("#reassign-options li .kind").textContent).toBe("user");
    expect($("#reassign-options").getAttribute("role")).toBe("listbox");
    expect($("#reassign-query").getAttribute("aria-expanded")).toBe("true");
    expect($("#reassign-status").textContent).toBe("3 matches: arrow keys and Enter to choose.");
  });

  it("asks nothing for an empty field", async () => {
    page.api.findAssignees.mockResolvedValue([alice]);
    await openDetails();
    $("#reassign-query").focus();
    await search("reassign", "al");
    expect(options("reassign")).toEqual(["user/PALICE"]);
    await search("reassign", "  ");
    expect(page.api.findAssignees).toHaveBeenCalledTimes(1);
    expect($("#reassign-options").hidden).toBe(true);
    expect($("#reassign-query").getAttribute("aria-expanded")).toBe("false");
  });

  it("drops an answer to an older search", async () => {
    let first: (found: Assignee[]) => void = () => {};
    page.api.findAssignees.mockImplementationOnce(() => new Promise((resolve) => (first = resolve)));
    page.api.findAssignees.mockResolvedValueOnce([alan]);
    await openDetails();
    await search("reassign", "ali");
    await search("reassign", "alan");
    first([alice]);
    await flush();
    expect(options("reassign")).toEqual(["user/PALAN"]);
  });

  it("sends only from Confirm, exactly the assignee chosen with the keys", async () => {
    page.api.findAssignees.mockResolvedValue([alice, alan]);
    await openDetails();
    await search("reassign", "al");
    const input = $("#reassign-query");
    press("ArrowDown", input);
    press("ArrowDown", input);
    press("ArrowUp", input);
    expect(input.getAttribute("aria-activedescendant")).toBe("reassign-option-0");
    expect($("#reassign-option-0").getAttribute("aria-selected")).toBe("true");
    press("Enter", input);
    expect($("#confirm").hidden).toBe(false);
    expect($("#confirm-text").textContent).toBe(
      "Reassign #42 Checkout API is down to Alan Turing? It will no longer be assigned to you.",
    );
    // The Enter that chose cannot confirm too: focus is on the question.
    expect(document.activeElement).toBe($("#confirm"));
    press("Enter", $("#confirm"));
    expect(page.api.act).not.toHaveBeenCalled();

    $("#confirm-cancel").click();
    expect($("#confirm").hidden).toBe(true);
    expect(document.activeElement).toBe(input);
    expect(page.api.act).not.toHaveBeenCalled();

    ($("#reassign-options li[data-key='user/PALICE']") as HTMLElement).click();
    expect($("#confirm-text").textContent).toBe(
      "Reassign #42 Checkout API is down to Alice Example? It will no longer be assigned to you.",
    );
    $("#confirm-ok").click();
    await flush();
    expect(page.api.act).toHaveBeenCalledTimes(1);
    expect(page.api.act).toHaveBeenCalledWith([KEY], { kind: "reassign", to: alice });
    expect($<HTMLInputElement>("#reassign-query").value).toBe("");

    page.emitView(pagerduty({ incidents: [down({ sending: [{ kind: "reassign", to: alice }] })] }));
    expect(row().querySelector(".sending")?.textContent).toBe("reassigning to Alice Example…");
    expect($("#details-sending").textContent).toBe("reassigning to Alice Example…");
  });

  it("Escape closes the options, then the confirmation, then the pane", async () => {
    page.api.findAssignees.mockResolvedValue([alice]);
    await openDetails();
    await search("reassign", "al");
    press("Escape", $("#reassign-query"));
    expect($("#reassign-options").hidden).toBe(true);
    expect($("#details").hidden).toBe(false);
    await search("reassign", "ali");
    press("ArrowDown", $("#reassign-query"));
    press("Enter", $("#reassign-query"));
    press("Escape", $("#confirm"));
    expect($("#confirm").hidden).toBe(true);
    expect($("#details").hidden).toBe(false);
    // Cancelled, the choice stays open to choose again.
    expect($("#reassign-options").hidden).toBe(false);
    press("Escape", $("#reassign-query"));
    expect($("#details").hidden).toBe(false);
    press("Escape", $("#reassign-query"));
    expect($("#details").hidden).toBe(true);
    expect(page.api.act).not.toHaveBeenCalled();
  });

  it("sends nothing when the incident leaves the list while asking", async () => {
    page.api.findAssignees.mockResolvedValue([alice]);
    await openDetails();
    await search("reassign", "al");
    press("ArrowDown", $("#reassign-query"));
    press("Enter", $("#reassign-query"));
    page.emitView(pagerduty({ incidents: [] }));
    expect($("#confirm").hidden).toBe(true);
    expect($("#details-gone").hidden).toBe(false);
    expect($("#details-result").textContent).toBe("The incident is no longer open; nothing was sent.");
    expect(page.api.act).not.toHaveBeenCalled();
  });
});

describe("escalate, responders and urgency", () => {
  it("escalates a PagerDuty incident to the next level after Confirm", async () => {
    await openDetails();
    expect($("#escalate-choose").hidden).toBe(true);
    $("#escalate-next").click();
    expect($("#confirm-text").textContent).toBe(
      "Escalate #42 Checkout API is down to the next level of its escalation policy? Whoever is on call there will be paged. It will no longer be assigned to you.",
    );
    expect(page.api.act).not.toHaveBeenCalled();
    $("#confirm-ok").click();
    await flush();
    expect(page.api.act).toHaveBeenCalledWith([KEY], { kind: "escalate", to: null });
  });

  it("escalates an Opsgenie alert with a chosen escalation", async () => {
    const platform: Assignee = { kind: "escalation", id: "E1", name: "Platform escalation" };
    page.api.findAssignees.mockResolvedValue([platform, alice]);
    await openDetails(pagerduty({}, OPSGENIE));
    expect($("#escalate-next-field").hidden).toBe(true);
    expect($("#responders-section").hidden).toBe(true);
    expect($("#urgency-section").hidden).toBe(true);
    // An account's escalations are few: focusing the field lists them.
    $("#escalate-query").focus();
    await flush();
    expect(page.api.findAssignees).toHaveBeenCalledWith("work", "", ["escalation"]);
    await search("escalate", "plat");
    expect(page.api.findAssignees).toHaveBeenCalledWith("work", "plat", ["escalation"]);
    expect(options("escalate")).toEqual(["escalation/E1"]);
    press("ArrowDown", $("#escalate-query"));
    press("Enter", $("#escalate-query"));
    $("#confirm-ok").click();
    await flush();
    expect(page.api.act).toHaveBeenCalledWith([KEY], { kind: "escalate", to: platform });
  });

  it("reassigns an Opsgenie alert to users or teams", async () => {
    await openDetails(pagerduty({}, OPSGENIE));
    await search("reassign", "pl");
    expect(page.api.findAssignees).toHaveBeenCalledWith("work", "pl", ["user", "team"]);
    expect($("label[for=reassign-query]").textContent).toBe("Find a user or team");
  });

  it("asks several responders with a message, after Confirm", async () => {
    page.api.findAssignees.mockResolvedValue([alice, alan, policy]);
    await openDetails();
    await search("responders", "a");
    ($("#responders-options li[data-key='user/PALICE']") as HTMLElement).click();
    expect(options("responders")).toEqual(["user/PALAN", "escalation_policy/PEP1"]);
    ($("#responders-options li[data-key='escalation_policy/PEP1']") as HTMLElement).click();
    expect([...document.querySelectorAll("#responders-chosen li")].map((li) => li.getAttribute("data-key"))).toEqual([
      "user/PALICE",
      "escalation_policy/PEP1",
    ]);
    $("#add-responders").click();
    expect($("#responders-error").hidden).toBe(false);
    expect($("#confirm").hidden).toBe(true);
    type("#responders-message", "Join the bridge");
    $("#add-responders").click();
    expect($("#confirm-text").textContent).toBe(
      "Ask Alice Example and the escalation policy Alerting policy to respond to #42 Checkout API is down? They will be paged with your message: “Join the bridge”",
    );
    $("#confirm-ok").click();
    await flush();
    expect(page.api.act).toHaveBeenCalledWith([KEY], {
      kind: "add_responders",
      responders: [alice, policy],
      message: "Join the bridge",
    });
    expect(document.querySelectorAll("#responders-chosen li")).toHaveLength(0);
  });

  it("changes the urgency after Confirm", async () => {
    await openDetails();
    expect($("#set-urgency").textContent).toBe("Change to low urgency");
    $("#set-urgency").click();
    expect($("#confirm-text").textContent).toBe("Change the urgency of #42 Checkout API is down from high to low?");
    $("#confirm-ok").click();
    await flush();
    expect(page.api.act).toHaveBeenCalledWith([KEY], { kind: "set_urgency", urgency: "low" });
  });
});

describe("muting and quiet incidents", () => {
  it("mutes the incident's service for the hours chosen", async () => {
    await openDetails();
    expect([...document.querySelectorAll("#mute-buttons button")].map((b) => b.textContent)).toEqual([
      "1 h",
      "2 h",
      "4 h",
      "8 h",
      "24 h",
    ]);
    expect($("#unmute").hidden).toBe(true);
    $('#mute-buttons button[data-mute-hours="4"]').click();
    await flush();
    expect(page.api.muteService).toHaveBeenCalledWith("work", "Checkout", 240);
  });

  it("keeps a muted incident's row, marked, and unmutes from the row and the pane", async () => {
    const until = ahead(120);
    const muted = pagerduty({
      mutes: [{ account: "work", service: "Checkout", until }],
      incidents: [down({ quiet: { reason: "muted", until } })],
    });
    page.emitView(muted);
    expect(row().dataset.quiet).toBe("muted");
    expect(row().querySelector(".quiet-marker")?.textContent).toBe(`muted until ${when(until, Date.now())}`);
    row().querySelector<HTMLButtonElement>('button[data-action="unmute"]')!.click();
    await flush();
    expect(page.api.unmuteService).toHaveBeenCalledWith("work", "Checkout");

    await openDetails(muted);
    expect($("#unmute").hidden).toBe(false);
    expect($("#mute-state").textContent).toContain("Checkout is muted until");
    $("#unmute").click();
    await flush();
    expect(page.api.unmuteService).toHaveBeenCalledTimes(2);
  });

  it("marks an incident a rule keeps quiet, with no Unmute", () => {
    page.emitView(pagerduty({ incidents: [down({ quiet: { reason: "rule", rule: 'title matches "staging"' } })] }));
    expect(row().querySelector(".quiet-marker")?.textContent).toBe('quiet by a rule: title matches "staging"');
    expect(row().querySelector('button[data-action="unmute"]')).toBeNull();
  });
});

// The incident window: renders the engine's view, follows its updates and asks the tray
// to act. The webview never polls a service, never sees a token and never opens a URL;
// it only hears "view" and "action_failed" events and calls the `act` and
// `open_incident` commands, which the tray app performs.
"use strict";

const { invoke } = window.__TAURI__.core;
const { listen } = window.__TAURI__.event;

// ---- Words --------------------------------------------------------------------------

function age(iso) {
  const minutes = Math.max(0, Math.floor((Date.now() - Date.parse(iso)) / 60000));
  if (minutes < 1) return "just now";
  if (minutes < 60) return `${minutes} min`;
  if (minutes < 48 * 60) return `${Math.floor(minutes / 60)} h`;
  return `${Math.floor(minutes / 1440)} d`;
}

// "12 s", "3 min", "2 h": how far `iso` is from now, either way.
function distance(iso) {
  const seconds = Math.round(Math.abs(Date.now() - Date.parse(iso)) / 1000);
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min`;
  return `${Math.floor(seconds / 3600)} h`;
}

function inTime(iso) {
  return Date.parse(iso) <= Date.now() ? "now" : `in ${distance(iso)}`;
}

const PROGRESS = {
  acknowledge: "acknowledging",
  resolve: "resolving",
  snooze: "snoozing",
  unacknowledge: "un-acknowledging",
};

function connectionWords(account) {
  const c = account.connection;
  switch (c.state) {
    case "connecting": return "connecting…";
    case "ok": return "connected";
    case "offline": return `offline, retrying ${inTime(c.retry_at)} (${c.reason})`;
    case "auth_failed": return `token rejected — run \`oncall-tray token set ${account.account}\``;
    case "rate_limited": return `rate limited by the service, trying again ${inTime(c.retry_at)}`;
    case "misconfigured": return c.reason;
    default: return c.state.replace("_", " ");
  }
}

function accountLine(account) {
  const parts = [`${account.account}: ${connectionWords(account)}`];
  parts.push(account.last_success ? `last successful poll ${distance(account.last_success)} ago` : "not polled yet");
  if (account.next_poll && account.connection.state !== "auth_failed") parts.push(`next poll ${inTime(account.next_poll)}`);
  return parts.join(" · ");
}

function incidentName(incident) {
  return incident.number != null ? `#${incident.number} ${incident.title}` : incident.title;
}

// ---- State --------------------------------------------------------------------------

let lastView = null;
let currentKey = null; // the row j/k moved to
const signatures = new WeakMap(); // row → what it was built from
const selected = new Set();

const keyOf = (incident) => `${incident.key.account}/${incident.key.id}`;

function capabilitiesOf(view, account) {
  const found = view.accounts.find((a) => a.account === account);
  return found ? found.capabilities : { resolve: true, snooze: true, unacknowledge: false };
}

// The actions a row offers: by the account's capabilities and the incident's status.
function actionsFor(item, can) {
  const { incident, pending } = item;
  const idle = !pending;
  const acknowledged = incident.status === "acknowledged";
  const name = incidentName(incident);
  const actions = [];
  const add = (id, text, label, kind) => actions.push({ id, text, label: `${label} ${name}`, kind, enabled: idle });
  if (incident.status === "triggered") add("ack", "Acknowledge", "Acknowledge", { kind: "acknowledge" });
  if (can.unacknowledge && acknowledged) add("unack", "Unacknowledge", "Unacknowledge", { kind: "unacknowledge" });
  if (can.resolve) add("resolve", "Resolve", "Resolve", { kind: "resolve" });
  if (can.snooze && acknowledged) {
    add("snooze900", "Snooze 15 min", "Snooze for 15 minutes:", { kind: "snooze", seconds: 900 });
    add("snooze3600", "1 h", "Snooze for 1 hour:", { kind: "snooze", seconds: 3600 });
    add("snooze14400", "4 h", "Snooze for 4 hours:", { kind: "snooze", seconds: 14400 });
  }
  if (incident.web_url) actions.push({ id: "open", text: "Open", label: `Open ${name} in the browser`, open: true, enabled: true });
  return actions;
}

// ---- Talking to the tray ------------------------------------------------------------

function showMessage(text) {
  const message = document.getElementById("message");
  message.replaceChildren(document.createTextNode(text), " ");
  const dismiss = document.createElement("button");
  dismiss.type = "button";
  dismiss.textContent = "Dismiss";
  dismiss.setAttribute("aria-label", "Dismiss this message");
  dismiss.addEventListener("click", () => { message.hidden = true; });
  message.append(dismiss);
  message.hidden = false;
}

async function act(keys, kind) {
  if (keys.length === 0) return;
  try {
    await invoke("act", { incidents: keys, kind });
  } catch (e) {
    showMessage(`Could not ${kind.kind}: ${e}`);
  }
}

async function openIncident(key) {
  try {
    await invoke("open_incident", { incident: key });
  } catch (e) {
    showMessage(`Could not open the incident: ${e}`);
  }
}

// ---- Rendering ----------------------------------------------------------------------

function cell(text, className) {
  const td = document.createElement("td");
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

function buildRow(item, can, several) {
  const { incident, pending, pending_error: pendingError } = item;
  const key = keyOf(incident);
  const tr = document.createElement("tr");
  tr.dataset.key = key;
  tr.dataset.status = incident.status;
  tr.dataset.pending = pending ? pending.kind : "";
  tr.tabIndex = -1;
  tr.setAttribute("aria-label", `${incidentName(incident)}, ${incident.status}`);

  const pick = document.createElement("input");
  pick.type = "checkbox";
  pick.className = "pick";
  pick.dataset.focus = `${key}|pick`;
  pick.checked = selected.has(key);
  pick.setAttribute("aria-label", `Select ${incidentName(incident)}`);
  pick.addEventListener("change", () => {
    if (pick.checked) selected.add(key); else selected.delete(key);
    updateSelection();
  });
  const pickCell = document.createElement("td");
  pickCell.append(pick);
  tr.append(pickCell);

  if (several) tr.append(cell(incident.key.account, "account"));
  tr.append(cell(incident.urgency, incident.urgency), cell(incident.number ?? ""), cell(incident.title), cell(incident.service ?? ""));

  const status = document.createElement("td");
  const statusText = document.createElement("span");
  statusText.className = "status-text";
  statusText.textContent = pending ? `${PROGRESS[pending.kind] ?? pending.kind}…` : incident.status;
  status.append(statusText);
  if (pending && pendingError) {
    const error = document.createElement("div");
    error.className = "pending-error";
    error.textContent = `retrying: ${pendingError}`;
    status.append(error);
  }
  tr.append(status);

  const ageCell = cell(age(incident.created_at), "age");
  ageCell.dataset.since = incident.created_at;
  tr.append(ageCell);

  const actions = document.createElement("td");
  actions.className = "actions";
  for (const action of actionsFor(item, can)) {
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = action.text;
    button.dataset.action = action.id;
    button.dataset.focus = `${key}|${action.id}`;
    button.setAttribute("aria-label", action.label);
    button.disabled = !action.enabled;
    button.addEventListener("click", () => {
      currentKey = key;
      if (action.open) openIncident(incident.key);
      else act([incident.key], action.kind);
    });
    actions.append(button);
  }
  tr.append(actions);
  return tr;
}

// With several accounts: an account column, and a filter to show one of them.
function accountChoices(view) {
  const several = view.accounts.length > 1;
  document.getElementById("filters").hidden = !several;
  for (const th of document.querySelectorAll(".account-col")) th.hidden = !several;
  const select = document.getElementById("account-filter");
  const names = view.accounts.map((a) => a.account);
  const current = [...select.options].slice(1).map((o) => o.value);
  if (names.join("\n") !== current.join("\n")) {
    const chosen = select.value;
    select.replaceChildren(select.options[0], ...names.map((name) => new Option(name, name)));
    select.value = names.includes(chosen) ? chosen : "";
  }
  return several;
}

function matchesFilter(incident, query) {
  if (!query) return true;
  const q = query.toLowerCase().replace(/^#/, "");
  return (
    incident.title.toLowerCase().includes(q) ||
    (incident.service ?? "").toLowerCase().includes(q) ||
    (incident.number != null && String(incident.number).startsWith(q))
  );
}

function shownRows() {
  return [...document.querySelectorAll("#incidents tbody tr")];
}

function render(view) {
  lastView = view;
  const several = accountChoices(view);
  const only = document.getElementById("account-filter").value;
  const query = document.getElementById("filter").value.trim();
  const body = document.querySelector("#incidents tbody");
  const shown = view.incidents.filter(
    ({ incident }) => (!only || incident.key.account === only) && matchesFilter(incident, query),
  );

  // Forget selections of incidents that are gone.
  const open = new Set(view.incidents.map((i) => keyOf(i.incident)));
  for (const key of selected) if (!open.has(key)) selected.delete(key);

  // Rows whose incident did not change are kept, so focus and hover survive updates.
  const focused = document.activeElement && body.contains(document.activeElement) ? document.activeElement : null;
  const focusId = focused ? (focused.dataset.focus ?? `${focused.dataset.key}|row`) : null;
  const existing = new Map(shownRows().map((tr) => [tr.dataset.key, tr]));
  const rows = shown.map((item) => {
    const can = capabilitiesOf(view, item.incident.key.account);
    const signature = JSON.stringify([item, can, several]);
    const old = existing.get(keyOf(item.incident));
    if (old && signatures.get(old) === signature) return old;
    const tr = buildRow(item, can, several);
    signatures.set(tr, signature);
    return tr;
  });
  body.replaceChildren(...rows);
  for (const tr of rows) tr.querySelector(".pick").checked = selected.has(tr.dataset.key);
  if (focusId) {
    const [key, what] = focusId.split("|");
    const row = rows.find((tr) => tr.dataset.key === key);
    const target = row && (what === "row" ? row : row.querySelector(`[data-focus="${CSS.escape(focusId)}"]`));
    (target ?? row)?.focus();
  }
  if (!rows.some((tr) => tr.dataset.key === currentKey)) currentKey = null;
  markCurrent();
  updateSelection();

  document.getElementById("empty").hidden = shown.length > 0;
  const triggered = view.incidents.filter((i) => i.incident.status === "triggered").length;
  const acknowledged = view.incidents.filter((i) => i.incident.status === "acknowledged").length;
  document.getElementById("state").textContent =
    triggered + acknowledged === 0 ? "All clear" : `${triggered} triggered · ${acknowledged} acknowledged`;
  renderAccounts();
  document.getElementById("oncall").textContent = onCallLine(view, Date.now());
}

// "You are on call for Checkout on-call (Primary) until 18:00 · next: Payments from Fri 09:00"
function onCallLine(view, now) {
  const shifts = view.accounts.flatMap((a) => a.on_call);
  const name = (s) =>
    [s.escalation_policy, s.schedule && `(${s.schedule})`].filter(Boolean).join(" ") || "a rotation";
  const when = (iso) => {
    const t = new Date(iso);
    const sameDay = t.toDateString() === new Date(now).toDateString();
    const hm = t.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    return sameDay ? hm : `${t.toLocaleDateString([], { weekday: "short" })} ${hm}`;
  };
  const current = shifts.filter(
    (s) => (!s.start || Date.parse(s.start) <= now) && (!s.end || Date.parse(s.end) > now),
  );
  const next = shifts
    .filter((s) => s.start && Date.parse(s.start) > now)
    .sort((a, b) => Date.parse(a.start) - Date.parse(b.start))[0];
  const parts = [];
  if (current.length > 0) {
    const ending = current.filter((s) => s.end).sort((a, b) => Date.parse(b.end) - Date.parse(a.end))[0];
    const names = [...new Set(current.map(name))].join(", ");
    parts.push(
      current.some((s) => !s.end) || !ending
        ? `You are on call for ${names}`
        : `You are on call for ${names} until ${when(ending.end)}`,
    );
  }
  if (next) parts.push(`next shift: ${name(next)} from ${when(next.start)}`);
  return parts.join(" · ");
}

function renderAccounts() {
  if (!lastView) return;
  document.getElementById("accounts").replaceChildren(
    ...lastView.accounts.map((account) => {
      const li = document.createElement("li");
      li.dataset.account = account.account;
      li.className = account.connection.state === "ok" || account.connection.state === "connecting" ? "" : "trouble";
      li.textContent = accountLine(account);
      return li;
    }),
  );
}

// Ages and "12 s ago" move with the clock, not with the view.
function tick() {
  for (const td of document.querySelectorAll("#incidents td.age")) td.textContent = age(td.dataset.since);
  renderAccounts();
}

function markCurrent() {
  for (const tr of shownRows()) tr.classList.toggle("current", tr.dataset.key === currentKey);
}

function incidentOf(key) {
  return lastView?.incidents.find((i) => keyOf(i.incident) === key) ?? null;
}

// Selected incidents (shown ones only) that can be acknowledged now.
function selectedToAcknowledge() {
  return shownRows()
    .filter((tr) => selected.has(tr.dataset.key) && tr.dataset.status === "triggered" && !tr.dataset.pending)
    .map((tr) => incidentOf(tr.dataset.key)?.incident.key)
    .filter(Boolean);
}

function updateSelection() {
  const rows = shownRows();
  document.getElementById("ack-selected").disabled = selectedToAcknowledge().length === 0;
  const all = document.getElementById("select-all");
  const picked = rows.filter((tr) => selected.has(tr.dataset.key)).length;
  all.checked = rows.length > 0 && picked === rows.length;
  all.indeterminate = picked > 0 && picked < rows.length;
}

// ---- Keyboard -----------------------------------------------------------------------

function move(step) {
  const rows = shownRows();
  if (rows.length === 0) return;
  const at = rows.findIndex((tr) => tr.dataset.key === currentKey);
  const next = at < 0 ? (step > 0 ? 0 : rows.length - 1) : Math.min(rows.length - 1, Math.max(0, at + step));
  currentKey = rows[next].dataset.key;
  markCurrent();
  rows[next].focus();
}

// Performs the row button `id` on the current row, if that row offers it right now.
function pressOnCurrent(id) {
  const row = shownRows().find((tr) => tr.dataset.key === currentKey);
  const button = row?.querySelector(`button[data-action="${id}"]`);
  if (button && !button.disabled) button.click();
}

document.addEventListener("keydown", (event) => {
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  const target = event.target;
  if (target instanceof HTMLInputElement && target.type !== "checkbox" || target instanceof HTMLSelectElement || target instanceof HTMLTextAreaElement) {
    if (event.key === "Escape" && target.id === "filter") {
      target.blur();
      move(0);
    }
    return;
  }
  const keys = {
    j: () => move(1),
    k: () => move(-1),
    a: () => pressOnCurrent("ack"),
    r: () => pressOnCurrent("resolve"),
    s: () => pressOnCurrent("snooze3600"),
    o: () => pressOnCurrent("open"),
    x: () => {
      if (!currentKey) return;
      if (selected.has(currentKey)) selected.delete(currentKey); else selected.add(currentKey);
      const pick = shownRows().find((tr) => tr.dataset.key === currentKey)?.querySelector(".pick");
      if (pick) pick.checked = selected.has(currentKey);
      updateSelection();
    },
    "/": () => document.getElementById("filter").focus(),
  };
  const action = keys[event.key];
  if (action) {
    event.preventDefault();
    action();
  }
});

// ---- Wiring -------------------------------------------------------------------------

const rerender = () => lastView && render(lastView);
document.getElementById("account-filter").addEventListener("change", rerender);
document.getElementById("filter").addEventListener("input", rerender);
document.getElementById("select-all").addEventListener("change", (event) => {
  for (const tr of shownRows()) {
    if (event.target.checked) selected.add(tr.dataset.key); else selected.delete(tr.dataset.key);
    tr.querySelector(".pick").checked = event.target.checked;
  }
  updateSelection();
});
document.getElementById("ack-selected").addEventListener("click", () => {
  const keys = selectedToAcknowledge();
  selected.clear();
  act(keys, { kind: "acknowledge" });
  rerender();
});
listen("view", (event) => render(event.payload));
listen("action_failed", (event) => {
  const { incidents, reason } = event.payload;
  const names = incidents.map((key) => {
    const item = incidentOf(`${key.account}/${key.id}`);
    return item ? incidentName(item.incident) : key.id;
  });
  showMessage(`${names.join(", ")}: ${reason}`);
});
invoke("get_view").then((view) => view && render(view));
setInterval(tick, 1000);

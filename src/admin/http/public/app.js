// doorward admin page: plain JS, no build step, no external requests. Every value from the
// server is inserted as text, never as HTML.
const $ = (id) => document.getElementById(id);
let csrf = "";
let people = new Map(); // user_code -> name, to show names beside codes in the log
let events = null;

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v);
  }
  for (const c of children)
    e.append(c instanceof Node ? c : document.createTextNode(c == null ? "" : String(c)));
  return e;
}

async function api(method, path, body) {
  const headers = {};
  if (method !== "GET") headers["x-csrf-token"] = csrf;
  if (body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: "same-origin",
  });
  const data = res.headers.get("content-type")?.includes("json") ? await res.json() : null;
  if (res.status === 401 && path !== "/api/login") showLogin();
  if (!res.ok)
    throw Object.assign(new Error(data?.error || res.statusText), {
      field: data?.field,
      status: res.status,
    });
  return data;
}

function showError(id, err, form) {
  $(id).textContent = err ? err.message : "";
  if (form) for (const input of form.querySelectorAll("input,select")) input.removeAttribute("aria-invalid");
  if (err?.field && form?.elements[err.field]) {
    form.elements[err.field].setAttribute("aria-invalid", "true");
    form.elements[err.field].focus();
  }
}

const fmtTime = (iso) => new Date(iso).toLocaleString();
const who = (code) => (code ? (people.has(code) ? `${people.get(code)} (${code})` : code) : "");
function describe(ev) {
  const by = ev.detail?.by ? ` by ${ev.detail.by}` : "";
  return `${ev.reason.replace(/_/g, " ")}${ev.credential ? ` via ${ev.credential}` : ""}${by}`;
}

// ---- views ----
const VIEWS = ["status", "people", "schedules", "log"];
function route() {
  if (!csrf) return showLogin();
  const view = VIEWS.includes(location.hash.slice(1)) ? location.hash.slice(1) : "status";
  $("login-view").hidden = true;
  $("nav").hidden = false;
  for (const v of VIEWS) $(v).hidden = v !== view;
  for (const a of $("nav").querySelectorAll("a")) {
    if (a.getAttribute("href") === `#${view}`) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
  if (view === "people") loadPeople();
  if (view === "log") loadLog();
  if (view === "schedules") loadSchedules();
}

function showLogin() {
  csrf = "";
  if (events) events.close();
  events = null;
  for (const v of VIEWS) $(v).hidden = true;
  $("nav").hidden = true;
  $("login-view").hidden = false;
  $("login-name").focus();
}

async function start() {
  try {
    const s = await api("GET", "/api/session");
    csrf = s.csrf_token;
    $("me").textContent = `(${s.name})`;
  } catch {
    return showLogin();
  }
  await loadStatus();
  await loadPeople();
  openFeed();
  route();
}

$("login-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const f = e.target;
  try {
    await api("POST", "/api/login", { name: f.elements.name.value.trim(), password: f.password.value });
    f.password.value = "";
    showError("login-error", null, f);
    await start();
  } catch (err) {
    showError("login-error", err, f);
  }
});
$("logout").addEventListener("click", async () => {
  await api("POST", "/api/logout").catch(() => {});
  showLogin();
});
window.addEventListener("hashchange", route);

// ---- status, controls, live feed ----
let mode = "normal";
const MODE_TEXT = { normal: "normal", lockdown: "LOCKDOWN", emergency_unlock: "EMERGENCY UNLOCK" };
function renderStatus(s) {
  renderDoor(s.door);
  mode = s.mode.mode;
  $("st-mode").textContent =
    MODE_TEXT[mode] + (mode === "normal" ? "" : ` since ${fmtTime(s.mode.since)} by ${s.mode.by}`);
  $("st-mode").className = mode === "normal" ? "ok" : "bad";
  const devices = Object.entries(s.health);
  $("st-health").replaceChildren(
    ...devices.map(([name, d]) =>
      el(
        "span",
        { class: `dev ${d.state === "ok" ? "ok" : "bad"}` },
        `${name}: ${d.state}${d.detail ? ` (${d.detail})` : ""}`,
      ),
    ),
  );
  if (!devices.length) $("st-health").textContent = "none reported";
  $("lockdown").textContent = mode === "lockdown" ? "End lockdown…" : "Lockdown on…";
  $("emergency").textContent = mode === "emergency_unlock" ? "End emergency unlock…" : "Emergency unlock on…";
  $("lockdown").disabled = mode === "emergency_unlock";
  $("emergency").disabled = mode === "lockdown";
}
function renderDoor(door) {
  $("st-lock").textContent = door.lock;
  $("st-lock").className = door.lock === "locked" ? "ok" : "bad";
  $("st-door").textContent = door.door;
  $("st-phase").textContent = door.phase.replace(/_/g, " ") + (door.fault ? `: ${door.fault}` : "");
  $("st-phase").className = ["forced", "fault", "held_open"].includes(door.phase) ? "bad" : "";
}

async function loadStatus() {
  const s = await api("GET", "/api/status");
  $("door-id").textContent = s.door_id;
  renderStatus(s);
  const k = s.keypad_lockout;
  $("st-keypad").textContent = k.locked_out
    ? `locked out until ${fmtTime(k.until)}`
    : `${k.failures} recent failures`;
}

function addFeed(ev) {
  const li = el(
    "li",
    {},
    el("time", { datetime: ev.ts }, new Date(ev.ts).toLocaleTimeString()),
    " ",
    describe(ev),
    " ",
    el("strong", { class: ev.outcome === "denied" ? "bad" : "ok" }, ev.outcome || ""),
    " ",
    who(ev.user_code),
  );
  li.dataset.reason = ev.reason;
  const feed = $("feed");
  feed.prepend(li);
  while (feed.children.length > 100) feed.lastChild.remove();
}

function openFeed() {
  if (events) events.close();
  events = new EventSource("/api/events");
  events.addEventListener("status", (m) => renderStatus(JSON.parse(m.data)));
  events.addEventListener("audit", (m) => {
    const ev = JSON.parse(m.data);
    addFeed(ev);
    if (ev.kind === "access" || ev.reason.startsWith("lockout")) loadStatus().catch(() => {});
    if (/^(fingerprint|badge|user|pin)_/.test(ev.reason) && !$("people").hidden) loadPeople().catch(() => {});
  });
}

function confirmAction(text) {
  return new Promise((resolve) => {
    const d = $("confirm");
    $("confirm-text").textContent = text;
    d.addEventListener("close", () => resolve(d.returnValue === "ok"), { once: true });
    d.returnValue = "";
    d.showModal();
  });
}

$("unlock").addEventListener("click", async () => {
  if (!(await confirmAction("Unlock the door once? This is logged under your name."))) return;
  try {
    await api("POST", "/api/door/unlock", { confirm: true });
  } catch (err) {
    alert(err.message);
  }
});
$("lock").addEventListener("click", async () => {
  if (!(await confirmAction("Lock the door now?"))) return;
  await api("POST", "/api/door/lock", { confirm: true }).catch((err) => alert(err.message));
});
async function verifyLog() {
  const r = await api("GET", "/api/log/verify");
  const text = r.ok
    ? `intact (${r.checked} rows) `
    : `TAMPERED at row ${r.firstBad.seq}: ${r.firstBad.problem} `;
  $("st-verify").firstChild.textContent = text;
  $("log-verify").textContent = text;
  for (const id of ["st-verify", "log-verify"]) $(id).className = r.ok ? "ok" : "bad";
}
$("verify").addEventListener("click", verifyLog);
$("verify-log").addEventListener("click", verifyLog);
// Lockdown and emergency unlock: the same persisted mode as `doorward door lockdown|emergency`.
for (const [id, m, what] of [
  ["lockdown", "lockdown", "Lockdown: only override holders get in"],
  ["emergency", "emergency_unlock", "Emergency unlock: the door stays unlocked until you end it"],
]) {
  $(id).addEventListener("click", async () => {
    const on = mode !== m;
    if (!(await confirmAction(on ? `${what}. Switch it on?` : `End ${m.replace("_", " ")}?`))) return;
    try {
      renderStatus(await api("POST", `/api/door/${id}`, { on, confirm: true }));
    } catch (err) {
      alert(err.message);
    }
  });
}

// ---- people ----
async function loadPeople() {
  const { users } = await api("GET", "/api/users");
  people = new Map(users.map((u) => [u.user_code, u.name]));
  const rows = $("people-rows");
  rows.replaceChildren(
    ...users.map((u) => {
      const act = (label, fn) =>
        el(
          "button",
          { type: "button", class: "alt", "aria-label": `${label} ${u.name}`, onclick: fn },
          label,
        );
      return el(
        "tr",
        {},
        el("td", { "data-h": "Name" }, u.name),
        el("td", { "data-h": "Code" }, u.user_code),
        el("td", { "data-h": "Credentials" }, u.credentials.join(", ") || "none"),
        el(
          "td",
          { "data-h": "Status", class: u.enabled ? "ok" : "bad" },
          u.enabled ? "enabled" : "disabled",
          u.valid_until ? ` until ${u.valid_until.slice(0, 10)}` : "",
        ),
        el(
          "td",
          { "data-h": "Access" },
          u.role === "user" ? "" : `${u.role}; `,
          u.schedules.length ? u.schedules.join(", ") : "any time",
          u.agreement_until ? `; agreement until ${u.agreement_until.slice(0, 10)}` : "",
        ),
        el(
          "td",
          {},
          act("Edit", () => editPerson(u)),
          act("Set PIN", () => setPin(u)),
          act("Duress PIN", () => setDuressPin(u)), // app-tools.js
          act("Badge", () => editBadge(u)),
          act("Enrol finger", () => enrolFinger(u)),
          act(u.enabled ? "Disable" : "Enable", () =>
            change("POST", `/api/users/${u.user_code}/${u.enabled ? "disable" : "enable"}`),
          ),
          act("Remove", async () => {
            if (await confirmAction(`Remove ${u.name}? Their log entries stay under ${u.user_code}.`))
              change("DELETE", `/api/users/${u.user_code}`);
          }),
        ),
      );
    }),
  );
}
async function change(method, path, body) {
  try {
    await api(method, path, body);
  } catch (err) {
    alert(err.message);
  }
  await loadPeople();
}
$("add-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const f = e.target;
  const body = { name: f.elements.name.value.trim() };
  if (f.pin.value) body.pin = f.pin.value;
  if (f.valid_until.value) body.valid_until = f.valid_until.value;
  try {
    await api("POST", "/api/users", body);
    f.reset();
    showError("add-error", null, f);
    await loadPeople();
  } catch (err) {
    showError("add-error", err, f);
  }
});
function setPin(u) {
  const d = $("pin-dialog");
  $("pin-who").textContent = u.name;
  $("pin-new").value = "";
  $("pin-error").textContent = "";
  d.returnValue = "";
  d.showModal();
  $("pin-form").onsubmit = async (e) => {
    if (e.submitter && e.submitter.value !== "ok") return;
    e.preventDefault();
    try {
      await api("PUT", `/api/users/${u.user_code}/pin`, { pin: $("pin-new").value });
      d.close();
      await loadPeople();
    } catch (err) {
      $("pin-error").textContent = err.message;
    }
  };
}

// A dialog whose OK runs `save`; an error stays in the dialog, naming the field.
function formDialog(dialogId, formId, errorId, save) {
  const d = $(dialogId);
  $(errorId).textContent = "";
  d.returnValue = "";
  d.showModal();
  $(formId).onsubmit = async (e) => {
    const action = e.submitter?.value;
    if (action === "cancel") return;
    e.preventDefault();
    try {
      await save(action);
      d.close();
      await loadPeople();
    } catch (err) {
      showError(errorId, err, $(formId));
    }
  };
}
const day = (iso) => (iso ? iso.slice(0, 10) : "");
async function editPerson(u) {
  const f = $("edit-form");
  $("edit-who").textContent = u.name;
  f.valid_from.value = day(u.valid_from);
  f.valid_until.value = day(u.valid_until);
  f.agreement_until.value = day(u.agreement_until);
  f.role.value = u.role;
  const { schedules } = await api("GET", "/api/schedules");
  $("edit-schedules").replaceChildren(
    el("legend", {}, "Schedules (none: any time)"),
    ...schedules.map((s) => {
      const box = el("input", { type: "checkbox", value: s.name, id: `sch-${s.name}` });
      box.checked = u.schedules.includes(s.name);
      return el(
        "label",
        { for: `sch-${s.name}`, class: "check" },
        box,
        ` ${s.name} (${s.windows.join(", ")})`,
      );
    }),
  );
  formDialog("edit-dialog", "edit-form", "edit-error", () =>
    api("PUT", `/api/users/${u.user_code}/policy`, {
      valid_from: f.valid_from.value || null,
      valid_until: f.valid_until.value || null,
      agreement_until: f.agreement_until.value || null,
      role: f.role.value,
      schedules: [...$("edit-schedules").querySelectorAll("input:checked")].map((b) => b.value),
    }),
  );
}
function editBadge(u) {
  $("badge-who").textContent = u.name;
  $("badge-number").value = "";
  $("badge-remove").hidden = !u.credentials.includes("badge");
  formDialog("badge-dialog", "badge-form", "badge-error", (action) =>
    action === "remove"
      ? api("DELETE", `/api/users/${u.user_code}/badge`)
      : api("POST", `/api/users/${u.user_code}/badge`, { number: $("badge-number").value.trim() }),
  );
}
// Enrolment runs on the controller (it owns the sensor); the page shows each prompt as it asks.
async function enrolFinger(u) {
  const d = $("enrol-dialog");
  $("enrol-who").textContent = u.name;
  $("enrol-prompts").replaceChildren();
  $("enrol-state").textContent = "Asking the controller…";
  $("enrol-state").className = "";
  d.showModal();
  let r;
  try {
    r = await api("POST", `/api/users/${u.user_code}/fingerprint`, {});
  } catch (err) {
    $("enrol-state").textContent = err.message;
    $("enrol-state").className = "bad";
    return;
  }
  while (d.open) {
    $("enrol-prompts").replaceChildren(
      ...r.prompt_text.map((t, i) => el("li", { "data-prompt": r.prompts[i] }, t)),
    );
    if (r.state === "done" || r.state === "failed") break;
    $("enrol-state").textContent = r.state === "requested" ? "Waiting for the sensor…" : "";
    await new Promise((ok) => setTimeout(ok, 300));
    r = await api("GET", `/api/sensor-requests/${r.id}`);
  }
  $("enrol-state").textContent =
    r.state === "done"
      ? `Enrolled in sensor slot ${r.slot}.`
      : r.state === "failed"
        ? `Failed: ${r.error}`
        : "";
  $("enrol-state").className = r.state === "done" ? "ok" : "bad";
  await loadPeople();
}

// ---- schedules and holidays ----
async function loadSchedules() {
  const [{ schedules }, { holidays }] = await Promise.all([
    api("GET", "/api/schedules"),
    api("GET", "/api/holidays"),
  ]);
  const remove = (label, path) =>
    el(
      "button",
      {
        type: "button",
        class: "alt",
        "aria-label": `Remove ${label}`,
        onclick: async () => {
          if (!(await confirmAction(`Remove ${label}?`))) return;
          await api("DELETE", path).catch((err) => alert(err.message));
          loadSchedules();
        },
      },
      "Remove",
    );
  $("sched-rows").replaceChildren(
    ...schedules.map((s) =>
      el(
        "tr",
        {},
        el("td", { "data-h": "Name" }, s.name),
        el("td", { "data-h": "Windows" }, s.windows.join(", ")),
        el("td", { "data-h": "People" }, s.users),
        el(
          "td",
          {},
          el(
            "button",
            {
              type: "button",
              class: "alt",
              "aria-label": `Edit schedule ${s.name}`,
              onclick: () => editSchedule(s),
            },
            "Edit",
          ),
          remove(`schedule ${s.name}`, `/api/schedules/${encodeURIComponent(s.name)}`),
        ),
      ),
    ),
  );
  $("hol-rows").replaceChildren(
    ...holidays.map((h) =>
      el(
        "tr",
        {},
        el("td", { "data-h": "Date" }, h.date),
        el("td", { "data-h": "Name" }, h.name),
        el("td", {}, remove(`holiday ${h.date}`, `/api/holidays/${h.date}`)),
      ),
    ),
  );
}
function addForm(formId, errorId, path, body) {
  $(formId).addEventListener("submit", async (e) => {
    e.preventDefault();
    const f = e.target;
    try {
      await api("POST", path, body(f));
      f.reset();
      showError(errorId, null, f);
      await loadSchedules();
    } catch (err) {
      // A bad window is reported as windows.N: point at the textarea.
      if (err.field?.startsWith("windows")) err.field = "windows";
      showError(errorId, err, f);
    }
  });
}
addForm("sched-form", "sched-error", "/api/schedules", (f) => ({
  name: f.elements.name.value.trim(),
  windows: f.windows.value
    .split("\n")
    .map((w) => w.trim())
    .filter(Boolean),
}));
addForm("hol-form", "hol-error", "/api/holidays", (f) => ({
  date: f.date.value,
  name: f.elements.name.value.trim(),
}));

// ---- log ----
function logQuery() {
  const q = new URLSearchParams();
  for (const input of $("log-form").querySelectorAll("input,select"))
    if (input.value.trim()) q.set(input.name, input.value.trim());
  return q;
}
async function loadLog() {
  const q = logQuery();
  for (const fmt of ["csv", "json"]) {
    q.set("format", fmt);
    $(`export-${fmt}`).href = `/api/log/export?${q}`;
  }
  q.delete("format");
  try {
    const { total, events: evs } = await api("GET", `/api/log?${q}`);
    showError("log-error", null, $("log-form"));
    $("log-count").textContent =
      `${total} entries${total > evs.length ? `, newest ${evs.length} shown` : ""}`;
    $("log-rows").replaceChildren(
      ...evs.map((ev) =>
        el(
          "tr",
          {},
          el("td", { "data-h": "#" }, ev.seq),
          el("td", { class: "t", "data-h": "Time" }, fmtTime(ev.ts)),
          el("td", { "data-h": "Event" }, describe(ev)),
          el("td", { "data-h": "Outcome", class: ev.outcome === "denied" ? "bad" : "ok" }, ev.outcome || ""),
          el("td", { "data-h": "Person" }, who(ev.user_code)),
          el("td", { "data-h": "Detail" }, ev.detail ? JSON.stringify(ev.detail) : ""),
        ),
      ),
    );
  } catch (err) {
    showError("log-error", err, $("log-form"));
  }
}
$("log-form").addEventListener("submit", (e) => {
  e.preventDefault();
  loadLog();
});

start();

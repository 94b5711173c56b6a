// doorward admin page: plain JS, no build step, no external requests. Every value from the
// server is inserted as text, never as HTML.
const people = new Map(); // user_code -> name, to show names beside codes in the log
let events = null;

// biome-ignore lint/correctness/noUnusedVariables: used by app-feed.js, app-records.js and app-tools.js
const who = (code) => (code ? (people.has(code) ? `${people.get(code)} (${code})` : code) : "");

// ---- views ----
const VIEWS = ["status", "people", "schedules", "log"];
function route() {
  if (!csrf) return showLogin();
  const view = showView(VIEWS);
  if (view === "people") loadPeople();
  if (view === "log") loadLog();
  if (view === "schedules") loadSchedules();
}

function showLogin() {
  if (events) events.close();
  events = null;
  showLoginForm(VIEWS, (s) => [s.admins_exist, s.create_admin]);
}

async function start() {
  if (!(await resumeSession())) return showLogin();
  await loadDoors();
  await loadStatus();
  await loadPeople();
  openFeed();
  route();
}

wireLogin(start);
window.addEventListener("hashchange", route);

// ---- status, controls, live feed ----
let mode = "normal";
// The door this page shows and commands on a controller with several doors; null: the only door.
let door = null;
const withDoor = (body) => (door ? { ...body, door } : body);
async function loadDoors() {
  const ids = (await api("GET", "/api/doors")).doors.map((d) => d.door_id);
  if (ids.length < 2) return;
  if (!ids.includes(door)) door = ids[0];
  const select = $("door-select");
  select.replaceChildren(...ids.map((id) => el("option", { value: id }, id)));
  select.value = door;
  select.hidden = false;
}
$("door-select").addEventListener("change", (e) => {
  door = e.target.value;
  loadStatus();
});
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
  // Unlock once is refused in lockdown, and lockdown cannot start during an emergency unlock:
  // the buttons say so instead of failing after a confirmation. Emergency unlock stays
  // available from lockdown (one confirmation, in a fire).
  $("unlock").disabled = mode !== "normal";
  $("lockdown").disabled = mode === "emergency_unlock";
  $("controls-note").textContent =
    mode === "lockdown"
      ? "Unlock once is off during lockdown: only override holders get in. End lockdown first, or use emergency unlock."
      : mode === "emergency_unlock"
        ? "The door is held unlocked. Unlock once and lockdown are off until the emergency unlock ends."
        : "";
}
function renderDoor(door) {
  $("st-lock").textContent = door.lock;
  $("st-lock").className = door.lock === "locked" ? "ok" : "bad";
  $("st-door").textContent = door.door;
  $("st-phase").textContent = door.phase.replace(/_/g, " ") + (door.fault ? `: ${door.fault}` : "");
  $("st-phase").className = ["forced", "fault", "held_open"].includes(door.phase) ? "bad" : "";
}

const failuresText = (n) => (n === 0 ? "no recent failures" : `${n} recent failure${n === 1 ? "" : "s"}`);
async function loadStatus() {
  const s = await api("GET", door ? `/api/status?door=${encodeURIComponent(door)}` : "/api/status");
  $("door-id").textContent = s.door_id;
  renderStatus(s);
  const k = s.keypad_lockout;
  $("st-keypad").textContent = k.locked_out
    ? `locked out until ${fmtTime(k.until)}`
    : failuresText(k.failures);
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

/** A door command refused by the controller: said beside the buttons, not in a pop-up. */
async function doorCommand(path, body) {
  $("controls-error").textContent = "";
  try {
    return await api("POST", path, body);
  } catch (err) {
    $("controls-error").textContent = err.message;
    return null;
  }
}
$("unlock").addEventListener("click", async () => {
  if (!(await confirmAction("Unlock the door once? This is logged under your name."))) return;
  await doorCommand("/api/door/unlock", withDoor({ confirm: true }));
});
$("lock").addEventListener("click", async () => {
  if (!(await confirmAction("Lock the door now?"))) return;
  await doorCommand("/api/door/lock", withDoor({ confirm: true }));
});
function showVerify(text, className) {
  $("st-verify").firstChild.textContent = text;
  $("log-verify").textContent = text;
  for (const id of ["st-verify", "log-verify"]) $(id).className = className;
}
// The check runs in a child process of the service; the status says how far it is.
async function verifyLog() {
  showVerify("verifying… ", "");
  const poll = setInterval(async () => {
    const s = await api("GET", "/api/log/verify/status").catch(() => null);
    if (s?.running && s.total > 0)
      showVerify(
        `verifying… ${Math.min(100, Math.floor((100 * s.checked) / s.total))}% of ${s.total} rows `,
        "",
      );
  }, 500);
  let r;
  try {
    r = await api("GET", "/api/log/verify");
  } catch (err) {
    showVerify(`not checked: ${err.message} `, "bad");
    return;
  } finally {
    clearInterval(poll);
  }
  const text = r.ok
    ? `intact (${r.checked} rows) `
    : `TAMPERED at row ${r.firstBad.seq}: ${r.firstBad.problem} `;
  showVerify(text, r.ok ? "ok" : "bad");
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
    const ending = on && mode !== "normal" ? ` This ends the ${MODE_TEXT[mode].toLowerCase()}.` : "";
    if (!(await confirmAction(on ? `${what}.${ending} Switch it on?` : `End ${m.replace("_", " ")}?`)))
      return;
    const status = await doorCommand(`/api/door/${id}`, withDoor({ on, confirm: true }));
    if (status) renderStatus(status);
  });
}

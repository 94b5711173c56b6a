// doorward audit hub page (read-only): doors, alerts, event search with export, the chart, and
// the record of auditor account changes.
// Helpers ($, el, api, showError, fmtTime, csrf) come from page-common.js, shared with the door's page.

const VIEWS = ["doors", "alerts", "events", "access"];
let cursors = [null]; // the "after" cursor of each page seen, so Previous goes back
let pageIndex = 0;

function route() {
  if (!csrf) return showLogin();
  const view = showView(VIEWS);
  if (view === "doors") loadDoors();
  if (view === "alerts") loadAlerts();
  if (view === "events") search();
  if (view === "access") loadTrail();
}

function showLogin() {
  showLoginForm(VIEWS, (s) => [s.auditors_exist, s.create_auditor]);
}

async function start() {
  if (!(await resumeSession())) return showLogin();
  const since = new Date(Date.now() - 24 * 3600_000);
  if (!$("s-since").value) $("s-since").value = localInput(since);
  route();
}

/** A Date as a datetime-local input's value (the browser's local time, to the minute). */
function localInput(d) {
  const pad = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

const duration = (ms) =>
  ms == null
    ? "–"
    : ms < 1000
      ? `${ms} ms`
      : ms < 120_000
        ? `${Math.round(ms / 1000)} s`
        : `${Math.round(ms / 60_000)} min`;

async function loadDoors() {
  try {
    const { doors } = await api("GET", "/api/doors");
    const select = $("s-door");
    const chosen = select.value;
    select.replaceChildren(el("option", { value: "" }, "any"), ...doors.map((d) => el("option", {}, d.door)));
    select.value = chosen;
    $("door-rows").replaceChildren(
      ...doors.map((d) =>
        el(
          "tr",
          {},
          el("td", {}, d.door),
          el("td", {}, d.status),
          el("td", { class: d.online ? "ok" : "bad" }, d.online ? "online" : "offline"),
          el("td", {}, d.last_seen ? fmtTime(d.last_seen) : "never"),
          el("td", {}, d.last_seq),
          el(
            "td",
            { class: `state-${d.chain_state}` },
            d.chain_state === "ok"
              ? "ok"
              : `${d.chain_state}${d.state_seq != null ? ` at seq ${d.state_seq}` : ""}`,
          ),
          el("td", {}, duration(d.lag_ms)),
          el(
            "td",
            {},
            d.head_seq == null
              ? "–"
              : `seq ${d.head_seq}${d.head_verified ? ", verified" : ", not verified"}`,
          ),
        ),
      ),
    );
    showError("doors-error", null);
  } catch (err) {
    showError("doors-error", err);
  }
}

async function loadAlerts() {
  try {
    const { alerts } = await api("GET", "/api/alerts");
    $("alert-rows").replaceChildren(
      ...alerts.map((a) =>
        el(
          "tr",
          {},
          el("td", {}, fmtTime(a.ts)),
          el("td", {}, a.door),
          el("td", { class: `state-${a.kind}` }, a.kind),
          el("td", {}, a.seq ?? "–"),
          el("td", {}, a.detail == null ? "" : JSON.stringify(a.detail)),
        ),
      ),
    );
    showError("alerts-error", null);
  } catch (err) {
    showError("alerts-error", err);
  }
}

/** Whether the names shown are those the rows' codes stand for (`hub verify` says the same). */
function trailKeyText(key) {
  const rows = (n) => `${n} ${n === 1 ? "row" : "rows"}`;
  if (key.state === "ok") return "Names confirmed by the trail's key.";
  if (key.state === "missing")
    return `Key file MISSING: the names shown for ${rows(key.rows)} cannot be checked, and auditor changes are refused until it is restored.`;
  if (key.state === "other key")
    return `${rows(key.otherKeyRows)} coded under another key (first: row ${key.firstOtherKeyRow}): their names are not confirmed.`;
  return "";
}

async function loadTrail() {
  try {
    const { entries, chain, key } = await api("GET", "/api/auditor-trail");
    $("trail-rows").replaceChildren(
      ...entries.map((e) =>
        el(
          "tr",
          {},
          el("td", {}, fmtTime(e.ts)),
          el("td", {}, e.action),
          el("td", {}, e.auditor),
          el("td", {}, e.by),
        ),
      ),
    );
    $("trail-chain").textContent = chain.ok
      ? `Hash chain intact (${chain.checked} ${chain.checked === 1 ? "row" : "rows"}).`
      : `Hash chain BROKEN at row ${chain.firstBad.id}: ${chain.firstBad.problem}.`;
    $("trail-key").textContent = trailKeyText(key);
    showError("access-error", null);
  } catch (err) {
    showError("access-error", err);
  }
}

/** The search form as query parameters; the datetime-local values are sent as UTC instants. */
function filterParams() {
  const f = $("search-form").elements;
  const p = new URLSearchParams();
  for (const k of ["door", "user", "reason"]) if (f[k].value.trim()) p.set(k, f[k].value.trim());
  for (const k of ["since", "until"]) if (f[k].value) p.set(k, new Date(f[k].value).toISOString());
  return p;
}

async function search(page = 0) {
  const p = filterParams();
  $("export-csv").href = `/api/events/export?format=csv&${p}`;
  $("export-json").href = `/api/events/export?format=json&${p}`;
  if (page === 0) cursors = [null];
  const after = cursors[page];
  const q = new URLSearchParams(p);
  if (after) q.set("after", after);
  try {
    if ($("s-door").options.length <= 1) await loadDoors();
    const [{ events, next }, chart] = await Promise.all([
      api("GET", `/api/events?${q}`),
      page === 0 ? api("GET", `/api/chart?${p}`) : null,
    ]);
    pageIndex = page;
    cursors[page + 1] = next;
    $("event-rows").replaceChildren(
      ...events.map((e) =>
        el(
          "tr",
          {},
          el("td", {}, fmtTime(e.ts)),
          el("td", {}, e.door),
          el("td", {}, e.seq),
          el(
            "td",
            { class: e.outcome === "granted" ? "ok" : e.outcome === "denied" ? "bad" : "" },
            e.outcome ?? e.kind,
          ),
          el("td", {}, e.reason),
          el("td", {}, e.user_code ?? ""),
          el("td", {}, e.credential ?? ""),
        ),
      ),
    );
    $("page-no").textContent = events.length ? `page ${page + 1}` : "no matching events";
    $("page-prev").disabled = page === 0;
    $("page-next").disabled = !next;
    if (chart) drawChart($("chart"), chart);
    showError("search-error", null, $("search-form"));
  } catch (err) {
    showError("search-error", err, $("search-form"));
  }
}

$("search-form").addEventListener("submit", (e) => {
  e.preventDefault();
  search(0);
});
$("page-next").addEventListener("click", () => search(pageIndex + 1));
$("page-prev").addEventListener("click", () => search(Math.max(0, pageIndex - 1)));
wireLogin(start);
window.addEventListener("hashchange", route);
start();

// doorward admin page: the live feed and how events read (loaded after app.js, whose helpers
// $, el, api and the shared `people` map it uses). Every value is inserted as text.

const CREDENTIAL_TEXT = {
  pin: "PIN",
  badge: "badge",
  fingerprint: "fingerprint",
  remote: "remote",
  rex: "exit button",
  mqtt: "MQTT",
};
const capital = (s) => s.charAt(0).toUpperCase() + s.slice(1);
const words = (code) => code.replace(/_/g, " ").replace(/\bpin\b/g, "PIN");

/** "Granted (PIN)", "Denied: unknown credential (badge)", "Door mode changed by web:ada". */
function describe(ev) {
  const via = ev.credential ? ` (${CREDENTIAL_TEXT[ev.credential] ?? ev.credential})` : "";
  const by = ev.detail?.by ? ` by ${ev.detail.by}` : "";
  let text;
  if (!ev.outcome) text = capital(words(ev.reason));
  else if (ev.reason === ev.outcome) text = capital(ev.outcome);
  else text = `${capital(ev.outcome)}: ${words(ev.reason)}`;
  return `${text}${via}${by}`;
}

/** The name beside the code, kept current: refreshNames() rewrites it when the people list reloads. */
function person(code) {
  return el("span", { class: "who", "data-code": code || "" }, who(code));
}
// biome-ignore lint/correctness/noUnusedVariables: called by loadPeople (app-people.js)
function refreshNames() {
  for (const span of document.querySelectorAll("span.who[data-code]"))
    span.textContent = who(span.dataset.code);
}

/** An event's detail as readable fields ("slot: 3", "windows: mon 08:00-18:00"), not raw JSON. */
// biome-ignore lint/correctness/noUnusedVariables: used by app-records.js for the log table
function detailFields(detail) {
  const entries = Object.entries(detail || {}).filter(([k]) => k !== "by");
  if (!entries.length) return "";
  const value = (v) =>
    Array.isArray(v)
      ? v.map(value).join(", ")
      : v && typeof v === "object"
        ? Object.entries(v)
            .map(([k, x]) => `${words(k)} ${value(x)}`)
            .join(", ")
        : typeof v === "boolean"
          ? v
            ? "yes"
            : "no"
          : v == null
            ? "–"
            : String(v);
  return el(
    "dl",
    { class: "detail" },
    ...entries.flatMap(([k, v]) => [el("dt", {}, words(k)), el("dd", {}, value(v))]),
  );
}

function feedItem(ev) {
  const li = el(
    "li",
    {},
    el("time", { datetime: ev.ts }, new Date(ev.ts).toLocaleTimeString()),
    " ",
    el(
      "span",
      { class: ev.outcome === "denied" ? "bad" : ev.outcome === "granted" ? "ok" : "" },
      describe(ev),
    ),
    ev.user_code ? " – " : "",
    person(ev.user_code),
  );
  li.dataset.reason = ev.reason;
  li.dataset.seq = ev.seq;
  return li;
}

function addFeed(ev) {
  const feed = $("feed");
  if (feed.querySelector(`li[data-seq="${ev.seq}"]`)) return;
  feed.prepend(feedItem(ev));
  while (feed.children.length > 100) feed.lastChild.remove();
}

/** The latest 20 events at once; live ones that came in meanwhile stay on top. */
async function loadFeed() {
  const { events: newestFirst } = await api("GET", "/api/log?limit=20");
  const feed = $("feed");
  for (const ev of newestFirst)
    if (!feed.querySelector(`li[data-seq="${ev.seq}"]`)) feed.append(feedItem(ev));
}

const SESSION_ENDED = {
  logged_out: "You logged out.",
  expired: "Your session ended after a period without activity. Log in again.",
  revoked: "Your session was ended (account removed or password changed). Log in again.",
};

// biome-ignore lint/correctness/noUnusedVariables: called by start() in app.js
function openFeed() {
  if (events) events.close();
  $("feed").replaceChildren();
  events = new EventSource("/api/events");
  // The live status is the first door's: with several doors, the chosen one is read again.
  events.addEventListener("status", (m) =>
    door ? loadStatus().catch(() => {}) : renderStatus(JSON.parse(m.data)),
  );
  // The server ends the feed with its session; say so instead of silently showing a stale page.
  events.addEventListener("session_ended", (m) => {
    const why = SESSION_ENDED[JSON.parse(m.data).reason] || SESSION_ENDED.revoked;
    showLogin();
    $("login-error").textContent = why;
  });
  events.addEventListener("audit", (m) => {
    const ev = JSON.parse(m.data);
    addFeed(ev);
    if (ev.kind === "access" || ev.reason.startsWith("lockout")) loadStatus().catch(() => {});
    // A person added or changed elsewhere: reload names, so lines show the name, not the code.
    if (
      /^(fingerprint|badge|user|pin|duress)_/.test(ev.reason) ||
      (ev.user_code && !people.has(ev.user_code))
    )
      loadPeople().catch(() => {});
  });
  loadFeed().catch(() => {});
}

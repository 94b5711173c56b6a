// doorward admin page: schedules, holidays and the entry log (loaded after app.js and
// app-people.js). Every value from the server is inserted as text, never as HTML.

// ---- schedules and holidays ----
async function loadSchedules() {
  const [{ schedules }, { holidays }] = await Promise.all([
    api("GET", "/api/schedules"),
    api("GET", "/api/holidays"),
  ]);
  // A refused removal is said in the section's message area (sched-error, hol-error), not in alert().
  const remove = (label, path, errorId) =>
    el(
      "button",
      {
        type: "button",
        class: "alt",
        "aria-label": `Remove ${label}`,
        onclick: async () => {
          if (!(await confirmAction(`Remove ${label}?`))) return;
          await api("DELETE", path).then(
            () => showError(errorId, null),
            (err) => showError(errorId, err),
          );
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
          remove(`schedule ${s.name}`, `/api/schedules/${encodeURIComponent(s.name)}`, "sched-error"),
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
        el("td", {}, remove(`holiday ${h.date}`, `/api/holidays/${h.date}`, "hol-error")),
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
          el("td", { "data-h": "Detail" }, detailFields(ev.detail)), // app-feed.js
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

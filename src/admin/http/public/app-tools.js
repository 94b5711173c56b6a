// doorward admin page, part two (loaded after app.js, whose helpers $, el, api, showError,
// loadPeople and loadSchedules it uses): the fingerprint consistency check, duress PINs and
// editing a schedule's windows in place. Every value from the server is inserted as text.

// ---- fingerprint sensor check ----
// The controller owns the sensor: the page writes a check request and polls it until done.
async function checkSensor() {
  const out = $("sensor-result");
  const button = $("sensor-check");
  button.disabled = true;
  out.className = "";
  out.replaceChildren(el("p", {}, "Asking the controller to read the sensor…"));
  try {
    let r = await api("POST", "/api/fingerprint/check", {});
    for (let i = 0; r.state !== "done" && r.state !== "failed"; i++) {
      if (i > 200) throw new Error("the controller did not answer; is it running?");
      await new Promise((ok) => setTimeout(ok, 300));
      r = await api("GET", `/api/sensor-requests/${r.id}`);
    }
    if (r.state === "failed") throw new Error(`the check failed: ${r.error}`);
    renderConsistency(r.consistency);
  } catch (err) {
    out.className = "bad";
    out.replaceChildren(el("p", {}, err.message));
  } finally {
    button.disabled = false;
  }
}
function renderConsistency(c) {
  const out = $("sensor-result");
  const items = [
    ...c.orphan_slots.map((slot) =>
      el(
        "li",
        { "data-kind": "orphan" },
        `Slot ${slot}: a template on the sensor that belongs to nobody (denied if matched; re-enrol someone into it or clear it with the sensor's tools).`,
      ),
    ),
    ...c.missing_templates.map((m) =>
      el(
        "li",
        { "data-kind": "missing" },
        `Slot ${m.slot}: ${who(m.user_code)} has no template on the sensor; enrol their finger again.`,
      ),
    ),
    ...c.awaiting_deletion.map((slot) =>
      el("li", { "data-kind": "pending" }, `Slot ${slot}: removed, waiting for the controller to delete it.`),
    ),
  ];
  out.className = c.consistent ? "ok" : "bad";
  out.replaceChildren(
    el(
      "p",
      { id: "sensor-verdict" },
      c.consistent ? "Consistent: " : "Inconsistent: ",
      `the sensor holds ${c.sensor_templates} template(s)`,
      c.library_size == null ? "." : ` of ${c.library_size} slots.`,
    ),
    ...(items.length ? [el("ul", {}, ...items)] : []),
  );
}
$("sensor-check").addEventListener("click", checkSensor);

// ---- duress PIN ----
// biome-ignore lint/correctness/noUnusedVariables: called from the people and schedule rows in app.js
function setDuressPin(u) {
  const d = $("duress-dialog");
  const f = $("duress-form");
  $("duress-who").textContent = u.name;
  f.pin.value = "";
  $("duress-shown").textContent = "";
  showError("duress-error", null, f);
  d.returnValue = "";
  d.addEventListener("close", () => ($("duress-shown").textContent = ""), { once: true });
  d.showModal();
  f.onsubmit = async (e) => {
    const action = e.submitter?.value;
    if (action !== "ok" && action !== "random") return;
    e.preventDefault();
    try {
      if (action === "random") {
        const r = await api("PUT", `/api/users/${u.user_code}/duress-pin`, { random: true });
        $("duress-shown").textContent = randomPinText(r.pin);
        await loadPeople();
        return;
      }
      await api("PUT", `/api/users/${u.user_code}/duress-pin`, { pin: f.pin.value });
      f.pin.value = ""; // nothing of the PIN stays in the page
      d.close();
      await loadPeople();
    } catch (err) {
      showError("duress-error", err, f);
    }
  };
}

// ---- editing a schedule's windows ----
// biome-ignore lint/correctness/noUnusedVariables: called from the people and schedule rows in app.js
function editSchedule(s) {
  const d = $("sched-edit-dialog");
  const f = $("sched-edit-form");
  $("sched-edit-who").textContent = s.name;
  $("sched-edit-users").textContent = s.users
    ? `${s.users} person(s) use this schedule; they keep it and the change applies at once.`
    : "";
  f.windows.value = s.windows.join("\n");
  showError("sched-edit-error", null, f);
  d.returnValue = "";
  d.showModal();
  f.onsubmit = async (e) => {
    if (e.submitter?.value !== "ok") return;
    e.preventDefault();
    const windows = f.windows.value
      .split("\n")
      .map((w) => w.trim())
      .filter(Boolean);
    try {
      await api("PUT", `/api/schedules/${encodeURIComponent(s.name)}`, { windows });
      d.close();
      await loadSchedules();
    } catch (err) {
      // windows.N names the Nth non-empty line: say which one, then point at the textarea.
      const n = /^windows\.(\d+)$/.exec(err.field ?? "");
      if (n) err.message = `line ${Number(n[1]) + 1} (${windows[Number(n[1])]}): ${err.message}`;
      if (err.field?.startsWith("windows")) err.field = "windows";
      showError("sched-edit-error", err, f);
    }
  };
}

// Last script loaded: every view's functions exist now.
start();

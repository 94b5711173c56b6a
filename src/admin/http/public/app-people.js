// doorward admin page: people (loaded after app.js, whose helpers $, el, api, showError and
// confirmAction it uses). Every value from the server is inserted as text, never as HTML.

// ---- people ----
async function loadPeople() {
  const { users } = await api("GET", "/api/users");
  // `people` (app.js) is shared by every script: refill it rather than replace it.
  people.clear();
  for (const u of users) people.set(u.user_code, u.name);
  refreshNames(); // app-feed.js: feed lines written before a person was known get their name
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
/** A change from a person's row; a refusal is said above the list (no alert(): it blocks the page). */
async function change(method, path, body) {
  try {
    await api(method, path, body);
    showError("people-error", null);
  } catch (err) {
    showError("people-error", err);
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
  $("pin-shown").textContent = "";
  d.returnValue = "";
  d.addEventListener("close", () => ($("pin-shown").textContent = ""), { once: true });
  d.showModal();
  $("pin-form").onsubmit = async (e) => {
    const action = e.submitter?.value;
    if (action !== "ok" && action !== "random") return;
    e.preventDefault();
    try {
      if (action === "random") {
        const r = await api("PUT", `/api/users/${u.user_code}/pin`, { random: true });
        $("pin-shown").textContent = randomPinText(r.pin);
        await loadPeople();
        return;
      }
      await api("PUT", `/api/users/${u.user_code}/pin`, { pin: $("pin-new").value });
      d.close();
      await loadPeople();
    } catch (err) {
      $("pin-error").textContent = err.message;
    }
  };
}

// A generated PIN is shown once, in the open dialog, and cleared when it closes.
const randomPinText = (pin) => `New PIN: ${pin}. It is shown only now; give it to the person, then close.`;

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

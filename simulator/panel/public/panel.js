// The simulator panel: clicks drive the virtual hardware; the wire state and the controller's
// events come back over Server-Sent Events.
const $ = (id) => document.getElementById(id);

async function post(path, body) {
  const res = await fetch(path, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body || {}),
  });
  const data = await res.json();
  $("message").textContent = res.ok ? "" : data.error;
  if (res.ok) render(data);
}

function render(s) {
  const on = (id, lit, label) => {
    $(id).classList.toggle("on", lit);
    $(id).setAttribute("aria-label", `${label} ${lit ? "on" : "off"}`);
  };
  on("led-green", s.leds.green, "green LED");
  on("led-red", s.leds.red, "red LED");
  on("buzzer", s.buzzer, "buzzer");
  $("door").classList.toggle("open", s.door_open);
  $("door").setAttribute("aria-label", s.door_open ? "door open" : "door closed");
  $("bolt").classList.toggle("released", s.bolt_released);
  $("bolt-text").textContent = s.bolt_released ? "released" : "thrown";
  $("contact-text").textContent = s.door_open ? "open" : "closed";
  renderDevices(s.devices);
}

// Extra virtual hardware registered on the server (fingerprint sensor, badge reader, …). The
// buttons are rebuilt only when the set of actions changes, so a number being typed survives
// the state updates that stream in meanwhile.
let deviceShape = "";
function renderDevices(devices) {
  const shape = JSON.stringify(devices.map((d) => [d.id, d.label, d.actions]));
  if (shape !== deviceShape) {
    deviceShape = shape;
    $("devices").replaceChildren(...devices.map(deviceSection));
  }
  for (const d of devices)
    $(`state-${d.id}`).textContent = Object.entries(d.state)
      .map(([k, v]) => `${k.replace(/_/g, " ")}: ${v}`)
      .join(" · ");
}

function deviceSection(d) {
  const section = document.createElement("section");
  section.className = "device";
  section.setAttribute("aria-label", d.label);
  const h = document.createElement("h2");
  h.textContent = d.label;
  const state = document.createElement("p");
  state.id = `state-${d.id}`;
  const buttons = document.createElement("div");
  buttons.className = "buttons";
  for (const a of d.actions) {
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = a.label;
    if (a.input) {
      const input = document.createElement("input");
      input.id = `in-${d.id}-${a.id}`;
      input.inputMode = "numeric";
      input.autocomplete = "off";
      const label = document.createElement("label");
      label.htmlFor = input.id;
      label.textContent = a.input;
      const go = () => post(`/sim/device/${d.id}`, { action: `${a.id}:${input.value.trim()}` });
      b.addEventListener("click", go);
      input.addEventListener("keydown", (e) => e.key === "Enter" && go());
      const field = document.createElement("span");
      field.className = "field";
      field.append(label, input, b);
      buttons.append(field);
    } else {
      b.addEventListener("click", () => post(`/sim/device/${d.id}`, { action: a.id }));
      buttons.append(b);
    }
  }
  section.append(h, state, buttons);
  return section;
}

function addEvent(ev) {
  const li = document.createElement("li");
  li.className = ev.outcome || "";
  li.dataset.reason = ev.reason;
  const who = ev.user_code ? ` ${ev.user_code}` : "";
  li.textContent = `${new Date(ev.ts).toLocaleTimeString()}  ${ev.reason.replace(/_/g, " ")}${ev.outcome ? ` (${ev.outcome})` : ""}${ev.credential ? ` via ${ev.credential}` : ""}${who}`;
  $("feed").prepend(li);
  while ($("feed").children.length > 200) $("feed").lastChild.remove();
}

for (const b of document.querySelectorAll(".keypad button"))
  b.addEventListener("click", () => post("/sim/keypad", { keys: b.textContent }));
$("push").addEventListener("click", () => post("/sim/door", { action: "push" }));
$("release").addEventListener("click", () => post("/sim/door", { action: "release" }));
$("force").addEventListener("click", () => post("/sim/door", { action: "force" }));
$("rex").addEventListener("click", () => post("/sim/rex"));
document.addEventListener("keydown", (e) => {
  if (/^[0-9*#]$/.test(e.key) && e.target === document.body) post("/sim/keypad", { keys: e.key });
});

const stream = new EventSource("/sim/stream");
stream.addEventListener("state", (m) => render(JSON.parse(m.data)));
stream.addEventListener("event", (m) => addEvent(JSON.parse(m.data)));

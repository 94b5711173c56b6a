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
  renderDoors(s.doors || []);
}

// Every door after the first, each drawn like the first: LEDs, its keypads, the door, its buttons.
let doorShape = "";
function renderDoors(doors) {
  if (doors.length > 1) $("hw-h").textContent = `Door ${doors[0].id}`;
  const rest = doors.slice(1);
  const shape = JSON.stringify(rest.map((d) => [d.id, d.keypads]));
  if (shape !== doorShape) {
    doorShape = shape;
    $("more-doors").replaceChildren(...rest.map(doorSection));
  }
  for (const d of rest) {
    const part = (name) => $(`door-${d.id}-${name}`);
    part("green").classList.toggle("on", d.leds.green);
    part("red").classList.toggle("on", d.leds.red);
    part("buzzer").classList.toggle("on", d.buzzer);
    part("door").classList.toggle("open", d.door_open);
    part("door").setAttribute("aria-label", d.door_open ? "door open" : "door closed");
    part("bolt").classList.toggle("released", d.bolt_released);
    part("bolt-text").textContent = d.bolt_released ? "released" : "thrown";
    part("contact-text").textContent = d.door_open ? "open" : "closed";
  }
}

function el(tag, props = {}, children = []) {
  const e = document.createElement(tag);
  Object.assign(e, props);
  e.append(...children);
  return e;
}

function doorSection(d) {
  const id = (name) => `door-${d.id}-${name}`;
  const leds = el("div", { className: "leds" }, [
    el("span", { id: id("green"), className: "led green", role: "img", ariaLabel: "green LED" }),
    el("span", { id: id("red"), className: "led red", role: "img", ariaLabel: "red LED" }),
    el("span", { id: id("buzzer"), className: "buzzer", role: "img", ariaLabel: "buzzer", textContent: "♪" }),
  ]);
  const keypads = d.keypads.map((reader) => {
    const keys = [..."123456789*0#"].map((k) =>
      el("button", {
        type: "button",
        textContent: k,
        onclick: () => post("/sim/keypad", { keys: k, door: d.id, reader }),
      }),
    );
    return el("fieldset", { className: "keypad", ariaLabel: `Keypad ${reader}` }, keys);
  });
  const doorway = el("div", { className: "doorway" }, [
    el("div", { id: id("door"), className: "door", role: "img", ariaLabel: "door closed" }, [
      el("span", { id: id("bolt"), className: "bolt" }),
    ]),
    el("dl", { className: "wires" }, [
      el("dt", { textContent: "Bolt" }),
      el("dd", { id: id("bolt-text"), textContent: "thrown" }),
      el("dt", { textContent: "Contact" }),
      el("dd", { id: id("contact-text"), textContent: "closed" }),
    ]),
  ]);
  const button = (label, path, body, className = "") =>
    el("button", {
      type: "button",
      textContent: label,
      className,
      onclick: () => post(path, { ...body, door: d.id }),
    });
  const buttons = el("div", { className: "buttons" }, [
    button("Push door", "/sim/door", { action: "push" }),
    button("Let go", "/sim/door", { action: "release" }),
    button("Force open", "/sim/door", { action: "force" }, "warn"),
    button("Exit button (REX)", "/sim/rex", {}),
  ]);
  return el("section", { className: "hw", ariaLabel: `Door ${d.id}` }, [
    el("h2", { textContent: `Door ${d.id}` }),
    el("div", { className: "reader" }, [leds, ...keypads]),
    doorway,
    buttons,
  ]);
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

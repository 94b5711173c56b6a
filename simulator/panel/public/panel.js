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

// Extra virtual hardware registered on the server (fingerprint sensor, badge reader, …).
function renderDevices(devices) {
  const box = $("devices");
  box.replaceChildren(
    ...devices.map((d) => {
      const section = document.createElement("section");
      section.className = "device";
      section.setAttribute("aria-label", d.label);
      const h = document.createElement("h2");
      h.textContent = d.label;
      const state = document.createElement("p");
      state.textContent = Object.entries(d.state)
        .map(([k, v]) => `${k}: ${v}`)
        .join(" · ");
      const buttons = document.createElement("div");
      buttons.className = "buttons";
      for (const a of d.actions) {
        const b = document.createElement("button");
        b.type = "button";
        b.textContent = a.label;
        b.addEventListener("click", () => post(`/sim/device/${d.id}`, { action: a.id }));
        buttons.append(b);
      }
      section.append(h, state, buttons);
      return section;
    }),
  );
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

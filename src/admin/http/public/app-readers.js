// doorward admin page: the readers panel (loaded after app.js, whose helpers $, el and api it
// uses). Every reader of every door from /api/readers: kind, direction, the OSDP reader's identity
// as it reported it (osdp_PDID), its Secure Channel state and whether it is online; and a visible
// warning for each reader configured `secure: false` or without a stored key. Re-read every few
// seconds while the status view is shown. Every value is inserted as text.
const READERS_REFRESH_MS = 5000;

function identityText(o) {
  const id = o.identity;
  // Seen but no identity: the reader answers everything but osdp_ID.
  if (!id) return o.last_seen ? "unknown (the reader does not answer osdp_ID)" : "never identified";
  const serial = `0x${id.serial.toString(16).padStart(8, "0")}`;
  return `vendor ${id.vendor} model ${id.model} v${id.version}, serial ${serial}, firmware ${id.firmware}`;
}

function secureChannelText(o) {
  if (!o.secure) return "off (secure: false)";
  if (o.secure_channel) return "up";
  if (o.state === "secure_channel_failed") return `failed: ${o.reason ?? "unknown"}`;
  if (o.state === "installed") return "key installed, not polled yet";
  return "down";
}

function onlineText(r) {
  const seen = (iso) => (iso ? `last seen ${new Date(iso).toLocaleString()}` : "never seen");
  if (r.online === null) return "–";
  if (!r.osdp) return r.online ? "online" : "offline";
  if (r.online) return `online since ${new Date(r.osdp.since).toLocaleString()}`;
  // `doorward osdp install` set its key; the service has not reached it yet.
  if (r.osdp.state === "installed")
    return `key installed ${new Date(r.osdp.since).toLocaleString()}, not polled yet`;
  const why = r.osdp.state === "offline" && r.osdp.reason ? ` (${r.osdp.reason})` : "";
  return `offline${why}, ${seen(r.osdp.last_seen)}`;
}

async function loadReaders() {
  const out = $("reader-rows");
  if (!out) return;
  let data;
  try {
    data = await api("GET", "/api/readers");
  } catch {
    return; // logged out, or the server went away: app.js shows that
  }
  const td = (h, text, cls) => el("td", cls ? { "data-h": h, class: cls } : { "data-h": h }, text);
  out.replaceChildren(
    ...data.readers.map((r) =>
      el(
        "tr",
        { "data-reader": r.id },
        td("Door", r.door_id),
        td("Reader", r.id),
        td("Kind", r.kind),
        td("Direction", r.direction ?? "–"),
        td("Identity", r.osdp ? identityText(r.osdp) : "–"),
        td(
          "Secure Channel",
          r.osdp ? secureChannelText(r.osdp) : "–",
          r.osdp?.secure_channel ? "ok" : r.osdp ? "bad" : "",
        ),
        td("Online", onlineText(r), r.online === null ? "" : r.online ? "ok" : "bad"),
      ),
    ),
  );
  $("reader-warnings").replaceChildren(
    ...data.readers.flatMap((r) =>
      r.warnings.map((w) => el("li", {}, `Reader ${r.id} (door ${r.door_id}): ${w}`)),
    ),
  );
}

setInterval(() => {
  const status = $("status");
  if (status && !status.hidden) void loadReaders();
}, READERS_REFRESH_MS);
// Loaded whenever the status view is shown (after logging in, or coming back to it), so the
// warnings are there at once, not only at the next refresh.
new MutationObserver(() => {
  if (!$("status").hidden) void loadReaders();
}).observe($("status"), { attributes: true, attributeFilter: ["hidden"] });

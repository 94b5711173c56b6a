// doorward admin page: the "who is inside" panel (loaded after app.js, whose helpers $, el and
// api it uses). Occupancy changes with grants at in/out readers and with forgiveness, so the panel
// re-reads /api/occupancy every few seconds while the status view is shown (for mustering during
// an evacuation it must be current without a reload). Every value is inserted as text.
const INSIDE_REFRESH_MS = 5000;

async function loadInside() {
  const out = $("inside");
  if (!out) return;
  let data;
  try {
    data = await api("GET", "/api/occupancy");
  } catch {
    return; // logged out, or the server went away: app.js shows that
  }
  const fmt = (iso) => new Date(iso).toLocaleString();
  const rows = data.doors.flatMap((d) =>
    d.occupants.length === 0
      ? [el("tr", {}, el("td", {}, d.door), el("td", { colspan: "3" }, "nobody inside"))]
      : d.occupants.map((o) =>
          el(
            "tr",
            {},
            el("td", {}, d.door),
            el("td", {}, o.name ?? "–"),
            el("td", {}, o.user_code),
            el("td", {}, fmt(o.since)),
          ),
        ),
  );
  $("inside-rows").replaceChildren(...rows);
  const total = data.doors.reduce((n, d) => n + d.count, 0);
  $("inside-total").textContent =
    data.doors.length === 0 ? "not tracked (no in/out readers)" : `${total} inside`;
}

setInterval(() => {
  const status = $("status");
  if (status && !status.hidden) void loadInside();
}, INSIDE_REFRESH_MS);
window.addEventListener("hashchange", () => {
  if (location.hash === "" || location.hash === "#status") void loadInside();
});
document.addEventListener("DOMContentLoaded", () => setTimeout(() => void loadInside(), 500));

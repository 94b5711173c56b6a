// The chart of entries (up, green) and denials (down, red) per door per hour, drawn as inline
// SVG with DOM calls: no library, nothing from elsewhere, nothing the CSP would refuse. The
// counts come from the server (GROUP BY door, date_trunc('hour', ts)); hours without events
// are drawn as gaps.
const SVG = "http://www.w3.org/2000/svg";
const HOUR = 3600_000;

function svgEl(tag, attrs, text) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text != null) e.textContent = text;
  return e;
}

// biome-ignore lint/correctness/noUnusedVariables: called by search() in hub.js
function drawChart(container, { since, until, hours }) {
  const start = Date.parse(since);
  const slots = Math.max(1, Math.ceil((Date.parse(until) - start) / HOUR));
  $("chart-range").textContent = `${fmtTime(since)} – ${fmtTime(until)}`;
  const byDoor = new Map();
  for (const h of hours) {
    if (!byDoor.has(h.door)) byDoor.set(h.door, []);
    byDoor.get(h.door).push(h);
  }
  if (byDoor.size === 0) {
    container.replaceChildren(el("p", {}, "No entries or denials in this range."));
    return;
  }
  const width = 720;
  const half = 50; // px above the axis for the busiest hour's entries, and below for denials
  const peak = Math.max(1, ...hours.map((h) => Math.max(h.entries, h.denials)));
  const slot = width / slots;
  const figures = [];
  for (const [door, rows] of byDoor) {
    const svg = svgEl("svg", {
      viewBox: `0 0 ${width} ${2 * half + 16}`,
      role: "img",
      "aria-label": `${door}: ${rows.reduce((n, r) => n + r.entries, 0)} entries, ${rows.reduce((n, r) => n + r.denials, 0)} denials`,
    });
    svg.append(svgEl("line", { class: "axis", x1: 0, x2: width, y1: half, y2: half }));
    for (const r of rows) {
      const x = ((Date.parse(r.hour) - start) / HOUR) * slot;
      const w = Math.max(1, slot * 0.8);
      const label = `${door}, ${fmtTime(r.hour)}: ${r.entries} entries, ${r.denials} denials`;
      const g = svgEl("g", { "data-hour": r.hour, "data-entries": r.entries, "data-denials": r.denials });
      g.append(svgEl("title", {}, label));
      const up = (r.entries / peak) * half;
      const down = (r.denials / peak) * half;
      if (r.entries) g.append(svgEl("rect", { class: "bar-entry", x, y: half - up, width: w, height: up }));
      if (r.denials) g.append(svgEl("rect", { class: "bar-denial", x, y: half, width: w, height: down }));
      svg.append(g);
    }
    svg.append(svgEl("text", { class: "axis-label", x: 0, y: 2 * half + 14 }, fmtTime(since)));
    svg.append(
      svgEl(
        "text",
        { class: "axis-label", x: width, y: 2 * half + 14, "text-anchor": "end" },
        fmtTime(until),
      ),
    );
    figures.push(el("figure", { class: "chart-door", "data-door": door }, el("figcaption", {}, door), svg));
  }
  container.replaceChildren(...figures);
}

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { PassThrough, Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { doctorCommand, runDoctor } from "../../src/admin/commands/doctor-command.js";
import { loadSettingsFile, parseSettings } from "../../src/config/load-settings.js";
import { type CheckResult, exitCodeFor } from "../../src/doctor/checks.js";
import { healthyPiProbes } from "../helpers/doctor-probes.js";
import { doorEntry, keypadReader, osdpReader } from "../helpers/doors.js";
import { tempDir } from "../helpers/harness.js";

/**
 * A Wiegand reader left on the default formats (W26 and W34) accepts the first 26 bits of a
 * 34-bit card cut short by a stall or a loose wire: they pass 26-bit parity about 1 time in 4
 * and read as another card's number. Doctor warns, naming the reader and the key to set.
 */
const pi = (extra: Record<string, unknown>) =>
  parseSettings({ hardware: { backend: "pi" }, data_dir: "/var/lib/doorward", ...extra });

const wiegandRows = (results: CheckResult[]) => results.filter((r) => r.name.startsWith("wiegand"));

const badge = (id: string, wiegand: Record<string, unknown>, direction: "in" | "out" = "in") => ({
  id,
  kind: "badge",
  direction,
  reader: "wiegand",
  wiegand,
});

describe("doctor: Wiegand readers left on the default formats", () => {
  it("a single-door Wiegand reader without formats warns, naming the key and the 1-in-4 risk; exit 1", async () => {
    // formats left out of `wiegand:`, and `wiegand:` left out altogether (its own default).
    for (const [badge, lines] of [
      [{ reader: "wiegand", wiegand: { d0_line: 5, d1_line: 6 } }, "D0 GPIO5, D1 GPIO6"],
      [{ reader: "wiegand" }, "D0 GPIO23, D1 GPIO24"],
    ] as const) {
      const results = await runDoctor(pi({ badge }), healthyPiProbes());
      const rows = wiegandRows(results);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ name: "wiegand badge", status: "warn" });
      expect(rows[0]?.detail).toMatch(new RegExp(`^${lines}; formats not set`));
      expect(rows[0]?.detail).toContain("about 1 time in 4");
      expect(rows[0]?.fix).toBe(
        "set badge.wiegand.formats to the one format this reader sends: [W26] or [W34]",
      );
      // Everything else passes: the warning alone makes the exit status non-zero, as for any warning.
      expect(results.filter((r) => r.status !== "pass")).toEqual(rows);
      expect(exitCodeFor(results)).toBe(1);
    }
  });

  it("the reader's one format set explicitly: a pass row with it, no warning, exit 0", async () => {
    for (const formats of [["W34"], "W26"]) {
      const results = await runDoctor(
        pi({ badge: { reader: "wiegand", wiegand: { d0_line: 5, d1_line: 6, formats } } }),
        healthyPiProbes(),
      );
      expect(wiegandRows(results)).toEqual([
        {
          name: "wiegand badge",
          status: "pass",
          detail: `D0 GPIO5, D1 GPIO6; formats ${typeof formats === "string" ? formats : formats.join(", ")}`,
        },
      ]);
      expect(exitCodeFor(results)).toBe(0);
    }
  });

  it("both formats listed explicitly are the admin's choice: no warning", async () => {
    const results = await runDoctor(
      pi({ badge: { reader: "wiegand", wiegand: { formats: ["W26", "W34"] } } }),
      healthyPiProbes(),
    );
    expect(wiegandRows(results).map((r) => [r.name, r.status])).toEqual([["wiegand badge", "pass"]]);
    expect(exitCodeFor(results)).toBe(0);
  });

  it("non-Wiegand readers have no such row: RDM6300, OSDP, and the simulator's own (auto) reader", async () => {
    const rdm = await runDoctor(pi({ badge: { reader: "rdm6300" } }), healthyPiProbes());
    expect(wiegandRows(rdm)).toEqual([]);
    const doors = pi({
      doors: [
        doorEntry("outer", 4, [
          osdpReader("outer-in", 0, { secure: false }),
          { id: "outer-tag", kind: "badge", reader: "rdm6300", rdm6300: { port: "/dev/ttyUSB1" } },
        ]),
      ],
    });
    expect(wiegandRows(await runDoctor(doors, healthyPiProbes()))).toEqual([]);
    // reader: auto is a Wiegand reader only in simulation, wired by the simulator; on a Pi it is none.
    const simulated = parseSettings({ data_dir: "/var/lib/doorward" });
    expect(wiegandRows(await runDoctor(simulated, healthyPiProbes()))).toEqual([]);
    expect(wiegandRows(await runDoctor(pi({}), healthyPiProbes()))).toEqual([]);
  });

  it("with several doors, the reader left on the default is named door/reader; the one set passes", async () => {
    const settings = pi({
      doors: [
        doorEntry("outer", 4, [
          keypadReader("outer-keypad", 0x34),
          badge("outer-exit", { d0_line: 20, d1_line: 21, formats: ["W34"] }, "out"),
        ]),
        doorEntry("cage", 12, [{ id: "cage-badge", kind: "badge" }]), // reader: wiegand, every default
      ],
    });
    const rows = wiegandRows(await runDoctor(settings, healthyPiProbes()));
    expect(rows.map((r) => [r.name, r.status])).toEqual([
      ["wiegand outer/outer-exit", "pass"],
      ["wiegand cage/cage-badge", "warn"],
    ]);
    expect(rows[1]?.detail).toMatch(/^D0 GPIO23, D1 GPIO24; formats not set/);
    expect(rows[1]?.fix).toBe(
      "set wiegand.formats of reader cage-badge (door cage) to the one format it sends: [W26] or [W34]",
    );
  });

  it("the two-door example sets its reader's format: its row passes", async () => {
    const example = loadSettingsFile("hardware/two-doors.example.yaml");
    const rows = wiegandRows(await runDoctor(example, healthyPiProbes()));
    expect(rows).toEqual([
      { name: "wiegand outer/outer-exit", status: "pass", detail: "D0 GPIO5, D1 GPIO6; formats W34" },
    ]);
  });

  it("read from a YAML file by `doorward doctor`: the warning is in the table, exit 1", async () => {
    const dir = tempDir();
    const run = async (wiegand: string) => {
      const config = join(dir, "config.yaml");
      writeFileSync(
        config,
        `hardware:\n  backend: pi\ndata_dir: ${dir}/data\nbadge:\n  reader: wiegand\n  wiegand:\n${wiegand}`,
      );
      const stdout = new PassThrough();
      let out = "";
      stdout.on("data", (c) => (out += c));
      const io = { stdout, stderr: new PassThrough(), stdin: Readable.from([""]), env: {} };
      const code = await doctorCommand(["--config", config], io, healthyPiProbes());
      return { code, out };
    };
    const unset = await run("    d0_line: 5\n");
    expect(unset.out).toMatch(/wiegand badge\s+WARN\s+D0 GPIO5, D1 GPIO24; formats not set/);
    expect(unset.out).toContain("fix: set badge.wiegand.formats");
    expect(unset.code).toBe(1);
    const both = await run("    d0_line: 5\n    formats: [W26, W34]\n");
    expect(both.out).toMatch(/wiegand badge\s+PASS\s+D0 GPIO5, D1 GPIO24; formats W26, W34/);
    expect(both.code).toBe(0);
  });
});

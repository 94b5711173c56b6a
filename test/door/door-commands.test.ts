import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ApiClient, adminCode, startWebHarness, type WebHarness } from "../admin/http/web-harness.js";
import { cli } from "../helpers/cli.js";
import { tempDir } from "../helpers/harness.js";

/**
 * Issue 10.19: one door-command path with one set of rules for every surface. The same request
 * from the CLI (another connection, like another process) and from the page gets the same
 * answer and exactly one audit row. (MQTT: test/mqtt/remote-commands.test.ts.)
 */
let w: WebHarness;
let api: ApiClient;
let config: string;

beforeEach(async () => {
  w = await startWebHarness();
  config = join(tempDir(), "config.yaml");
  writeFileSync(config, `data_dir: ${w.settings.data_dir}\nlog_level: silent\n`);
  api = new ApiClient(w.base);
  await api.login();
});
afterEach(async () => {
  await w.stop();
});

type Surface = "cli" | "web";
type Switch = { mode: "lockdown" | "emergency"; on: boolean };

/** Sends the switch from a surface; true if the surface reported success. */
async function send(surface: Surface, s: Switch): Promise<boolean> {
  if (surface === "cli")
    return (await cli(["door", s.mode, s.on ? "on" : "off", "--config", config])).code === 0;
  const res = await api.request("POST", `/api/door/${s.mode}`, { on: s.on, confirm: true });
  return res.ok;
}

const mode = () => w.app.services.policy.store.mode().mode;
const rowsSince = (seq: number) =>
  w.app.services.audit
    .tail(100)
    .filter((r) => r.seq > seq && r.kind === "system" && r.reason.startsWith("door_mode"));
const lastSeq = () => w.app.services.audit.last()?.seq ?? 0;

describe.each(["cli", "web"] as const)("door mode rules from the %s", (surface) => {
  it("'lockdown off' does not end an emergency unlock: refused, one denied row, the door stays released", async () => {
    expect(await send(surface, { mode: "emergency", on: true })).toBe(true);
    await w.app.services.policy.mode.apply();
    expect(w.sim.door.boltReleased).toBe(true);
    const before = lastSeq();
    expect(await send(surface, { mode: "lockdown", on: false })).toBe(false);
    expect(mode()).toBe("emergency_unlock");
    const rows = rowsSince(before);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      reason: "door_mode_refused",
      outcome: "denied",
      detail: { requested: "lockdown_off", mode: "emergency_unlock", why: "not_in_mode" },
    });
    await w.clock.advance(5000);
    expect(w.sim.door.boltReleased).toBe(true);
  });

  it("lockdown cannot replace a running emergency unlock; emergency may replace lockdown", async () => {
    await send(surface, { mode: "emergency", on: true });
    let before = lastSeq();
    expect(await send(surface, { mode: "lockdown", on: true })).toBe(false);
    expect(mode()).toBe("emergency_unlock");
    expect(rowsSince(before)).toMatchObject([
      { reason: "door_mode_refused", detail: { why: "emergency_unlock_active" } },
    ]);
    await send(surface, { mode: "emergency", on: false });
    await send(surface, { mode: "lockdown", on: true });
    before = lastSeq();
    expect(await send(surface, { mode: "emergency", on: true })).toBe(true);
    expect(mode()).toBe("emergency_unlock");
    expect(rowsSince(before)).toMatchObject([
      { reason: "door_mode_changed", detail: { mode: "emergency_unlock", previous: "lockdown" } },
    ]);
  });

  it("every accepted switch is one door_mode_changed row naming the actor", async () => {
    const before = lastSeq();
    await send(surface, { mode: "lockdown", on: true });
    await send(surface, { mode: "lockdown", on: false });
    const rows = rowsSince(before);
    expect(rows.map((r) => r.reason)).toEqual(["door_mode_changed", "door_mode_changed"]);
    const by = surface === "web" ? adminCode(w) : expect.stringMatching(/^os:/);
    expect(rows.map((r) => r.detail?.by)).toEqual([by, by]);
  });
});

describe("lock from the page", () => {
  it("is refused while an emergency unlock holds the door released (the hold would re-release it)", async () => {
    await send("web", { mode: "emergency", on: true });
    const res = await api.request("POST", "/api/door/lock", { confirm: true });
    expect(res.status).toBe(409);
    expect(w.app.services.audit.last()).toMatchObject({
      reason: "lock_refused",
      outcome: "denied",
      detail: { by: adminCode(w), held_for: "emergency_unlock" },
    });
    expect(w.sim.door.boltReleased).toBe(true);
  });
});

describe("keyed by door id", () => {
  it("names the doors it knows when asked for another, and changes nothing", async () => {
    const { commands } = w.app.services;
    expect(commands.doorIds()).toEqual([w.settings.door_id]);
    const before = lastSeq();
    await expect(
      commands.setMode("inner-cage", { mode: "lockdown", on: true }, { by: "os:test" }),
    ).rejects.toThrow(`no such door 'inner-cage' (doors: ${w.settings.door_id})`);
    expect(mode()).toBe("normal");
    expect(lastSeq()).toBe(before);
  });
});

import { afterEach, describe, expect, it } from "vitest";
import { doorsConfig } from "../../helpers/doors.js";
import { ApiClient, adminCode, startWebHarness, type WebHarness } from "./web-harness.js";

let w: WebHarness;
let c: ApiClient;
afterEach(async () => {
  await w?.stop();
});

describe("admin API with several doors", () => {
  it("lists the doors; status and door commands name a door, and without one are refused naming them", async () => {
    w = await startWebHarness({ doors: doorsConfig(2), interlocks: [["d0", "d1"]] });
    c = new ApiClient(w.base);
    await c.login();
    const doors = (await (await c.request("GET", "/api/doors")).json()) as {
      doors: Array<{ door_id: string; mode: { mode: string }; health: Record<string, unknown> }>;
      interlocks: string[][];
    };
    expect(doors.doors.map((d) => d.door_id)).toEqual(["d0", "d1"]);
    expect(Object.keys(doors.doors[1]?.health ?? {})).toEqual(
      expect.arrayContaining(["d1/lock", "d1/d1-keypad"]),
    );
    expect(Object.keys(doors.doors[1]?.health ?? {})).not.toContain("d0/lock");
    expect(doors.interlocks).toEqual([["d0", "d1"]]);

    const bare = await c.request("GET", "/api/status");
    expect(bare.status).toBe(400);
    expect(await bare.json()).toEqual({
      error: "this controller has 2 doors; name one (d0, d1)",
      field: "door",
    });
    expect((await c.request("GET", "/api/status?door=vault")).status).toBe(404);
    expect(await (await c.request("GET", "/api/status?door=d1")).json()).toMatchObject({ door_id: "d1" });

    const refused = await c.request("POST", "/api/door/unlock", { confirm: true });
    expect(refused.status).toBe(400);
    expect(w.sim.doors.map((d) => d.door.boltReleased)).toEqual([false, false]);

    const unlocked = await c.request("POST", "/api/door/unlock", { confirm: true, door: "d1" });
    expect(unlocked.status).toBe(200);
    expect(w.sim.doors.map((d) => d.door.boltReleased)).toEqual([false, true]);
    expect(w.app.services.audit.last()).toMatchObject({
      door: "d1",
      reason: "remote_unlock",
      detail: { by: adminCode(w) },
    });

    const lockdown = await c.request("POST", "/api/door/lockdown", { on: true, confirm: true, door: "d0" });
    expect(lockdown.status).toBe(200);
    expect(w.app.services.units.map((u) => u.policy.mode.status().mode)).toEqual(["lockdown", "normal"]);
    expect(w.app.services.audit.last()).toMatchObject({ door: "d0", reason: "door_mode_changed" });
  });
});

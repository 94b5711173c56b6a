import { afterEach, describe, expect, it } from "vitest";
import { type PanelState, SimPanelServer } from "../../../simulator/panel/sim-panel-server.js";
import { doorsConfig } from "../../helpers/doors.js";
import { type Harness, startHarness } from "../../helpers/harness.js";

let h: Harness;
let panel: SimPanelServer;
let base: string;
afterEach(async () => {
  await panel?.stop();
  await h?.app.stop();
});

const post = (path: string, body: unknown) =>
  fetch(base + path, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });

describe("simulator panel with several doors", () => {
  it("draws every door and drives the door, keypad and REX an action names", async () => {
    h = await startHarness({ doors: doorsConfig(2) });
    panel = new SimPanelServer(h.sim, { recent: () => [], subscribe: () => () => {} }, { port: 0 });
    base = (await panel.start()).url.replace(/\/$/, "");
    h.addUserWithPin("alice", "1234");
    const state = (await (await fetch(`${base}/sim/state`)).json()) as PanelState;
    expect(state.doors.map((d) => [d.id, d.keypads])).toEqual([
      ["d0", ["d0-keypad"]],
      ["d1", ["d1-keypad"]],
    ]);
    expect((await post("/sim/keypad", { keys: "1234#", door: "d1", reader: "d1-keypad" })).status).toBe(200);
    await h.clock.advance(5 * 160);
    await h.app.services.units[1]?.access.idle();
    expect(h.sim.doors.map((d) => d.door.boltReleased)).toEqual([false, true]);
    const pushed = (await (await post("/sim/door", { action: "push", door: "d1" })).json()) as PanelState;
    expect(pushed.doors[1]).toMatchObject({ door_open: true, bolt_released: true });
    expect(pushed.doors[0]).toMatchObject({ door_open: false, bolt_released: false });
    // The first door is locked: a push there is refused, and unknown doors or readers are named.
    expect((await post("/sim/door", { action: "push", door: "d0" })).status).toBe(409);
    expect(await (await post("/sim/rex", { door: "nope" })).json()).toEqual({
      error: "no such door",
      field: "door",
    });
    expect((await post("/sim/keypad", { keys: "1", door: "d0", reader: "d1-keypad" })).status).toBe(404);
    expect((await post("/sim/rex", { door: "d0" })).status).toBe(200);
    await h.clock.advance(300);
    expect(h.sim.doors[0]?.door.boltReleased).toBe(true);
  });
});

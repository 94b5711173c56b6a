import { request } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import type { PanelDevice } from "../../../simulator/panel/panel-device.js";
import { SimPanelServer } from "../../../simulator/panel/sim-panel-server.js";
import { type Harness, startHarness } from "../../helpers/harness.js";

let h: Harness;
let panel: SimPanelServer;
let base: string;
afterEach(async () => {
  await panel?.stop();
  await h?.app.stop();
});

async function start(): Promise<void> {
  h = await startHarness();
  const { audit } = h.app.services;
  panel = new SimPanelServer(
    h.sim,
    {
      recent: () => audit.tail(5).map((r) => ({ reason: r.reason })),
      subscribe: (l) => audit.onAppend((r) => l({ reason: r.reason })),
    },
    { port: 0 },
  );
  base = (await panel.start()).url.replace(/\/$/, "");
}

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(base + path, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });

describe("simulator panel server", () => {
  it("typing a PIN on the panel keypad drives the virtual TCA8418 and the controller opens the door", async () => {
    await start();
    h.addUserWithPin("alice", "1234");
    expect((await post("/sim/keypad", { keys: "1234#" })).status).toBe(200);
    // Keys go down and up every 80 ms of simulated time, like a person types.
    await h.clock.advance(5 * 160);
    await h.app.services.access.idle();
    expect(h.sim.door.boltReleased).toBe(true);
    const pushed = (await (await post("/sim/door", { action: "push" })).json()) as {
      door_open: boolean;
      bolt_released: boolean;
    };
    expect(pushed).toMatchObject({ door_open: true, bolt_released: true });
  });

  it("an 8-digit PIN typed on the panel (18 key events) fits the 10-event FIFO and opens the door", async () => {
    await start();
    h.addUserWithPin("bob", "12345678");
    expect((await post("/sim/keypad", { keys: "12345678#" })).status).toBe(200);
    await h.clock.advance(9 * 160);
    await h.app.services.access.idle();
    expect(h.app.services.audit.tail(50).map((r) => r.reason)).not.toContain("keypad_overflow");
    expect(h.sim.door.boltReleased).toBe(true);
  });

  it("a push on the locked door is refused with 409 and the door stays shut", async () => {
    await start();
    const res = await post("/sim/door", { action: "push" });
    expect(res.status).toBe(409);
    expect(await res.json()).toMatchObject({ field: "action" });
    expect(h.sim.door.isOpen).toBe(false);
  });

  it("rejects bad keys, non-JSON posts and foreign Host headers", async () => {
    await start();
    expect((await post("/sim/keypad", { keys: "12a" })).status).toBe(400);
    const form = await fetch(`${base}/sim/rex`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "x=1",
    });
    expect(form.status).toBe(415);
    // fetch will not send a foreign Host header; a DNS-rebinding page's request would.
    const status = await new Promise<number>((resolve, reject) => {
      request(`${base}/sim/state`, { headers: { host: "evil.example:8080" } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      })
        .on("error", reject)
        .end();
    });
    expect(status).toBe(403);
  });

  it("streams wire state changes and controller events over SSE", async () => {
    await start();
    h.addUserWithPin("alice", "1234");
    const res = await fetch(`${base}/sim/stream`);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    let text = "";
    const readUntil = async (needle: string) => {
      while (!text.includes(needle)) text += new TextDecoder().decode((await reader.read()).value);
    };
    await readUntil("event: state");
    h.sim.keypad.type("1234#");
    await h.clock.advance(50);
    await readUntil('"bolt_released":true');
    await readUntil('"reason":"granted"');
    await reader.cancel();
  });

  it("shows registered extra devices and runs their actions (the extension point for fingers and badges)", async () => {
    await start();
    let placed = 0;
    const notify = new Set<() => void>();
    const finger: PanelDevice = {
      id: "fingerprint",
      label: "Fingerprint sensor",
      actions: () => [{ id: "place:1", label: "Place finger 1" }],
      run: (action) => {
        if (action !== "place:1") throw new Error(`unknown action ${action}`);
        placed++;
        for (const n of notify) n();
      },
      state: () => ({ placed }),
      onChange: (n) => {
        notify.add(n);
        return () => notify.delete(n);
      },
    };
    panel.addDevice(finger);
    const state = (await (await post("/sim/device/fingerprint", { action: "place:1" })).json()) as {
      devices: unknown[];
    };
    expect(state.devices).toEqual([
      {
        id: "fingerprint",
        label: "Fingerprint sensor",
        actions: [{ id: "place:1", label: "Place finger 1" }],
        state: { placed: 1 },
      },
    ]);
    expect((await post("/sim/device/fingerprint", { action: "nope" })).status).toBe(400);
    expect((await post("/sim/device/badge", { action: "x" })).status).toBe(404);
  });
});

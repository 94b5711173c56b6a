import { afterEach, describe, expect, it } from "vitest";
import { doorEntry, keypadReader } from "../../helpers/doors.js";
import { ApiClient, startWebHarness, type WebHarness } from "./web-harness.js";

let w: WebHarness;
afterEach(async () => {
  await w?.stop();
});

describe("GET /api/occupancy (the 'who is inside' panel)", () => {
  it("lists who is inside each tracked door's room, with name, code and since; needs a session", async () => {
    w = await startWebHarness({
      doors: [
        doorEntry("outer", 4, [keypadReader("outer-in", 0x34, "in"), keypadReader("outer-out", 0x35, "out")]),
        doorEntry("cage", 7, [keypadReader("cage-in", 0x36, "in")]),
      ],
    });
    const anonymous = new ApiClient(w.base);
    expect((await anonymous.request("GET", "/api/occupancy")).status).toBe(401);
    const c = new ApiClient(w.base);
    await c.login();
    const code = w.addUserWithPin("alice", "1234");
    const enteredAt = w.clock.now();
    const typed = w.sim.doors[0]?.typeKeys("1234#", "outer-in");
    await w.clock.advance(2 * 5 * 80 + 100);
    await typed;
    await w.app.services.units[0]?.access.idle();
    const body = (await (await c.request("GET", "/api/occupancy")).json()) as {
      doors: Array<{
        door: string;
        count: number;
        occupants: Array<{ user_code: string; name: string; since: string }>;
      }>;
    };
    // The cage has no out reader: not tracked, not listed.
    expect(body.doors).toEqual([
      { door: "outer", count: 1, occupants: [{ user_code: code, name: "alice", since: expect.any(String) }] },
    ]);
    expect(Date.parse(body.doors[0]?.occupants[0]?.since ?? "")).toBeGreaterThanOrEqual(enteredAt);
  });
});

import { afterEach, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "../helpers/harness.js";

let h: Harness;
afterEach(async () => {
  await h?.app.stop();
});

/**
 * The log's listeners (live feed, MQTT, console) hear a grant's row after the relay was driven:
 * their work (a JSON line to every open feed, an MQTT pump) must not sit between the commit and
 * the relay (issue 15). The row is committed before either, as always.
 */
describe("audit listeners hear a release's row after its relay", () => {
  it("a granted PIN: the row is committed, the bolt released, then the listeners hear it", async () => {
    h = await startHarness();
    h.addUserWithPin("alice", "1234");
    const heard: Array<{ reason: string; boltReleased: boolean; committed: boolean }> = [];
    h.app.services.audit.onAppend((r) =>
      heard.push({
        reason: r.reason,
        boltReleased: h.sim.door.boltReleased,
        committed: h.app.services.audit.last()?.seq === r.seq,
      }),
    );
    await h.type("1234#");
    expect(heard.find((e) => e.reason === "granted")).toEqual({
      reason: "granted",
      boltReleased: true,
      committed: true,
    });
  });

  it("request-to-exit and a remote unlock too", async () => {
    h = await startHarness();
    const heard: Array<{ reason: string; boltReleased: boolean }> = [];
    h.app.services.audit.onAppend((r) =>
      heard.push({ reason: r.reason, boltReleased: h.sim.door.boltReleased }),
    );
    h.sim.pressExit();
    await h.clock.advance(50);
    await h.app.services.access.idle();
    expect(heard.find((e) => e.reason === "exit_request")).toEqual({
      reason: "exit_request",
      boltReleased: true,
    });
    await h.clock.advance(10_000);
    expect(h.sim.door.boltReleased).toBe(false);
    await h.app.services.access.remoteUnlock({ by: "test" });
    expect(heard.find((e) => e.reason === "remote_unlock")).toEqual({
      reason: "remote_unlock",
      boltReleased: true,
    });
  });

  it("a denial is heard as before (no relay to wait for)", async () => {
    h = await startHarness();
    const heard: string[] = [];
    h.app.services.audit.onAppend((r) => heard.push(r.reason));
    await h.type("9999#");
    expect(heard).toContain("unknown_credential");
  });
});

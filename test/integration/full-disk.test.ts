import { afterEach, describe, expect, it } from "vitest";
import { liveStatus } from "../../src/admin/http/door-routes.js";
import type { WebDeps } from "../../src/admin/http/web-deps.js";
import { SimConsole } from "../../src/admin/sim-console.js";
import { AdminCodeBook } from "../../src/audit/admin-code-book.js";
import { giveBadge, giveFinger, touch } from "../helpers/credentials.js";
import { fillDisk as fillDiskOf } from "../helpers/full-disk.js";
import { type Harness, startHarness } from "../helpers/harness.js";

let h: Harness;
afterEach(async () => {
  await h?.app.stop();
});

const fillDisk = () => fillDiskOf(h);

async function pressExit(): Promise<void> {
  h.sim.pressExit();
  await h.clock.advance(50);
  await h.app.services.access.idle();
}

const rowsAfter = (seq: number) => [...h.app.services.audit.query()].filter((r) => r.seq > seq);
const storageState = () => h.app.services.health.get("storage")?.state;

describe("full disk: egress never blocked, entry fail-secure, nothing silently lost (item 11)", () => {
  it("request-to-exit releases the door although its row cannot be written", async () => {
    h = await startHarness();
    fillDisk();
    const before = h.app.services.audit.last()?.seq;
    await pressExit();
    expect(h.sim.door.boltReleased).toBe(true);
    expect(h.sim.door.pulseCount()).toBe(1);
    expect(h.app.services.audit.last()?.seq).toBe(before);
  });

  it("device health shows storage failed on the page and in status while writes fail (MQTT: test/mqtt/storage-state.test.ts)", async () => {
    h = await startHarness();
    expect(storageState()).toBe("ok");
    fillDisk();
    await pressExit();
    expect(storageState()).toBe("failed");
    const adminCodes = AdminCodeBook.forSettings(h.app.services.db, h.settings);
    const page = liveStatus({ ...h.app.services, adminCodes } as unknown as WebDeps);
    expect(page.health.storage).toMatchObject({ state: "failed", detail: expect.stringMatching(/full/) });
    const lines: string[] = [];
    const console = new SimConsole(h.app, h.sim, h.clock, (l) => lines.push(l));
    expect(console.status()).toMatch(/storage:failed/);
    expect(h.app.services.health.overall()).toBe("failed");
  });

  it.each([
    ["a PIN", () => h.type("1234#")],
    ["a finger", () => touch(h, "finger-1")],
    [
      "a badge",
      async () => {
        const sent = h.sim.wiegand.present(1001, "W26");
        await h.clock.advance(150);
        await sent;
        await h.app.services.access.idle();
      },
    ],
  ] as const)("%s stays denied-and-locked while the log cannot be written", async (_what, present) => {
    h = await startHarness();
    const code = h.addUserWithPin("alice", "1234");
    giveFinger(h, code, 1);
    giveBadge(h, code, "1001");
    fillDisk();
    await present();
    expect(h.sim.door.pulseCount()).toBe(0);
    expect(h.sim.door.boltReleased).toBe(false);
    expect(storageState()).toBe("failed");
  });

  it("on recovery: unlogged exits become one exit_request_unlogged row, queued door events are written, health recovers", async () => {
    h = await startHarness();
    const cure = fillDisk();
    const last = h.app.services.audit.last()?.seq ?? 0;
    await pressExit();
    await h.clock.advance(6_000); // the pulse ends; the bolt drops
    await pressExit();
    await h.clock.advance(6_000);
    const forcedAt = h.clock.now();
    h.sim.door.force();
    await h.clock.advance(50);
    expect(h.app.services.door.status().phase).toBe("forced");
    expect(rowsAfter(last)).toEqual([]);
    cure();
    await h.clock.advance(10_000); // the storage guard retries on its own, without a new event
    const rows = rowsAfter(last);
    expect(rows.map((r) => r.reason)).toEqual(["fault", "exit_request_unlogged", "door_forced", "recovered"]);
    expect(rows[0]).toMatchObject({ kind: "system", detail: { device: "storage" } });
    expect(rows[1]).toMatchObject({ kind: "door", credential: "rex", detail: { count: 2 } });
    // When it happened (after the contact's debounce), not when it could be written.
    const occurred = rows[2]?.detail?.occurred_ms as number;
    expect(rows[2]).toMatchObject({ kind: "door" });
    expect(occurred).toBeGreaterThanOrEqual(forcedAt);
    expect(occurred).toBeLessThan(forcedAt + 50);
    expect(rows[2]?.tsMs).toBeGreaterThan(occurred);
    expect(rows[3]).toMatchObject({ kind: "system", detail: { device: "storage" } });
    expect(storageState()).toBe("degraded"); // recovered, on probation
    expect(h.app.services.audit.verify()).toMatchObject({ ok: true });
    await pressExit();
    expect(h.app.services.audit.last()).toMatchObject({ reason: "exit_request", outcome: "granted" });
  });

  it("a stop before the retry still writes the backlog, before controller_stopped", async () => {
    h = await startHarness();
    const cure = fillDisk();
    const last = h.app.services.audit.last()?.seq ?? 0;
    await pressExit();
    cure();
    const { audit } = h.app.services;
    let reasons: string[] = [];
    audit.onAppend(() => {
      reasons = [...audit.query()].filter((r) => r.seq > last).map((r) => r.reason);
    });
    await h.app.stop();
    expect(reasons).toEqual(["fault", "exit_request_unlogged", "recovered", "controller_stopped"]);
  });

  it("the next attempt after recovery writes the backlog first, then itself, and opens", async () => {
    h = await startHarness();
    h.addUserWithPin("alice", "1234");
    const cure = fillDisk();
    const last = h.app.services.audit.last()?.seq ?? 0;
    await pressExit();
    await h.clock.advance(6_000);
    await h.type("1234#"); // refused: its row cannot be written
    expect(h.sim.door.pulseCount()).toBe(1);
    cure();
    await h.type("1234#");
    expect(h.sim.door.pulseCount()).toBe(2);
    const reasons = rowsAfter(last).map((r) => r.reason);
    expect(reasons.slice(0, 2)).toEqual(["fault", "exit_request_unlogged"]);
    const fault = rowsAfter(last)[0];
    expect(fault?.detail).toMatchObject({ device: "storage", refused_attempts: 1 });
    expect(reasons).toContain("granted");
  });

  it("the queue of unwritten door events is bounded; what was dropped is counted", async () => {
    h = await startHarness({ door: { relock_grace_ms: 0 } });
    const cure = fillDisk();
    const last = h.app.services.audit.last()?.seq ?? 0;
    for (let i = 0; i < 300; i++) {
      h.sim.door.force();
      await h.clock.advance(100);
      h.sim.door.release();
      await h.clock.advance(100);
    }
    cure();
    await h.clock.advance(10_000);
    const rows = rowsAfter(last);
    const fault = rows.find((r) => r.reason === "fault");
    expect(fault?.detail).toMatchObject({ device: "storage", dropped_events: expect.any(Number) });
    expect(rows.length).toBeLessThan(600);
    expect(rows.filter((r) => r.reason === "door_forced").length).toBeGreaterThan(0);
  });
});

import { afterEach, describe, expect, it } from "vitest";
import { ApiClient, adminCode, startWebHarness, type WebHarness } from "./web-harness.js";

let w: WebHarness;
let c: ApiClient;
afterEach(async () => {
  await w?.stop();
});

async function loggedIn(): Promise<void> {
  w = await startWebHarness();
  c = new ApiClient(w.base);
  await c.login();
}

const byAda = () =>
  w.app.services.audit
    .tail(50)
    .filter((r) => r.detail?.by === adminCode(w))
    .map((r) => r.reason);

describe("admin API: status, door modes", () => {
  it("status shows lock, door, mode and device health", async () => {
    await loggedIn();
    const s = (await (await c.request("GET", "/api/status")).json()) as {
      door: unknown;
      mode: unknown;
      health: Record<string, unknown>;
    };
    expect(s.door).toMatchObject({ lock: "locked" });
    expect(s.mode).toMatchObject({ mode: "normal", held_for: null });
    expect(Object.keys(s.health).length).toBeGreaterThan(0);
    expect(Object.values(s.health)[0]).toMatchObject({ state: expect.stringMatching(/ok|degraded|failed/) });
  });

  it("lockdown on denies a PIN with reason lockdown; off restores; each change names the admin", async () => {
    await loggedIn();
    w.addUserWithPin("alice", "1234");
    expect((await c.request("POST", "/api/door/lockdown", { on: true })).status).toBe(400);
    const on = await c.request("POST", "/api/door/lockdown", { on: true, confirm: true });
    expect(on.status).toBe(200);
    expect(await on.json()).toMatchObject({ mode: { mode: "lockdown", by: "web:ada" } });
    await w.type("1234#");
    expect(w.app.services.audit.last()).toMatchObject({ outcome: "denied", reason: "lockdown" });
    expect(w.sim.door.boltReleased).toBe(false);
    const wrongOff = await c.request("POST", "/api/door/emergency", { on: false, confirm: true });
    expect(wrongOff.status).toBe(409);
    expect(await wrongOff.json()).toMatchObject({ field: "on" });
    expect((await c.request("POST", "/api/door/lockdown", { on: false, confirm: true })).status).toBe(200);
    await w.type("1234#");
    expect(w.app.services.audit.last()).toMatchObject({ outcome: "granted" });
    expect(byAda().filter((r) => r === "door_mode_changed")).toHaveLength(2);
  });

  it("emergency unlock holds the lock released until switched off", async () => {
    await loggedIn();
    const res = await c.request("POST", "/api/door/emergency", { on: true, confirm: true });
    expect(await res.json()).toMatchObject({
      mode: { mode: "emergency_unlock", held_for: "emergency_unlock" },
    });
    expect(w.sim.door.boltReleased).toBe(true);
    await c.request("POST", "/api/door/emergency", { on: false, confirm: true });
    expect(w.sim.door.boltReleased).toBe(false);
    expect(w.reasons()).toEqual(
      expect.arrayContaining(["emergency_unlock_started", "emergency_unlock_ended"]),
    );
  });
});

describe("admin API: schedules, holidays, per-person policy", () => {
  it("adds and removes schedules and holidays; validation errors name the field", async () => {
    await loggedIn();
    const add = await c.request("POST", "/api/schedules", {
      name: "office",
      windows: ["mon-fri 08:00-18:00"],
    });
    expect(add.status).toBe(201);
    expect(await add.json()).toMatchObject({
      name: "office",
      windows: expect.arrayContaining(["mon 08:00-18:00"]),
    });
    const list = (await (await c.request("GET", "/api/schedules")).json()) as { schedules: unknown[] };
    expect(list.schedules).toEqual([expect.objectContaining({ name: "office", users: 0 })]);
    const cases: Array<[string, string, unknown, string | null]> = [
      ["POST", "/api/schedules", { name: "bad name!", windows: ["daily 08:00-09:00"] }, "name"],
      ["POST", "/api/schedules", { name: "x", windows: ["someday 8-9"] }, "windows.0"],
      ["POST", "/api/schedules", { name: "x", windows: [] }, "windows"],
      ["DELETE", "/api/schedules/nope", undefined, "name"],
      ["POST", "/api/holidays", { date: "24.12.2030", name: "Xmas" }, "date"],
      ["POST", "/api/holidays", { date: "2030-12-24", name: "" }, "name"],
      ["DELETE", "/api/holidays/2030-01-01", undefined, "date"],
      ["PUT", "/api/users/nobody/policy", { role: "user" }, "user"],
    ];
    for (const [method, path, body, field] of cases) {
      const res = await c.request(method, path, body);
      expect(res.status, `${path} ${JSON.stringify(body)}`).toBeGreaterThanOrEqual(400);
      expect(((await res.json()) as { field: string | null }).field, path).toBe(field);
    }
    expect((await c.request("POST", "/api/holidays", { date: "2030-12-24", name: "Xmas" })).status).toBe(201);
    expect(await (await c.request("GET", "/api/holidays")).json()).toEqual({
      holidays: [{ date: "2030-12-24", name: "Xmas" }],
    });
    expect((await c.request("DELETE", "/api/holidays/2030-12-24")).status).toBe(200);
    expect((await c.request("DELETE", "/api/schedules/office")).status).toBe(200);
    expect(byAda()).toEqual(
      expect.arrayContaining(["schedule_added", "holiday_added", "holiday_removed", "schedule_removed"]),
    );
  });

  it("edits validity, agreement date, role and schedules in one change", async () => {
    await loggedIn();
    const code = w.addUserWithPin("alice", "1234");
    await c.request("POST", "/api/schedules", { name: "office", windows: ["daily 00:00-24:00"] });
    const bad = [
      [{ role: "boss" }, "role"],
      [{ valid_from: "2030-01-02", valid_until: "2030-01-01" }, "valid_until"],
      [{ schedules: ["nope"] }, "schedules.0"],
      [{ agreement_until: "soon" }, "agreement_until"],
      [{}, null],
    ] as const;
    for (const [body, field] of bad) {
      const res = await c.request("PUT", `/api/users/${code}/policy`, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(((await res.json()) as { field: string | null }).field).toBe(field);
    }
    const res = await c.request("PUT", `/api/users/${code}/policy`, {
      valid_from: "2020-01-01",
      valid_until: "2099-12-31",
      agreement_until: "2099-06-30",
      role: "override",
      schedules: ["office"],
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      valid_from: "2020-01-01T00:00:00.000Z",
      valid_until: "2099-12-31T00:00:00.000Z",
      agreement_until: "2099-06-30T00:00:00.000Z",
      role: "override",
      schedules: ["office"],
    });
    // An assigned schedule cannot be removed (it would silently change access).
    expect((await c.request("DELETE", "/api/schedules/office")).status).toBe(400);
    expect(w.app.services.audit.last()).toMatchObject({ reason: "user_policy_changed", userCode: code });
    const unassign = await c.request("PUT", `/api/users/${code}/policy`, { schedules: [] });
    expect(await unassign.json()).toMatchObject({ schedules: [] });
  });
});

describe("admin API: badges and fingerprint enrolment", () => {
  it("adds a badge as a keyed hash (tap opens), refuses someone else's, removes it", async () => {
    await loggedIn();
    const code = w.addUserWithPin("alice", "1234");
    w.addUserWithPin("bob", "5678");
    expect(
      (
        (await (await c.request("POST", `/api/users/${code}/badge`, { number: "12x" })).json()) as {
          field: string;
        }
      ).field,
    ).toBe("number");
    const res = await c.request("POST", `/api/users/${code}/badge`, { number: "00424242" });
    expect(await res.json()).toMatchObject({ credentials: expect.arrayContaining(["badge", "pin"]) });
    expect(JSON.stringify(w.app.services.audit.tail(5))).not.toContain("424242");
    const taken = await c.request("POST", "/api/users/bob/badge", { number: "424242" });
    expect(taken.status).toBe(409);
    const sent = w.sim.wiegand.present(424242, "W26");
    await w.clock.advance(150);
    await sent;
    await w.app.services.access.idle();
    expect(w.app.services.audit.last()).toMatchObject({
      outcome: "granted",
      credential: "badge",
      userCode: code,
    });
    expect((await c.request("DELETE", `/api/users/${code}/badge`)).status).toBe(200);
    const again = await c.request("DELETE", `/api/users/${code}/badge`);
    expect(again.status).toBe(400);
    expect(byAda()).toEqual(expect.arrayContaining(["badge_set", "badge_removed"]));
  });

  it("enrols a fingerprint: the request shows the sensor's prompts until stored", async () => {
    await loggedIn();
    const code = w.addUserWithPin("alice", "1234");
    expect((await c.request("POST", `/api/users/${code}/fingerprint`, { slot: -1 })).status).toBe(400);
    const res = await c.request("POST", `/api/users/${code}/fingerprint`, { slot: 4 });
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: number };
    const seen: string[] = [];
    for (let i = 0; i < 200; i++) {
      const r = (await (await c.request("GET", `/api/sensor-requests/${id}`)).json()) as {
        prompts: string[];
        prompt_text: string[];
        state: string;
      };
      const last = r.prompts.at(-1);
      if (last && last !== seen.at(-1)) {
        seen.push(last);
        if (last === "place_finger" || last === "place_again") w.sim.fingerprint.placeFinger("alice-index");
        else w.sim.fingerprint.liftFinger();
      }
      if (r.state === "done" || r.state === "failed") {
        expect(r).toMatchObject({ state: "done", slot: 4, user_code: code, result: { slot: 4 } });
        expect(r.prompt_text.at(-1)).toBe("Stored.");
        break;
      }
      await w.clock.advance(200);
    }
    expect(seen).toEqual(["place_finger", "lift_finger", "place_again", "stored"]);
    expect(w.app.services.audit.tail(20).find((r) => r.reason === "fingerprint_enrolled")).toMatchObject({
      detail: { by: adminCode(w), slot: 4 },
    });
    expect((await c.request("GET", "/api/sensor-requests/99999")).status).toBe(404);
    expect((await c.request("GET", "/api/sensor-requests/abc")).status).toBe(400);
    const removed = await c.request("DELETE", `/api/users/${code}/fingerprint`);
    expect(await removed.json()).toEqual({ user_code: code, removed_slots: [4] });
  });

  it("refuses the new endpoints without a session or without the CSRF token", async () => {
    await loggedIn();
    const code = w.addUserWithPin("alice", "1234");
    const anon = new ApiClient(w.base);
    const changes: Array<[string, string, unknown]> = [
      ["POST", "/api/door/lockdown", { on: true, confirm: true }],
      ["POST", "/api/door/emergency", { on: true, confirm: true }],
      ["PUT", `/api/users/${code}/policy`, { role: "override" }],
      ["POST", `/api/users/${code}/badge`, { number: "1" }],
      ["DELETE", `/api/users/${code}/badge`, undefined],
      ["POST", `/api/users/${code}/fingerprint`, {}],
      ["DELETE", `/api/users/${code}/fingerprint`, undefined],
      ["POST", "/api/schedules", { name: "x", windows: ["daily 08:00-09:00"] }],
      ["DELETE", "/api/schedules/x", undefined],
      ["POST", "/api/holidays", { date: "2030-01-01", name: "x" }],
      ["DELETE", "/api/holidays/2030-01-01", undefined],
    ];
    for (const [method, path, body] of changes) {
      expect((await anon.request(method, path, body)).status, path).toBe(401);
      const noCsrf = await c.request(method, path, body, { "x-csrf-token": "" });
      expect(noCsrf.status, path).toBe(403);
    }
    for (const path of ["/api/schedules", "/api/holidays", "/api/sensor-requests/1"])
      expect((await anon.request("GET", path)).status).toBe(401);
    expect(w.app.services.policy.store.mode().mode).toBe("normal");
  });
});

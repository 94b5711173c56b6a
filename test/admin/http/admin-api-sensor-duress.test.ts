import { afterEach, describe, expect, it } from "vitest";
import { ApiClient, adminCode, startWebHarness, type WebHarness } from "./web-harness.js";

let w: WebHarness;
let c: ApiClient;
afterEach(async () => {
  await w?.stop();
});

async function loggedIn(overrides: Record<string, unknown> = {}): Promise<void> {
  w = await startWebHarness(overrides);
  c = new ApiClient(w.base);
  await c.login();
}

interface RequestJson {
  id: number;
  kind: string;
  state: string;
  error: string | null;
  consistency: Record<string, unknown> | null;
}

/** Polls the request as the page does, letting fake time pass so the controller picks it up. */
async function pollUntilFinished(id: number): Promise<RequestJson> {
  for (let i = 0; i < 100; i++) {
    const r = (await (await c.request("GET", `/api/sensor-requests/${id}`)).json()) as RequestJson;
    if (r.state === "done" || r.state === "failed") return r;
    await w.clock.advance(200);
  }
  throw new Error("the check never finished");
}

describe("admin API: fingerprint consistency check", () => {
  it("reports orphan templates on the sensor and people whose template is missing", async () => {
    await loggedIn();
    const { users } = w.app.services;
    const alice = users.get(users.require(w.addUserWithPin("alice", "1234")).id);
    const bob = users.get(users.require(w.addUserWithPin("bob", "5678")).id);
    users.setCredential(alice.id, "fingerprint", "1", w.clock.now());
    users.setCredential(bob.id, "fingerprint", "7", w.clock.now()); // nothing stored in slot 7
    w.sim.fingerprint.preload(1, "alice-index");
    w.sim.fingerprint.preload(3, "stranger"); // on the sensor, mapped to nobody

    const res = await c.request("POST", "/api/fingerprint/check", {});
    expect(res.status).toBe(202);
    const started = (await res.json()) as RequestJson;
    expect(started).toMatchObject({ kind: "check", state: "requested", consistency: null });
    const done = await pollUntilFinished(started.id);
    expect(done).toMatchObject({ state: "done", error: null });
    expect(done.consistency).toEqual({
      consistent: false,
      sensor_templates: 2,
      library_size: expect.any(Number),
      orphan_slots: [3],
      missing_templates: [{ slot: 7, user_code: bob.userCode }],
      awaiting_deletion: [],
    });
    // The request row names the web admin by admin code, as the CLI's names the OS user.
    expect(
      w.app.services.db.prepare("SELECT actor FROM sensor_requests WHERE id = ?").pluck().get(done.id),
    ).toBe(adminCode(w));
  });

  it("says consistent when the sensor and the allowlist agree", async () => {
    await loggedIn();
    const { users } = w.app.services;
    const alice = users.require(w.addUserWithPin("alice", "1234"));
    users.setCredential(alice.id, "fingerprint", "2", w.clock.now());
    w.sim.fingerprint.preload(2, "alice-index");
    const { id } = (await (await c.request("POST", "/api/fingerprint/check", {})).json()) as RequestJson;
    const done = await pollUntilFinished(id);
    expect(done.consistency).toMatchObject({ consistent: true, orphan_slots: [], missing_templates: [] });
  });

  it("refuses without a session, without CSRF, with a body, and when the sensor is disabled", async () => {
    await loggedIn();
    expect((await new ApiClient(w.base).request("POST", "/api/fingerprint/check", {})).status).toBe(401);
    expect((await c.request("POST", "/api/fingerprint/check", {}, { "x-csrf-token": "" })).status).toBe(403);
    const extra = await c.request("POST", "/api/fingerprint/check", { slot: 1 });
    expect(extra.status).toBe(400);
    await w.stop();
    await loggedIn({ fingerprint: { enabled: false } });
    const off = await c.request("POST", "/api/fingerprint/check", {});
    expect(off.status).toBe(409);
    expect(w.app.services.db.prepare("SELECT count(*) FROM sensor_requests").pluck().get()).toBe(0);
  });
});

describe("admin API: duress PIN", () => {
  it("sets a duress PIN: one audit event naming the admin, the PIN never echoed; it opens and alarms", async () => {
    await loggedIn();
    const code = w.addUserWithPin("alice", "1234");
    const res = await c.request("PUT", `/api/users/${code}/duress-pin`, { pin: "9731" });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).not.toContain("9731");
    expect(JSON.parse(text)).toMatchObject({
      user_code: code,
      credentials: expect.arrayContaining(["duress"]),
    });
    expect(w.app.services.audit.last()).toMatchObject({
      reason: "duress_pin_set",
      userCode: code,
      detail: { by: adminCode(w) },
    });
    expect(JSON.stringify(w.app.services.audit.tail(10))).not.toContain("9731");
    await w.type("9731#");
    await w.clock.advance(100);
    expect(w.sim.door.boltReleased).toBe(true);
    expect(w.reasons()).toContain("duress");
  });

  it("validates: format, unknown person, a PIN already in use (anyone's or their own), extra fields", async () => {
    await loggedIn();
    const code = w.addUserWithPin("alice", "1234");
    w.addUserWithPin("bob", "5678");
    const cases: Array<[string, unknown, number, string | null]> = [
      [`/api/users/${code}/duress-pin`, { pin: "12a4" }, 400, "pin"],
      [`/api/users/${code}/duress-pin`, { pin: "12" }, 400, "pin"],
      [`/api/users/${code}/duress-pin`, {}, 400, "pin"],
      [`/api/users/${code}/duress-pin`, { pin: "9731", name: "x" }, 400, null],
      ["/api/users/nobody/duress-pin", { pin: "9731" }, 404, "user"],
      [`/api/users/${code}/duress-pin`, { pin: "5678" }, 409, "pin"],
      [`/api/users/${code}/duress-pin`, { pin: "1234" }, 409, "pin"],
    ];
    for (const [path, body, status, field] of cases) {
      const res = await c.request("PUT", path, body);
      expect(res.status, JSON.stringify(body)).toBe(status);
      const json = (await res.json()) as { error: string; field: string | null };
      expect(json.field, JSON.stringify(body)).toBe(field);
      expect(JSON.stringify(json)).not.toMatch(/5678|1234|9731/);
    }
    expect(w.app.services.audit.tail(20).some((r) => r.reason === "duress_pin_set")).toBe(false);
  });

  it("refuses without a session or without the CSRF token", async () => {
    await loggedIn();
    const code = w.addUserWithPin("alice", "1234");
    const anon = new ApiClient(w.base);
    expect((await anon.request("PUT", `/api/users/${code}/duress-pin`, { pin: "9731" })).status).toBe(401);
    const noCsrf = await c.request(
      "PUT",
      `/api/users/${code}/duress-pin`,
      { pin: "9731" },
      { "x-csrf-token": "" },
    );
    expect(noCsrf.status).toBe(403);
    expect(w.app.services.users.credentialKinds(w.app.services.users.require(code).id)).toEqual(["pin"]);
  });
});

describe("admin API: editing a schedule's windows in place", () => {
  it("replaces the windows, keeps the people assigned, and the next PIN attempt sees the new windows", async () => {
    await loggedIn();
    const code = w.addUserWithPin("alice", "1234");
    // The harness clock starts on a Monday at 09:00 UTC.
    await c.request("POST", "/api/schedules", { name: "office", windows: ["mon 18:00-22:00"] });
    await c.request("PUT", `/api/users/${code}/policy`, { schedules: ["office"] });
    await w.type("1234#");
    expect(w.app.services.audit.last()?.reason).toBe("outside_schedule");

    const res = await c.request("PUT", "/api/schedules/office", { windows: ["mon-fri 08:00-18:00"] });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      name: "office",
      windows: expect.arrayContaining(["mon 08:00-18:00", "fri 08:00-18:00"]),
      users: 1,
    });
    await w.type("1234#");
    expect(w.app.services.audit.last()).toMatchObject({ outcome: "granted", userCode: code });
    const person = (await (await c.request("GET", `/api/users/${code}`)).json()) as { schedules: string[] };
    expect(person.schedules).toEqual(["office"]);
    expect(w.app.services.audit.tail(10).find((r) => r.reason === "schedule_changed")).toMatchObject({
      detail: { by: adminCode(w), schedule: "office", previous: ["mon 18:00-22:00"] },
    });

    // Back outside: the change applies just as fast the other way.
    await c.request("PUT", "/api/schedules/office", { windows: ["sat 10:00-12:00"] });
    await w.type("1234#");
    expect(w.app.services.audit.last()?.reason).toBe("outside_schedule");
  });

  it("validates the windows and the name, changing nothing; needs a session and the CSRF token", async () => {
    await loggedIn();
    await c.request("POST", "/api/schedules", { name: "office", windows: ["mon 08:00-09:00"] });
    const cases: Array<[string, unknown, number, string | null]> = [
      ["/api/schedules/office", { windows: ["mon 08:00-09:00", "someday 8-9"] }, 400, "windows.1"],
      ["/api/schedules/office", { windows: [] }, 400, "windows"],
      ["/api/schedules/office", { windows: ["mon 08:00-09:00"], name: "x" }, 400, null],
      ["/api/schedules/nope", { windows: ["mon 08:00-09:00"] }, 404, "name"],
    ];
    for (const [path, body, status, field] of cases) {
      const res = await c.request("PUT", path, body);
      expect(res.status, JSON.stringify(body)).toBe(status);
      expect(((await res.json()) as { field: string | null }).field, JSON.stringify(body)).toBe(field);
    }
    const body = { windows: ["tue 08:00-09:00"] };
    expect((await new ApiClient(w.base).request("PUT", "/api/schedules/office", body)).status).toBe(401);
    expect((await c.request("PUT", "/api/schedules/office", body, { "x-csrf-token": "" })).status).toBe(403);
    const list = (await (await c.request("GET", "/api/schedules")).json()) as {
      schedules: Array<{ windows: string[] }>;
    };
    expect(list.schedules[0]?.windows).toEqual(["mon 08:00-09:00"]);
  });
});

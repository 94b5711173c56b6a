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

describe("admin API: people, log, door", () => {
  it("adds a person with a PIN; the audit rows name the admin; the PIN opens the door", async () => {
    await loggedIn();
    const res = await c.request("POST", "/api/users", { name: "Grace", pin: "4711" });
    expect(res.status).toBe(201);
    const person = (await res.json()) as { user_code: string; credentials: string[] };
    expect(person.credentials).toEqual(["pin"]);
    const changes = w.app.services.audit.tail(2);
    expect(changes.map((r) => [r.reason, r.userCode, r.detail?.by])).toEqual([
      ["user_added", person.user_code, adminCode(w)],
      ["pin_set", person.user_code, adminCode(w)],
    ]);
    expect(JSON.stringify(changes)).not.toMatch(/Grace|4711/);
    await w.type("4711#");
    expect(w.sim.door.boltReleased).toBe(true);
  });

  it("validates every input and answers {error, field}", async () => {
    await loggedIn();
    const cases: Array<[string, string, unknown, string | null]> = [
      ["POST", "/api/users", { name: "" }, "name"],
      ["POST", "/api/users", { name: "x", pin: "12a4" }, "pin"],
      ["POST", "/api/users", { name: "x", pin: "12" }, "pin"],
      ["POST", "/api/users", { name: "x", valid_until: "tomorrow" }, "valid_until"],
      ["POST", "/api/users", { name: "x", extra: 1 }, null],
      ["PUT", "/api/users/nobody/pin", { pin: "1234" }, "user"],
      ["POST", "/api/door/unlock", {}, "confirm"],
    ];
    for (const [method, path, body, field] of cases) {
      const res = await c.request(method, path, body);
      expect(res.status, JSON.stringify(body)).toBeGreaterThanOrEqual(400);
      const json = (await res.json()) as { error: string; field: string | null };
      expect(json.error.length, path).toBeGreaterThan(0);
      expect(json.field, JSON.stringify(body)).toBe(field);
    }
    const badQuery = await c.request("GET", "/api/log?outcome=maybe");
    expect(await badQuery.json()).toMatchObject({ field: "outcome" });
    const notJson = await c.request("POST", "/api/users", undefined, { "content-type": "text/plain" });
    expect(notJson.status).toBe(400); // empty body → {} → name missing
    expect(w.app.services.users.list()).toHaveLength(0);
  });

  it("refuses a PIN someone else holds with 409, without saying whose, and creates nobody", async () => {
    await loggedIn();
    w.addUserWithPin("alice", "1234");
    const res = await c.request("POST", "/api/users", { name: "bob", pin: "1234" });
    expect(res.status).toBe(409);
    expect(await res.json()).toEqual({ error: "this PIN is not available; choose another", field: "pin" });
    expect(w.app.services.users.find("bob")).toBeUndefined();
  });

  it("disables, enables, sets a PIN and removes, each an audit event by the admin", async () => {
    await loggedIn();
    const code = w.addUserWithPin("alice", "1234");
    expect((await c.request("POST", `/api/users/${code}/disable`)).status).toBe(200);
    await w.type("1234#");
    expect(w.app.services.audit.last()).toMatchObject({ outcome: "denied", reason: "user_disabled" });
    expect((await c.request("POST", "/api/users/alice/enable")).status).toBe(200);
    expect((await c.request("PUT", "/api/users/alice/pin", { pin: "2468" })).status).toBe(200);
    expect((await c.request("DELETE", "/api/users/alice")).status).toBe(200);
    const by = w.app.services.audit
      .tail(20)
      .filter((r) => r.detail?.by === adminCode(w))
      .map((r) => r.reason);
    expect(by).toEqual(expect.arrayContaining(["user_disabled", "user_enabled", "pin_set", "user_removed"]));
    const users = (await (await c.request("GET", "/api/users")).json()) as { users: unknown[] };
    expect(users.users).toEqual([]);
  });

  it("filters the log and exports it as CSV and JSON", async () => {
    await loggedIn();
    const code = w.addUserWithPin("alice", "1234");
    await w.type("1234#");
    await w.type("9999#");
    const denied = (await (await c.request("GET", "/api/log?outcome=denied")).json()) as {
      events: Array<{ reason: string }>;
    };
    expect(denied.events.map((e) => e.reason)).toEqual(["unknown_credential"]);
    const mine = (await (await c.request("GET", "/api/log?user=alice&reason=granted")).json()) as {
      total: number;
    };
    expect(mine.total).toBe(1);
    const csv = await c.request("GET", "/api/log/export?format=csv&outcome=granted");
    expect(csv.headers.get("content-type")).toContain("text/csv");
    expect(csv.headers.get("content-disposition")).toMatch(/attachment; filename="doorward-log-.*\.csv"/);
    const lines = (await csv.text()).trim().split("\r\n");
    expect(lines[0]).toBe("ts,seq,door,kind,credential,outcome,reason,user_code,detail,hash");
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain(`,granted,granted,${code},`);
    const json = (await (await c.request("GET", "/api/log/export?format=json")).json()) as Array<{
      reason: string;
    }>;
    expect(json.map((r) => r.reason)).toEqual(
      expect.arrayContaining(["granted", "unknown_credential", "admin_login"]),
    );
    expect(JSON.stringify(json)).not.toContain("alice");
  });

  it("unlock once commits the audit row (remote, by the admin) before the relay releases", async () => {
    await loggedIn();
    // Every edge of the relay output with the last committed row at that moment; the release is
    // the edge to the energised level (the relay is wired active-high), not any later relock.
    const relay = w.sim.wiring.relay;
    const energised = relay.activeLow ? 0 : 1;
    const edges: Array<{ level: number; lastRow: string | undefined }> = [];
    w.sim.gpio.pin(relay.line).onChange((level) => {
      edges.push({ level, lastRow: w.app.services.audit.last()?.reason });
    });
    const res = await c.request("POST", "/api/door/unlock", { confirm: true });
    expect(res.status).toBe(200);
    expect(w.app.services.audit.last()).toMatchObject({
      kind: "access",
      reason: "remote_unlock",
      credential: "remote",
      outcome: "granted",
      detail: { by: adminCode(w) },
    });
    const release = edges.find((e) => e.level === energised);
    expect(release, JSON.stringify(edges)).toEqual({ level: energised, lastRow: "remote_unlock" });
    expect(w.sim.door.boltReleased).toBe(true);
    const status = (await (await c.request("GET", "/api/status")).json()) as { door: { lock: string } };
    expect(status.door.lock).toBe("unlocked");
  });

  it("reports log verification and streams new audit rows over SSE", async () => {
    await loggedIn();
    expect(await (await c.request("GET", "/api/log/verify")).json()).toMatchObject({ ok: true });
    const res = await c.request("GET", "/api/events");
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    let text = "";
    const readUntil = async (needle: string) => {
      while (!text.includes(needle)) text += new TextDecoder().decode((await reader.read()).value);
    };
    await readUntil("event: status");
    await w.type("9999#");
    await readUntil("unknown_credential");
    expect(text).toMatch(/event: audit\ndata: \{.*"reason":"unknown_credential"/);
    await reader.cancel();
  });
});

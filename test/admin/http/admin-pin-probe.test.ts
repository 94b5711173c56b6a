import { afterEach, describe, expect, it } from "vitest";
import { FakeClock } from "../../../simulator/fake-clock.js";
import { AdminAccountStore } from "../../../src/admin/http/admin-account-store.js";
import { ConflictAllowance } from "../../../src/admin/http/conflict-allowance.js";
import { openDatabase } from "../../../src/store/open-database.js";
import { cli, writeConfig } from "../../helpers/cli.js";
import { tempDir } from "../../helpers/harness.js";
import { ApiClient, adminCode, startWebHarness, type WebHarness } from "./web-harness.js";

let w: WebHarness;
afterEach(async () => {
  await w?.stop();
});

async function setup() {
  w = await startWebHarness();
  for (let i = 0; i < 6; i++) w.addUserWithPin(`holder${i}`, `10${i}0`);
  const prober = w.app.services.users.add("prober", w.clock.now());
  const c = new ApiClient(w.base);
  await c.login();
  return { c, prober: prober.userCode };
}

const probeReasons = (w: WebHarness) => w.reasons().filter((r) => r === "admin_pin_probe");

describe("PIN and badge conflict probing", () => {
  it("the 6th 'not available' within an hour ends the session and raises admin_pin_probe", async () => {
    const { c, prober } = await setup();
    for (let i = 0; i < 5; i++) {
      const res = await c.request("PUT", `/api/users/${prober}/pin`, { pin: `10${i}0` });
      expect(res.status).toBe(409);
    }
    const sixth = await c.request("PUT", `/api/users/${prober}/pin`, { pin: "1050" });
    expect(sixth.status).toBe(401);
    expect(await sixth.json()).toMatchObject({ error: expect.stringContaining("session ended") });
    expect((await c.request("GET", "/api/session")).status).toBe(401);
    expect(w.app.services.audit.last()).toMatchObject({
      reason: "admin_pin_probe",
      detail: { by: adminCode(w), refusals: 6, window_s: 3600 },
    });
    // Logging in again does not reset the count: the next conflict in the hour ends that session too.
    await c.login();
    expect((await c.request("POST", "/api/users", { name: "x", pin: "1000" })).status).toBe(401);
    expect(w.app.services.users.find("x")).toBeUndefined();
    expect(probeReasons(w)).toHaveLength(2);
  });

  it("the allowance is a sliding hour, per admin, kept in the database (store level, no door timers)", async () => {
    const clock = new FakeClock();
    const db = openDatabase(":memory:");
    const accounts = new AdminAccountStore(db);
    accounts.add("ada", "scrypt$x", clock.now());
    accounts.add("bob", "scrypt$x", clock.now());
    const allowance = new ConflictAllowance(db, clock);
    for (let i = 1; i <= 5; i++) expect(allowance.record("ada")).toBe(i);
    expect(allowance.record("bob")).toBe(1);
    await clock.advance(3_600_000);
    expect(new ConflictAllowance(db, clock).record("ada")).toBe(1);
  });

  it("duress PINs and badges count against the same allowance", async () => {
    const { c, prober } = await setup();
    const other = w.app.services.users.require("holder0");
    w.app.services.users.setCredential(other.id, "badge", w.app.services.hasher.hash("badge", "777"), 0);
    for (let i = 0; i < 3; i++)
      expect((await c.request("PUT", `/api/users/${prober}/duress-pin`, { pin: `10${i}0` })).status).toBe(
        409,
      );
    for (let i = 0; i < 2; i++)
      expect((await c.request("POST", `/api/users/${prober}/badge`, { number: "777" })).status).toBe(409);
    expect((await c.request("POST", `/api/users/${prober}/badge`, { number: "0777" })).status).toBe(401);
    expect(probeReasons(w)).toHaveLength(1);
  });

  it("a random PIN is generated on request, shown once in the answer and never stored or logged in clear", async () => {
    const { c, prober } = await setup();
    const res = await c.request("PUT", `/api/users/${prober}/pin`, { random: true });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { pin: string; credentials: string[] };
    expect(body.pin).toMatch(/^[0-9]{6}$/);
    expect(body.credentials).toEqual(["pin"]);
    expect(
      w.app.services.users.findByCredential("pin", w.app.services.hasher.hash("pin", body.pin))?.userCode,
    ).toBe(prober);
    expect(JSON.stringify(w.app.services.audit.tail(5))).not.toContain(body.pin);
    const shown = await c.request("GET", `/api/users/${prober}`);
    expect(JSON.stringify(await shown.json())).not.toContain(body.pin);
    const duress = (await (
      await c.request("PUT", `/api/users/${prober}/duress-pin`, { random: true })
    ).json()) as { pin: string; credentials: string[] };
    expect(duress.pin).toMatch(/^[0-9]{6}$/);
    expect(duress.pin).not.toBe(body.pin);
    expect(duress.credentials).toContain("duress");
  });

  it("a PIN and `random` together, or neither, is a 400 naming the field", async () => {
    const { c, prober } = await setup();
    const both = await c.request("PUT", `/api/users/${prober}/pin`, { pin: "4321", random: true });
    expect(both.status).toBe(400);
    const neither = await c.request("PUT", `/api/users/${prober}/pin`, {});
    expect(neither.status).toBe(400);
    expect(await neither.json()).toMatchObject({ field: "pin" });
  });
});

describe("doorward pin set USER --random", () => {
  it("sets a random PIN, prints it once, and reads nothing from stdin", async () => {
    const dir = tempDir();
    const config = writeConfig(dir, `${dir}/data`);
    await cli(["user", "add", "grace", "--config", config]);
    const r = await cli(["pin", "set", "grace", "--random", "--config", config], { stdin: "1234\n" });
    expect(r.code).toBe(0);
    const pin = /\b([0-9]{6})\b/.exec(r.stdout)?.[1];
    expect(pin).toBeDefined();
    expect(r.stdout).toContain("shown once");
    const duress = await cli(["duress", "set", "grace", "--random", "--config", config]);
    expect(duress.code).toBe(0);
    expect(duress.stdout).toMatch(/\b[0-9]{6}\b/);
    const show = await cli(["user", "show", "grace", "--config", config]);
    expect(JSON.parse(show.stdout).credentials.sort()).toEqual(["duress", "pin"]);
    const log = await cli(["log", "export", "--format", "json", "--config", config]);
    expect(log.stdout).not.toContain(pin);
  });
});

import { afterEach, describe, expect, it } from "vitest";
import { ActorCodes } from "../../src/audit/actor-codes.js";
import { EventOutbox } from "../../src/mqtt/event-outbox.js";
import { KeyValueStore } from "../../src/store/key-value-store.js";
import { cli, writeConfig } from "../helpers/cli.js";
import { type Harness, startHarness, tempDir } from "../helpers/harness.js";
import { adminFor, switchMode } from "../integration/policy-helpers.js";

// Issue 10 item 9: admins are people too. Events that leave the device carry admin codes, not
// account names (`os:root`, `web:ada`), unless an export on the device asks --with-names.
let h: Harness | undefined;
afterEach(async () => {
  await h?.app.stop();
  h = undefined;
});

async function changesByTwoAdmins() {
  h = await startHarness();
  const config = writeConfig(tempDir(), h.settings.data_dir);
  adminFor(h, "web:ada").addSchedule("office", [{ weekday: 1, startMin: 480, endMin: 1080 }]);
  await switchMode(h.app.services.commands, h.settings.door_id, "lockdown", "os:root");
  return { harness: h, config };
}

const byOf = (out: string) =>
  out
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as { detail: { by?: string } | null })
    .map((r) => r.detail?.by)
    .filter((b): b is string => typeof b === "string");

describe("identities in exports", () => {
  it("--pseudonymous replaces admin accounts with stable admin codes", async () => {
    const { config } = await changesByTwoAdmins();
    const first = await cli(["log", "export", "--format", "json", "--pseudonymous", "--config", config]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).not.toContain("web:ada");
    expect(first.stdout).not.toContain("os:root");
    const by = byOf(first.stdout);
    expect(by).toEqual([
      expect.stringMatching(/^web:a-[0-9A-Z]{6}$/),
      expect.stringMatching(/^os:a-[0-9A-Z]{6}$/),
    ]);
    expect(by[0]?.slice(4)).not.toBe(by[1]?.slice(3));
    // Stable: the same code in the next export, and in CSV.
    const again = await cli(["log", "export", "--format", "json", "--pseudonymous", "--config", config]);
    expect(byOf(again.stdout)).toEqual(by);
    const csv = await cli(["log", "export", "--format", "csv", "--config", config]);
    expect(csv.stdout).toContain(by[0]);
    expect(csv.stdout).not.toContain("web:ada");
  });

  it("the default export and tail follow the same rule; --with-names shows the accounts", async () => {
    const { config } = await changesByTwoAdmins();
    const plain = await cli(["log", "export", "--format", "json", "--config", config]);
    const pseudo = await cli(["log", "export", "--format", "json", "--pseudonymous", "--config", config]);
    expect(plain.stdout).toBe(pseudo.stdout);
    const tail = await cli(["log", "tail", "--config", config]);
    expect(tail.stdout).not.toContain("web:ada");
    const named = await cli(["log", "export", "--format", "json", "--with-names", "--config", config]);
    expect(byOf(named.stdout)).toEqual(["web:ada", "os:root"]);
  });
});

describe("identities on MQTT", () => {
  it("P/event carries the row exactly as hashed (the hub checks the chain), people as user codes", async () => {
    const { harness } = await changesByTwoAdmins();
    const { db, audit } = harness.app.services;
    const events = new EventOutbox(db, new KeyValueStore(db)).next(0, 1000);
    for (const e of events) {
      const row = audit.tail(1000).find((r) => r.seq === e.seq);
      expect(e.detail).toEqual(row?.detail ?? null);
    }
  });

  it("names no one when the value is a channel, not an account", () => {
    const codes = new ActorCodes(Buffer.alloc(32, 1));
    expect(codes.detail({ by: "mqtt" })).toEqual({ by: "mqtt" });
    expect(codes.detail({ by: "web", unknown_account: true })).toEqual({ by: "web", unknown_account: true });
    expect(codes.detail({ by: "os:root", admin: "web:ada" })).toEqual({
      by: codes.code("os:root"),
      admin: codes.code("web:ada"),
    });
  });
});

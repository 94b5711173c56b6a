import { generateKeyPairSync } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { LightDoor } from "../../simulator/light-door.js";
import { type IncomingEvent, ingestBatch } from "../../src/hub/ingest.js";
import { openHubStore } from "../../src/hub/store/open-hub-store.js";
import { cli } from "../helpers/cli.js";
import { tempDir } from "../helpers/harness.js";
import { cliDatabases } from "./hub-stores.js";

// PostgreSQL in WebAssembly starts in seconds, more on a loaded 2-core machine.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

const T0 = Date.parse("2026-03-03T08:00:00Z");

describe.each(cliDatabases())("doorward hub CLI on $name", (db) => {
  let config: string;
  const doorKey = generateKeyPairSync("ed25519");
  beforeAll(async () => {
    const dir = tempDir();
    config = join(dir, "config.yaml");
    const yaml = await db.yaml(dir);
    writeFileSync(config, yaml);
    const hub = (await import("../../src/config/load-settings.js")).loadSettingsFile(config).hub;
    const store = await openHubStore({ databaseUrl: hub.database_url, dataDir: hub.data_dir });
    const a = new LightDoor("records-room");
    const b = new LightDoor("archive");
    a.append(T0, { userCode: "u-ALICE1" });
    a.append(T0 + 60_000, { userCode: "u-BOB002", outcome: "denied", reason: "wrong_pin" });
    a.append(T0 + 86_400_000, { userCode: "u-ALICE1" });
    b.append(T0 + 30_000, { userCode: "u-ALICE1", detail: JSON.stringify({ note: "=cmd|x" }) });
    b.append(T0 + 90_000, { userCode: "u-BOB002" });
    const feed = (d: LightDoor): IncomingEvent[] =>
      d.events.map((event) => ({ event, prefix: `doorward/${d.door}` }));
    await store.transaction((tx) => ingestBatch(tx, [...feed(a), ...feed(b)], T0 + 100_000_000));
    // Someone with database access alters a stored row: verify must name it.
    await store.query("UPDATE hub_events SET user_code = 'u-MALORY' WHERE door = 'archive' AND seq = 2");
    await store.close();
  });
  afterAll(() => {});

  const run = (...args: string[]) => cli(["hub", ...args, "--config", config]);

  it("query filters by door, user, time and reason, as json, csv and a table, with codes and never names", async () => {
    const byUser = await run("query", "--user", "u-ALICE1", "--format", "json");
    expect(byUser.code).toBe(0);
    const rows = byUser.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(rows.map((r) => [r.door, r.seq])).toEqual([
      ["records-room", 1],
      ["archive", 1],
      ["records-room", 3],
    ]);
    const day = await run(
      "query",
      "--since",
      "2026-03-03",
      "--until",
      "2026-03-04",
      "--reason",
      "wrong_pin",
      "--format",
      "json",
    );
    expect(
      day.stdout
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l).user_code),
    ).toEqual(["u-BOB002"]);
    const csv = await run("query", "--door", "archive", "--format", "csv");
    const lines = csv.stdout.trim().split("\n");
    expect(lines[0]).toBe("ts,door,seq,kind,credential,outcome,reason,user_code,detail,hash");
    expect(lines).toHaveLength(3);
    expect(lines[1]).toContain(`"{""note"":""=cmd|x""}"`);
    const table = await run("query", "--door", "records-room");
    expect(table.stdout.split("\n")[0]).toMatch(/^ts\s+door\s+seq\s+outcome\s+reason\s+user_code$/);
    expect(table.stdout).toContain("wrong_pin");
  });

  it("doors lists each door's last seq and chain state; verify names the altered row and exits 1", async () => {
    const doors = await run("doors", "--format", "json");
    const list = doors.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(list.map((d) => [d.door, d.last_seq, d.chain_state, d.status])).toEqual([
      ["archive", 2, "ok", "pending"],
      ["records-room", 3, "ok", "pending"],
    ]);
    const one = await run("verify", "--door", "records-room");
    expect(one).toMatchObject({ code: 0 });
    expect(one.stdout).toContain("records-room: ok, 3 rows, chain intact");
    const all = await run("verify");
    expect(all.code).toBe(1);
    expect(all.stdout).toContain("archive: BROKEN at seq 2: altered");
  });

  it("enrol takes a door's public key; approve needs a door the hub has seen", async () => {
    const pem = doorKey.publicKey.export({ type: "spki", format: "pem" }).toString();
    const enrolled = await run("enrol", "records-room", `--key=${pem}`);
    expect(enrolled).toMatchObject({ code: 0 });
    expect((await run("approve", "archive")).code).toBe(0);
    const doors = (await run("doors", "--format", "json")).stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(doors.map((d) => d.status)).toEqual(["approved", "enrolled"]);
    const unknown = await run("approve", "no-such-door");
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("no door 'no-such-door'");
  });

  it.each([
    [["hub", "frobnicate"], /unknown hub command 'frobnicate'/],
    [["hub", "query", "--format", "xml"], /--format: expected table, json, csv, got 'xml'/],
    [["hub", "query", "--since", "last tuesday"], /--since: expected an ISO 8601/],
    [["hub", "enrol", "records-room"], /--key FILE_OR_PEM is required/],
    [
      ["hub", "enrol", "records-room", "--key=-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----"],
      /--key: not an Ed25519 public key/,
    ],
    [["hub", "approve"], /expected one DOOR/],
    [["hub", "verify", "--bogus"], /Unknown option '--bogus'/],
  ])("wrong arguments %j: exit 2 with usage, no stack trace", async (args, message) => {
    const r = await cli([...args, "--config", config]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toContain("usage:");
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

describe("doorward hub CLI on the embedded database", () => {
  it("refuses, with a clear message and exit 1, to open the database a running hub holds", async () => {
    const dir = tempDir();
    const config = join(dir, "config.yaml");
    writeFileSync(config, `hub:\n  data_dir: ${join(dir, "hub")}\n`);
    const { mkdirSync } = await import("node:fs");
    mkdirSync(join(dir, "hub"));
    const { spawn } = await import("node:child_process");
    const runningHub = spawn("sleep", ["30"]);
    try {
      writeFileSync(join(dir, "hub", "hub.pid"), `${runningHub.pid}\n`);
      const r = await cli(["hub", "doors", "--config", config]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`in use by process ${runningHub.pid}`);
    } finally {
      runningHub.kill();
    }
  });
});

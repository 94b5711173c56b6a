import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { cli, writeConfig } from "../helpers/cli.js";
import { type Harness, startHarness, tempDir } from "../helpers/harness.js";

let h: Harness;
let config: string;
afterEach(async () => {
  await h?.app.stop();
});

async function withSomeHistory() {
  h = await startHarness();
  config = writeConfig(tempDir(), h.settings.data_dir);
  h.addUserWithPin("alice", "1234");
  await h.type("1234#");
  await h.clock.advance(6000);
  await h.type("9999#");
}

describe("doorward log", () => {
  it("exports one JSON object per line with the documented fields and no names", async () => {
    await withSomeHistory();
    const r = await cli(["log", "export", "--format", "json", "--config", config]);
    expect(r.code).toBe(0);
    const rows = r.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    const granted = rows.find((row) => row.reason === "granted");
    expect(Object.keys(granted)).toEqual(
      expect.arrayContaining([
        "ts",
        "seq",
        "door",
        "kind",
        "credential",
        "outcome",
        "reason",
        "user_code",
        "hash",
      ]),
    );
    expect(granted).toMatchObject({
      door: "records-room",
      kind: "access",
      credential: "pin",
      outcome: "granted",
    });
    expect(granted.ts).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(rows.find((row) => row.reason === "unknown_credential")).toMatchObject({
      user_code: null,
      outcome: "denied",
    });
    expect(r.stdout).not.toContain("alice");
    expect(rows.map((row) => row.seq)).toEqual([...rows.map((row) => row.seq)].sort((a, b) => a - b));
  });

  it("exports CSV with a header and filters by time", async () => {
    await withSomeHistory();
    const grantedAt = h.app.services.audit.tail(100).find((x) => x.reason === "granted")?.tsMs as number;
    const since = new Date(grantedAt + 1).toISOString();
    const r = await cli(["log", "export", "--format", "csv", "--since", since, "--config", config]);
    const [header, ...lines] = r.stdout.trim().split("\n");
    expect(header).toBe("ts,seq,door,kind,credential,outcome,reason,user_code,detail,hash");
    expect(lines.some((l) => l.includes(",granted,"))).toBe(false);
    expect(lines.some((l) => l.includes("unknown_credential"))).toBe(true);
  });

  it("tail prints the last N rows", async () => {
    await withSomeHistory();
    const r = await cli(["log", "tail", "-n", "2", "--config", config]);
    expect(r.stdout.trim().split("\n")).toHaveLength(2);
  });

  describe("verify", () => {
    it("passes on an untouched log", async () => {
      await withSomeHistory();
      const r = await cli(["log", "verify", "--config", config]);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^ok: \d+ rows/);
    });

    it("names the first edited row", async () => {
      await withSomeHistory();
      const seq = h.app.services.audit.tail(100).find((x) => x.reason === "unknown_credential")?.seq;
      h.app.services.db.prepare("UPDATE audit_events SET outcome = 'granted' WHERE seq = ?").run(seq);
      const r = await cli(["log", "verify", "--config", config]);
      expect(r.code).toBe(1);
      expect(r.stdout).toContain(`row ${seq}: content does not match its hash (edited)`);
    });

    it("names a deleted row", async () => {
      await withSomeHistory();
      h.app.services.db.prepare("DELETE FROM audit_events WHERE seq = 2").run();
      const r = await cli(["log", "verify", "--config", config]);
      expect(r.code).toBe(1);
      expect(r.stdout).toContain("row 2 is missing");
    });

    it("catches rows swapped into another order", async () => {
      await withSomeHistory();
      const { db } = h.app.services;
      // Swap the contents of rows 2 and 3, keeping their seq numbers: a reordering.
      const cols = "ts_ms, door, kind, credential, outcome, reason, user_code, detail, prev_hash, hash";
      const two = db.prepare(`SELECT ${cols} FROM audit_events WHERE seq = 2`).get() as Record<
        string,
        unknown
      >;
      const three = db.prepare(`SELECT ${cols} FROM audit_events WHERE seq = 3`).get() as Record<
        string,
        unknown
      >;
      const set = db.prepare(
        "UPDATE audit_events SET ts_ms=@ts_ms, door=@door, kind=@kind, credential=@credential, outcome=@outcome, reason=@reason, user_code=@user_code, detail=@detail, prev_hash=@prev_hash, hash=@hash WHERE seq=@seq",
      );
      set.run({ ...three, seq: 2 });
      set.run({ ...two, seq: 3 });
      const r = await cli(["log", "verify", "--config", config]);
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/TAMPERED: row 2/);
    });
  });
});

describe("a CLI change applies to the next attempt without a restart", () => {
  it("a user added and given a PIN by another process can open the running controller's door", async () => {
    h = await startHarness();
    config = writeConfig(tempDir(), h.settings.data_dir);
    await h.type("2468#");
    expect(h.app.services.audit.last()?.reason).toBe("unknown_credential");
    const { spawnSync } = await import("node:child_process");
    const run = (args: string[], input = "") =>
      spawnSync(process.execPath, [join("bin", "doorward.js"), ...args, "--config", config], {
        input,
        encoding: "utf8",
      });
    expect(run(["user", "add", "frank"]).status).toBe(0);
    const pin = run(["pin", "set", "frank"], "2468\n");
    expect(pin.status, pin.stderr).toBe(0);
    await h.type("2468#");
    expect(h.app.services.audit.last()).toMatchObject({ outcome: "granted" });
    expect(h.sim.door.boltReleased).toBe(true);
    // And disabling takes effect just as fast.
    expect(run(["user", "disable", "frank"]).status).toBe(0);
    await h.clock.advance(6000);
    await h.type("2468#");
    expect(h.app.services.audit.last()).toMatchObject({ reason: "user_disabled" });
  });
});

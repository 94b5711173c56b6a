import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { doorKv, doorModeKey, moveSingleDoorState } from "../../src/store/door-state.js";
import { migrations } from "../../src/store/migrations.js";
import { openDatabase } from "../../src/store/open-database.js";
import { PolicyStore } from "../../src/store/policy-store.js";
import { tempDir } from "../helpers/harness.js";
import { singleDoorDatabase } from "../helpers/single-door-db.js";

const keys = (path: string) =>
  openDatabase(path)
    .prepare<[], { key: string }>("SELECT key FROM kv ORDER BY key")
    .all()
    .map((r) => r.key);

describe("single-door database upgrade (migration 8 + door namespace)", () => {
  it("a single-door file: lockouts and first-in date move under door:<id>:, once; the mode keeps door:mode", () => {
    const path = singleDoorDatabase();
    const db = openDatabase(path);
    // Upgraded through every migration (8: the door namespace, 9: access levels, ...).
    expect(db.pragma("user_version", { simple: true })).toBe(Math.max(...migrations.map((m) => m.version)));
    expect(moveSingleDoorState(db, "archive", false)).toBe(2);
    expect(moveSingleDoorState(db, "archive", false)).toBe(0);
    expect(new PolicyStore(db, doorModeKey("archive", false)).mode()).toEqual({
      mode: "lockdown",
      since_ms: 5,
      by: "os:root",
    });
    expect(doorKv(db, "archive").getJson("lockout:keypad")).toMatchObject({ consecutiveFailures: 3 });
    expect(doorKv(db, "archive").getJson("policy:first_in_date")).toBe("2026-12-01");
    db.close();
    expect(keys(path)).toEqual([
      "door:archive:lockout:keypad",
      "door:archive:policy:first_in_date",
      "door:mode",
      "lockout:ha_code",
      "mqtt:published_seq",
    ]);
  });

  it("a doors: list: the old mode becomes the first door's too", () => {
    const path = singleDoorDatabase();
    const db = openDatabase(path);
    expect(moveSingleDoorState(db, "outer", true)).toBe(3);
    expect(new PolicyStore(db, doorModeKey("outer", true)).mode().mode).toBe("lockdown");
    expect(new PolicyStore(db, doorModeKey("cage", true)).mode().mode).toBe("normal");
    db.close();
    expect(keys(path)).toEqual([
      "door:outer:lockout:keypad",
      "door:outer:mode",
      "door:outer:policy:first_in_date",
      "lockout:ha_code",
      "mqtt:published_seq",
    ]);
  });

  it("a key already under the door wins over a stale top-level one", () => {
    const path = singleDoorDatabase();
    const db = openDatabase(path);
    new PolicyStore(db, doorModeKey("archive", true)).setMode({ mode: "normal", since_ms: 9, by: "web:ada" });
    moveSingleDoorState(db, "archive", true);
    expect(new PolicyStore(db, doorModeKey("archive", true)).mode().by).toBe("web:ada");
    expect(db.prepare("SELECT 1 FROM kv WHERE key = 'door:mode'").get()).toBeUndefined();
    db.close();
  });

  it("any door's mode moves the policy revision, on either connection", () => {
    const path = join(tempDir(), "d.db");
    const service = openDatabase(path);
    const cli = openDatabase(path);
    const inner = new PolicyStore(service, doorModeKey("inner", true));
    const before = inner.revision();
    new PolicyStore(cli, doorModeKey("inner", true)).setMode({ mode: "lockdown", since_ms: 1, by: "os:cli" });
    expect(inner.revision()).toBe(before + 1);
    expect(inner.snapshot().mode.mode).toBe("lockdown");
    new PolicyStore(cli, doorModeKey("outer", true)).setMode({
      mode: "emergency_unlock",
      since_ms: 2,
      by: "os:cli",
    });
    expect(inner.revision()).toBe(before + 2);
    // The other door's mode is its own.
    expect(inner.snapshot().mode.mode).toBe("lockdown");
    // Other door state does not force a reload.
    doorKv(cli, "inner").setJson("lockout:pin", {});
    expect(inner.revision()).toBe(before + 2);
    cli.close();
    service.close();
  });
});

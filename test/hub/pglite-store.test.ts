import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join, sep } from "node:path";
import { describe, expect, it } from "vitest";
import { migrate } from "../../src/hub/store/migrations.js";
import { openPgliteStore, PGLITE_SETTINGS } from "../../src/hub/store/pglite-store.js";
import { tempDir } from "../helpers/harness.js";

// initdb of PGlite takes 10–20 s on a loaded 2-core machine.
const INITDB_MS = 120_000;

describe("the embedded hub database (PGlite)", () => {
  it(
    "a new data dir is made in a child process, opens with the hub's small PostgreSQL memory settings, and keeps its rows",
    async () => {
      const dir = join(tempDir(), "pgdata");
      const store = await openPgliteStore(dir);
      try {
        await migrate(store);
        const show = async (name: string) =>
          (await store.query<Record<string, string>>(`SHOW ${name}`))[0]?.[name];
        expect(await show("shared_buffers")).toBe("16MB");
        expect(await show("maintenance_work_mem")).toBe("16MB");
        for (const [name, value] of Object.entries(PGLITE_SETTINGS)) expect(await show(name)).toBe(value);
        await store.query("INSERT INTO hub_alerts (door, kind, seq, detail) VALUES ('d1', 'gap', 7, '{}')");
      } finally {
        await store.close();
      }
      expect(existsSync(join(dir, "PG_VERSION"))).toBe(true);
      expect(readdirSync(join(dir, ".."))).toEqual(["pgdata"]);

      const again = await openPgliteStore(dir);
      try {
        expect(await again.query("SELECT door, kind, seq FROM hub_alerts")).toEqual([
          { door: "d1", kind: "gap", seq: 7 },
        ]);
        expect(await again.query("SHOW shared_buffers")).toEqual([{ shared_buffers: "16MB" }]);
      } finally {
        await again.close();
      }
    },
    INITDB_MS * 2,
  );

  it(
    "an initdb cut short earlier (its build dir left beside an empty data dir) is started over",
    async () => {
      const dir = join(tempDir(), "pgdata");
      mkdirSync(dir);
      const cutShort = `${dir}.initdb-999999`;
      mkdirSync(cutShort);
      writeFileSync(join(cutShort, "PG_VERSION"), "18\n"); // half made: a version, no catalog
      const store = await openPgliteStore(dir);
      try {
        await migrate(store);
        expect(await store.query("SELECT count(*)::int AS n FROM hub_events")).toEqual([{ n: 0 }]);
      } finally {
        await store.close();
      }
      expect(readdirSync(join(dir, ".."))).toEqual(["pgdata"]);
    },
    INITDB_MS,
  );

  it(
    "a committed INSERT has fsync'd the host's WAL file under the data dir before it returns (fsync on, PGlite's other defaults kept)",
    async () => {
      const dir = join(tempDir(), "pgdata");
      const synced: string[] = [];
      const store = await openPgliteStore(dir, { onFsync: (hostPath) => synced.push(hostPath) });
      try {
        await migrate(store);
        const show = async (name: string) =>
          (await store.query<Record<string, string>>(`SHOW ${name}`))[0]?.[name];
        expect(await show("fsync")).toBe("on");
        expect(await show("synchronous_commit")).toBe("on");
        // Emscripten's fdatasync never reaches the file system; its fsync does.
        expect(await show("wal_sync_method")).toBe("fsync");
        expect(await show("search_path")).toBe("public"); // PGlite's start parameters still apply
        expect(await show("max_worker_processes")).toBe("0");

        synced.length = 0;
        await store.transaction(async (tx) => {
          await tx.query("INSERT INTO hub_alerts (door, kind, seq, detail) VALUES ('d1', 'gap', 7, '{}')");
          expect(synced).toEqual([]); // nothing is synced before the commit
        });
        const walSynced = synced.filter((path) => path.startsWith(join(dir, "pg_wal") + sep));
        expect(walSynced.length).toBeGreaterThan(0);
      } finally {
        await store.close();
      }
    },
    INITDB_MS,
  );

  it("a data dir holding other files and no cluster is refused, naming it, and left as it was", async () => {
    const dir = join(tempDir(), "pgdata");
    mkdirSync(dir);
    writeFileSync(join(dir, "notes.txt"), "not a database\n");
    await expect(openPgliteStore(dir)).rejects.toThrow(`${dir} holds files but no PostgreSQL cluster`);
    expect(readdirSync(dir)).toEqual(["notes.txt"]);
    expect(readdirSync(join(dir, ".."))).toEqual(["pgdata"]);
  });
});

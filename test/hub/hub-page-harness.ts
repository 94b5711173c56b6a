import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { LightDoor } from "../../simulator/light-door.js";
import { hashPassword } from "../../src/admin/http/password-hasher.js";
import { hubSchema } from "../../src/config/hub-schema.js";
import { AuditorAccounts } from "../../src/hub/http/auditor-accounts.js";
import { migrateAuditorTables } from "../../src/hub/http/auditor-schema.js";
import { AuditorTrail } from "../../src/hub/http/auditor-trail.js";
import { HubHttpServer } from "../../src/hub/http/hub-http-server.js";
import { type IncomingEvent, ingestBatch } from "../../src/hub/ingest.js";
import type { HubStore } from "../../src/hub/store/hub-store.js";
import { createLogger } from "../../src/logger.js";
import { tempDir } from "../helpers/harness.js";

// The page's certificate is self-signed: these tests talk to it on localhost only.
process.env.NODE_TLS_REJECT_UNAUTHORIZED = "0";

export const T0 = Date.parse("2026-03-03T08:00:00Z");
const MIN = 60_000;

/**
 * Known events: records-room has 2 entries and 1 denial in the 08:00 hour and 1 denial at
 * 09:05, archive 1 entry at 08:15 and 1 at 10:59; then records-room's tail from seq 3 is
 * rewritten and re-sent, so the hub flags a fork at seq 3.
 */
export async function seedHub(store: HubStore): Promise<void> {
  const room = new LightDoor("records-room");
  const archive = new LightDoor("archive");
  room.append(T0 + 10 * MIN, { userCode: "u-ALICE1" });
  room.append(T0 + 20 * MIN, { userCode: "u-BOB002" });
  room.append(T0 + 30 * MIN, { userCode: "u-BOB002", outcome: "denied", reason: "wrong_pin" });
  room.append(T0 + 65 * MIN, { userCode: "u-ZED999", outcome: "denied", reason: "unknown_credential" });
  archive.append(T0 + 15 * MIN, { userCode: "u-ALICE1" });
  archive.append(T0 + 179 * MIN, { userCode: "u-CAROL3" });
  const feed = (d: LightDoor): IncomingEvent[] =>
    d.events.map((event) => ({ event, prefix: `doorward/${d.door}` }));
  await store.transaction((tx) => ingestBatch(tx, [...feed(room), ...feed(archive)], T0 + 180 * MIN));
  room.rewriteFrom(3, "granted");
  await store.transaction((tx) => ingestBatch(tx, feed(room).slice(2), T0 + 181 * MIN));
}

export interface PageHarness {
  server: HubHttpServer;
  base: string;
  store: HubStore;
  /** The page's clock: tests move it to expire sessions. */
  clock: { now: number };
  /** The auditor trail's key `ada` was added under: a CLI changing auditors is given the same. */
  trailKey: Buffer;
  /** The hub's data dir, where that key is (`auditor-trail.key`). */
  dataDir: string;
  stop(): Promise<void>;
}

/** The page over a store, with auditor `ada` / `correct horse`, on a free port. */
export async function startPage(store: HubStore, http: Record<string, unknown> = {}): Promise<PageHarness> {
  await migrateAuditorTables(store);
  const trailKey = randomBytes(32);
  await new AuditorAccounts(store, new AuditorTrail(trailKey)).add(
    "ada",
    await hashPassword("correct horse", { n: 2 ** 12 }),
    "os:test",
  );
  const clock = { now: T0 + 4 * 3_600_000 };
  const settings = hubSchema.parse({ data_dir: tempDir(), http: { port: 0, ...http } });
  writeFileSync(join(settings.data_dir, "auditor-trail.key"), trailKey, { mode: 0o600 });
  const server = new HubHttpServer({
    settings,
    store,
    now: () => clock.now,
    logger: createLogger("silent"),
    nameKey: randomBytes(32),
  });
  const { url } = await server.start();
  return {
    server,
    base: url.replace(/\/$/, ""),
    store,
    clock,
    trailKey,
    dataDir: settings.data_dir,
    async stop() {
      await server.stop();
      await store.close();
    },
  };
}

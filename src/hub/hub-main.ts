import type { HubSettings } from "../config/hub-schema.js";
import type { Logger } from "../logger.js";
import { HubHttpServer } from "./http/hub-http-server.js";
import { purgeHub } from "./hub-retention.js";
import { HubService } from "./hub-service.js";
import type { HubStore } from "./store/hub-store.js";
import { openHubStore } from "./store/open-hub-store.js";

export interface RunningHub {
  store: HubStore;
  service: HubService;
  /** The auditors' page, when hub.http.enabled and it could listen. */
  page: { server: HubHttpServer; url: string; fingerprint256: string } | null;
  stop(): Promise<void>;
}

const RETENTION_EVERY_MS = 3_600_000;

/**
 * The hub's composition root: its database, its MQTT ingest and its retention timer. It never
 * touches a door's services: doors are reached only through their MQTT topics.
 */
export async function startHub(settings: HubSettings, log: Logger): Promise<RunningHub> {
  const store = await openStoreRetrying(settings, log);
  const service = new HubService({ settings, store, log, now: () => Date.now() });
  await service.start();
  let timer: NodeJS.Timeout | null = null;
  if (settings.retention_days !== null) {
    const days = settings.retention_days;
    const purge = () =>
      purgeHub(store, days, Date.now())
        .then((r) => {
          if (r.droppedMonths.length) log.info(r, "hub retention: dropped months");
        })
        .catch((err) => log.error({ err: (err as Error).message }, "hub retention failed"));
    void purge();
    timer = setInterval(purge, RETENTION_EVERY_MS);
    timer.unref();
  }
  const page = settings.http.enabled ? await startPage(settings, store, log) : null;
  return {
    store,
    service,
    page,
    async stop() {
      if (timer) clearInterval(timer);
      await page?.server.stop();
      await service.stop();
      await store.close();
    },
  };
}

const OPEN_RETRY_MS = 2000;
const OPEN_GIVE_UP_MS = 120_000;

/**
 * A PostgreSQL that is restarting or not up yet (the hub started first at boot) is waited for,
 * for two minutes; the broker keeps the doors' events for the session meanwhile.
 */
async function openStoreRetrying(settings: HubSettings, log: Logger): Promise<HubStore> {
  const deadline = Date.now() + OPEN_GIVE_UP_MS;
  for (;;) {
    try {
      return await openHubStore({ databaseUrl: settings.database_url, dataDir: settings.data_dir });
    } catch (err) {
      if (!settings.database_url || Date.now() > deadline) throw err;
      log.warn({ err: (err as Error).message }, "hub database not reachable; retrying");
      await new Promise((r) => setTimeout(r, OPEN_RETRY_MS));
    }
  }
}

/**
 * The page shares the hub's store (PGlite is one process's database). A page that cannot listen
 * (port taken, unreadable certificate) is logged and the hub collects events without it:
 * ingest is what must not stop.
 */
async function startPage(settings: HubSettings, store: HubStore, log: Logger): Promise<RunningHub["page"]> {
  const server = new HubHttpServer({ settings, store, now: () => Date.now(), logger: log });
  try {
    const { url, fingerprint256 } = await server.start();
    return { server, url, fingerprint256 };
  } catch (err) {
    log.error(
      { err: (err as Error).message },
      "the auditors' page could not start; collecting events without it",
    );
    await server.stop().catch(() => {});
    return null;
  }
}

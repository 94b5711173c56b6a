import { afterEach, describe, expect, it, vi } from "vitest";
import { LightDoor } from "../../simulator/light-door.js";
import type { HubStore } from "../../src/hub/store/hub-store.js";
import { uniqueId } from "../helpers/mqtt-broker.js";
import { doorClient, hubSettings, publishEvents, startHub, waitForRows } from "./hub-harness.js";
import { hubStoreFactories } from "./hub-stores.js";
import { hasMosquitto, startMosquitto } from "./mosquitto.js";

// PostgreSQL in WebAssembly starts in seconds, more on a loaded 2-core machine.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

const T0 = Date.parse("2026-03-03T08:00:00Z");

describe.skipIf(!hasMosquitto).each(hubStoreFactories())(
  "two hubs on one shared subscription on $name",
  (factory) => {
    let store: HubStore;
    const cleanups: Array<() => Promise<void>> = [];
    afterEach(async () => {
      for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
      await store?.close();
    });

    it("against Mosquitto, every event is stored exactly once and both hubs take a share", async () => {
      const broker = await startMosquitto();
      cleanups.push(broker.stop);
      store = await factory.open();
      const site = uniqueId("site");
      const stored = [0, 0];
      for (const i of [0, 1]) {
        const hub = await startHub(
          { url: broker.url, kind: "external", close: async () => {} },
          store,
          hubSettings(site, { shared_subscription: true }),
          {},
          (r) => {
            stored[i] = (stored[i] ?? 0) + r.stored;
          },
        );
        cleanups.push(() => hub.stop());
      }
      const client = await doorClient(broker.url);
      cleanups.push(() => client.endAsync(true));
      const doors = Array.from({ length: 4 }, (_, i) => new LightDoor(`door-${i}`));
      for (const d of doors) for (let i = 0; i < 150; i++) d.append(T0 + i * 1000);
      // Interleaved, as a site's doors publish, and every door's events twice (a re-send).
      for (let round = 0; round < 2; round++)
        await Promise.all(
          doors.map((d) =>
            publishEvents(
              client,
              site,
              d,
              d.events.map((e) => e.seq),
            ),
          ),
        );
      for (const d of doors) await waitForRows(store, d.door, 150, 60_000);
      const [all] = await store.query<{ n: number; distinct_keys: number }>(
        "SELECT count(*)::bigint AS n, count(DISTINCT (door, seq))::bigint AS distinct_keys FROM hub_events",
      );
      expect(all).toEqual({ n: 600, distinct_keys: 600 });
      expect(stored[0]).toBeGreaterThan(0);
      expect(stored[1]).toBeGreaterThan(0);
      expect((stored[0] ?? 0) + (stored[1] ?? 0)).toBe(600);
    });
  },
);

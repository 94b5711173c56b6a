import { describe, expect, it, vi } from "vitest";
import { databasePath } from "../../src/app.js";
import { listDoors, queryEvents, verifyChains } from "../../src/hub/hub-queries.js";
import type { HubStore } from "../../src/hub/store/hub-store.js";
import { doorEntry, keypadReader } from "../helpers/doors.js";
import { type Harness, startHarness, tempDir } from "../helpers/harness.js";
import { uniqueId } from "../helpers/mqtt-broker.js";
import { hubSettings, startHub } from "./hub-harness.js";
import { hubStoreFactories } from "./hub-stores.js";
import { rewriteTail, useBrokerAndStore, waitFor } from "./real-door-rig.js";

// PostgreSQL in WebAssembly starts in seconds, more on a loaded 2-core machine.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

async function storedCount(store: HubStore): Promise<number> {
  const [r] = await store.query<{ n: number }>("SELECT count(*)::bigint AS n FROM hub_events");
  return r?.n ?? 0;
}

describe.each(hubStoreFactories())("a two-door controller's one chain at the hub on $name", (factory) => {
  const rig = useBrokerAndStore(factory);

  it("interleaved rows of both doors raise no gap, each row keeps its door, and a rewritten tail is a fork at its seq", async () => {
    const { broker, store, cleanups } = rig;
    const site = uniqueId("site");
    const hub = await startHub(broker, store, hubSettings(site));
    cleanups.push(() => hub.stop());
    const dataDir = tempDir();
    const controller = async (): Promise<Harness> => {
      const h = await startHarness({
        data_dir: dataDir,
        doors: [
          doorEntry("outer", 4, [keypadReader("outer-keypad", 0x34)]),
          doorEntry("cage", 7, [keypadReader("cage-keypad", 0x20)]),
        ],
        mqtt: { enabled: true, url: broker.url, prefix: site },
      });
      cleanups.push(() => h.app.stop());
      return h;
    };
    const first = await controller();
    const audit = first.app.services.audit;
    for (let i = 0; i < 12; i++)
      audit.append(
        { door: i % 2 ? "cage" : "outer", kind: "system", reason: "test_event" },
        first.clock.now(),
      );
    const last = audit.last()?.seq ?? 0;
    await first.app.services.mqtt?.waitForPublished(last);
    expect(
      await waitFor(
        () => storedCount(store),
        (n) => n >= last,
      ),
    ).toBe(last);

    const alerts = await store.query<{ kind: string }>(
      "SELECT kind FROM hub_alerts WHERE kind <> 'new_door'",
    );
    expect(alerts).toEqual([]);
    // One chain, the controller's (named by its topic, i.e. its first door), in state ok.
    const doors = await listDoors(store);
    expect(doors.map((d) => [d.door, d.chain_state, d.last_seq])).toEqual([["outer", "ok", last]]);
    expect(doors[0]?.doors).toEqual(["cage", "outer"]);
    // Each row keeps its door: the auditor's per-door query still works.
    const cage = await queryEvents(store, { door: "cage" });
    expect(cage.length).toBeGreaterThanOrEqual(6);
    expect(cage.every((r) => r.door === "cage")).toBe(true);
    expect((await queryEvents(store, { door: "outer" })).every((r) => r.door === "outer")).toBe(true);
    expect(await verifyChains(store)).toEqual([{ door: "outer", ok: true, checked: last }]);
    // `hub verify --door cage` walks the chain the cage is on.
    expect(await verifyChains(store, "cage")).toEqual([{ door: "outer", ok: true, checked: last }]);
    await first.app.stop();

    const firstRewritten = last - 4;
    rewriteTail(databasePath(first.settings), firstRewritten);
    // The controller runs on: its next rows link to the rewritten tail, and it answers the re-send.
    const second = await controller();
    second.app.services.audit.append(
      { door: "cage", kind: "system", reason: "test_event" },
      second.clock.now(),
    );
    const state = await waitFor(
      async () =>
        (
          await store.query<{ chain_state: string; state_seq: number | null }>(
            "SELECT chain_state, state_seq FROM hub_doors WHERE door = 'outer'",
          )
        )[0],
      (s) => s?.state_seq === firstRewritten,
    );
    expect(state).toEqual({ chain_state: "fork", state_seq: firstRewritten });
    const forks = await store.query<{ seq: number }>(
      "SELECT DISTINCT seq FROM hub_alerts WHERE kind = 'fork' ORDER BY seq",
    );
    expect(forks[0]?.seq).toBe(firstRewritten);
    expect(await store.query("SELECT kind FROM hub_alerts WHERE kind = 'gap'")).toEqual([]);
  });
});

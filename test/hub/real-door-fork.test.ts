import { describe, expect, it, vi } from "vitest";
import { databasePath } from "../../src/app.js";
import { type Harness, startHarness, tempDir } from "../helpers/harness.js";
import { uniqueId } from "../helpers/mqtt-broker.js";
import { hubSettings, startHub, waitForRows } from "./hub-harness.js";
import { hubStoreFactories } from "./hub-stores.js";
import { rewriteTail, useBrokerAndStore } from "./real-door-rig.js";

// PostgreSQL in WebAssembly starts in seconds, more on a loaded 2-core machine.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

describe.each(hubStoreFactories())("a real door's rewritten log, caught at the hub on $name", (factory) => {
  const rig = useBrokerAndStore(factory);

  it("a door whose tail was rewritten in its SQLite file is flagged fork with the first rewritten seq", async () => {
    const { broker, store, cleanups } = rig;
    const site = uniqueId("site");
    const doorId = uniqueId("door");
    const hub = await startHub(broker, store, hubSettings(site));
    cleanups.push(() => hub.stop());
    const dataDir = tempDir();
    const door = async (): Promise<Harness> => {
      const h = await startHarness({
        door_id: doorId,
        data_dir: dataDir,
        mqtt: { enabled: true, url: broker.url, prefix: `${site}/${doorId}` },
      });
      cleanups.push(() => h.app.stop());
      return h;
    };
    const first = await door();
    for (let i = 0; i < 10; i++)
      first.app.services.audit.append({ kind: "system", reason: "test_event" }, first.clock.now());
    const last = first.app.services.audit.last()?.seq ?? 0;
    await first.app.services.mqtt?.waitForPublished(last);
    await waitForRows(store, doorId, last);
    await first.app.stop();

    const firstRewritten = last - 4;
    rewriteTail(databasePath(first.settings), firstRewritten);

    // The door runs on: its next rows link to the rewritten tail, and it answers the hub's re-send.
    const second = await door();
    second.app.services.audit.append({ kind: "system", reason: "test_event" }, second.clock.now());
    const deadline = Date.now() + 20_000;
    let state: { chain_state: string; state_seq: number | null } | undefined;
    while (Date.now() < deadline) {
      [state] = await store.query("SELECT chain_state, state_seq FROM hub_doors WHERE door = $1", [doorId]);
      if (state?.state_seq === firstRewritten) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(state).toEqual({ chain_state: "fork", state_seq: firstRewritten });
    const forks = await store.query<{ seq: number }>(
      "SELECT DISTINCT seq FROM hub_alerts WHERE door = $1 AND kind = 'fork' ORDER BY seq",
      [doorId],
    );
    expect(forks[0]?.seq).toBe(firstRewritten);
    // The hub kept what it saw first: the original rows, which still verify.
    const [kept] = await store.query("SELECT reason FROM hub_events WHERE door = $1 AND seq = $2", [
      doorId,
      firstRewritten,
    ]);
    expect(kept).toEqual({ reason: "test_event" });
  });
});

import { afterEach, describe, expect, it } from "vitest";
import { checkSensorThroughService } from "../../src/doctor/service-sensor-check.js";
import { openDatabase } from "../../src/store/open-database.js";
import { SensorRequestStore } from "../../src/store/sensor-request-store.js";
import { type Harness, startHarness, tempDir } from "../helpers/harness.js";

/** doctor asks the running service about the sensor it holds (issue 11 F5), on the fake clock. */
let h: Harness | undefined;
afterEach(async () => {
  await h?.app.stop();
  h = undefined;
});

const askService = (harness: Harness) =>
  checkSensorThroughService({
    requests: new SensorRequestStore(harness.app.services.db),
    now: () => harness.clock.now(),
    sleep: (ms) => harness.clock.advance(ms),
  });

describe("checking the fingerprint sensor through the running service", () => {
  it("a working sensor: the service reads its slot table", async () => {
    h = await startHarness();
    h.sim.fingerprint.preload(4, "finger-4");
    expect(await askService(h)).toEqual({ answered: true, error: null, templates: 1, librarySize: 200 });
  });

  it("a failed sensor: the service's own error comes back", async () => {
    h = await startHarness();
    h.sim.fingerprint.silent = true;
    await h.clock.advance(3000);
    const answer = await askService(h);
    expect(answer).toMatchObject({ answered: true, error: expect.stringContaining("fingerprint sensor is") });
  });

  it("no service running: no answer, and the request is withdrawn", async () => {
    const db = openDatabase(`${tempDir()}/doorward.db`);
    const requests = new SensorRequestStore(db);
    let now = 0;
    const answer = await checkSensorThroughService({
      requests,
      now: () => now,
      sleep: async (ms) => {
        now += ms;
      },
    });
    expect(answer).toEqual({ answered: false });
    expect(requests.claimNext(now)).toBeUndefined();
    db.close();
  });
});

import { spawn } from "node:child_process";
import { join } from "node:path";
import { afterEach, beforeEach, expect, it } from "vitest";
import { systemClock } from "../../devices/system-clock.js";
import { AuditLog } from "../../src/audit/audit-log.js";
import { parseSettings } from "../../src/config/load-settings.js";
import { DoorCommands } from "../../src/door/door-commands.js";
import { createLogger } from "../../src/logger.js";
import { MqttBridge } from "../../src/mqtt/mqtt-bridge.js";
import { openDatabase } from "../../src/store/open-database.js";
import { tempDir } from "../helpers/harness.js";
import { startTestBroker, subscriber, type TestBroker, uniqueId } from "../helpers/mqtt-broker.js";
import { idleDoor } from "./fixtures/idle-door.js";

let broker: TestBroker;
beforeEach(async () => {
  broker = await startTestBroker();
});
afterEach(async () => {
  await broker.close();
});

it("loses nothing when the publishing process is killed with SIGKILL mid-drain", async () => {
  const door = uniqueId("door");
  const dbPath = join(tempDir(), "doorward.db");
  const topic = `doorward/${door}/event`;
  const sub = await subscriber(broker.url, [topic]);

  // A real process, really killed: bounded by the seq count, not by sleeps.
  const child = spawn(
    process.execPath,
    ["--import", "tsx", join(import.meta.dirname, "fixtures/outbox-writer.ts"), dbPath, broker.url, door],
    {
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  let lastPrinted = 0;
  await new Promise<void>((resolve, reject) => {
    child.stdout.on("data", (chunk: Buffer) => {
      const seqs = chunk.toString().trim().split("\n").map(Number);
      lastPrinted = Math.max(lastPrinted, ...seqs);
      if (lastPrinted >= 400 && sub.messages.length > 50) {
        child.kill("SIGKILL");
        resolve();
      }
    });
    child.on("exit", () => resolve());
    setTimeout(() => reject(new Error("child did not produce events")), 15_000);
  });
  await new Promise((r) => child.once("exit", r));

  const db = openDatabase(dbPath);
  const audit = new AuditLog(db, door);
  const last = audit.last()?.seq ?? 0;
  expect(last).toBeGreaterThanOrEqual(lastPrinted); // every printed seq was committed first
  const bridge = new MqttBridge({
    settings: parseSettings({ door_id: door, mqtt: { enabled: true, url: broker.url } }),
    db,
    audit,
    door: idleDoor,
    clock: systemClock,
    logger: createLogger("silent"),
    credentialKey: Buffer.alloc(32),
    commands: new DoorCommands(audit, systemClock, new Map()),
  });
  bridge.start();
  try {
    await bridge.waitForPublished(last, 15_000);
    await sub.waitFor((m) => m.some((x) => (JSON.parse(x.text) as { seq: number }).seq === last));
    const seqs = sub.messages.map((m) => (JSON.parse(m.text) as { seq: number }).seq);
    const firstCopies = seqs.filter((s, i) => seqs.indexOf(s) === i);
    expect(firstCopies).toEqual(Array.from({ length: last }, (_, i) => i + 1));
  } finally {
    await bridge.stop();
    await sub.end();
    db.close();
  }
});

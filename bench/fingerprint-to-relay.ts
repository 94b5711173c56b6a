/**
 * Fingerprint to relay through the whole controller: from the last byte of the Search ack
 * arriving on the sensor's port to the relay line going high, on the simulator with the real
 * clock. The path is everything a grant does: frame parser -> driver -> event bus -> access
 * queue -> store lookup -> decide -> audit row committed (SQLite, WAL, synchronous=FULL, so one
 * fsync) -> door.unlock -> GPIO write. Printed beside the identify exchange's wire time at 57600.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { SerialLink } from "../devices/types.js";
import { parseSettings } from "../src/config/load-settings.js";
import { identifyWireBytes } from "./fingerprint.js";
import { startSimController } from "./sim-controller.js";

const RUNS = 300;
const WARMUP = 30;

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;

export async function benchFingerprintToRelay(): Promise<Record<string, number | string>> {
  const dataDir = mkdtempSync(join(tmpdir(), "doorward-bench-"));
  const settings = parseSettings({ data_dir: dataDir, log_level: "silent", fingerprint: { poll_ms: 20 } });
  // Timestamp the chunk carrying the Search ack (PID 07, length 7: code + page + score) as it
  // reaches the controller; later traffic (the next GenImg poll, LED commands) must not move it.
  let lastChunkNs = 0n;
  const isSearchAck = (c: Buffer) =>
    c.length >= 9 && c[0] === 0xef && c[6] === 0x07 && c.readUInt16BE(7) === 7;
  const { app, sim } = await startSimController(settings, {
    beforeStart: (sim) => {
      const open = sim.serial.open.bind(sim.serial);
      sim.serial.open = async (path, baud): Promise<SerialLink> => {
        const link = await open(path, baud);
        if (path !== settings.fingerprint.port) return link;
        return {
          write: (b) => link.write(b),
          onData: (cb) =>
            link.onData((chunk) => {
              if (isSearchAck(chunk)) lastChunkNs = process.hrtime.bigint();
              cb(chunk);
            }),
          onClose: (cb) => link.onClose(cb),
          close: () => link.close(),
        };
      };
    },
  });
  const { users, door } = app.services;
  const user = users.add("bench", Date.now());
  users.setCredential(user.id, "fingerprint", "5", Date.now());
  sim.fingerprint.preload(5, "bench-finger");

  const samples: number[] = [];
  let released: (() => void) | null = null;
  sim.gpio.pin(settings.gpio.relay.line).onChange((level) => {
    if (level !== 1) return;
    samples.push(Number(process.hrtime.bigint() - lastChunkNs) / 1e6);
    released?.();
  });
  const started = performance.now();
  for (let i = 0; i < RUNS + WARMUP; i++) {
    const relay = new Promise<void>((resolve) => {
      released = resolve;
    });
    sim.fingerprint.placeFinger("bench-finger");
    await relay;
    sim.fingerprint.liftFinger();
    await app.services.access.idle();
    await door.lock(); // ready for the next grant without waiting out the pulse
    await new Promise((r) => setTimeout(r, 50)); // the driver sees the lift
  }
  const wallMs = performance.now() - started;
  await app.stop();
  rmSync(dataDir, { recursive: true, force: true });

  const sorted = samples.slice(WARMUP).sort((a, b) => a - b);
  const wireMs = (identifyWireBytes(200) * 10 * 1000) / 57600;
  return {
    runs: sorted.length,
    search_ack_to_relay_p50_ms: Number(percentile(sorted, 50).toFixed(3)),
    search_ack_to_relay_p99_ms: Number(percentile(sorted, 99).toFixed(3)),
    search_ack_to_relay_max_ms: Number((sorted.at(-1) ?? 0).toFixed(3)),
    identify_wire_ms_at_57600: Number(wireMs.toFixed(3)),
    p50_vs_wire: `${((percentile(sorted, 50) / wireMs) * 100).toFixed(1)}% of wire time`,
    bench_wall_ms: Math.round(wallMs),
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const figures = await benchFingerprintToRelay();
  for (const [name, value] of Object.entries(figures)) console.log(`${name.padEnd(30)} ${value}`);
}

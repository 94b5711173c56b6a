/**
 * Fingerprint identify: how much time does our controller add compared with the wire?
 * - controller overhead: from the Search ack's last byte arriving on the link to fingerMatched firing
 *   (parser + channel + driver + promise hops), real clock, simulated link with no latency.
 * - wire time: bytes of GenImg + Img2Tz + Search and their acks at 57600 baud, 10 bits per byte.
 */
import { pathToFileURL } from "node:url";
import { Command, Confirm, encodeAck, encodeCommand, u16 } from "../devices/fingerprint/packet-codec.js";
import { R503Fingerprint } from "../devices/fingerprint/r503-driver.js";
import { systemClock } from "../devices/system-clock.js";
import type { SerialLink, SerialPortOpener } from "../devices/types.js";
import { SimSerialOpener } from "../simulator/sim-serial.js";
import { VirtualR503 } from "../simulator/virtual-r503.js";

const BAUD = 57600;
const RUNS = 2000;
const WARMUP = 100;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

/** Wraps an opener so every chunk reaching the driver is timestamped just before the driver sees it. */
function timestampingOpener(inner: SerialPortOpener, onChunk: () => void): SerialPortOpener {
  return {
    async open(path, baudRate): Promise<SerialLink> {
      const link = await inner.open(path, baudRate);
      return {
        write: (bytes) => link.write(bytes),
        onData: (cb) =>
          link.onData((chunk) => {
            onChunk();
            cb(chunk);
          }),
        onClose: (cb) => link.onClose(cb),
        close: () => link.close(),
      };
    },
  };
}

export function identifyWireBytes(librarySize = 200): number {
  const frames = [
    encodeCommand(Command.GenImg),
    encodeAck(Confirm.ok),
    encodeCommand(Command.Img2Tz, Buffer.of(1)),
    encodeAck(Confirm.ok),
    encodeCommand(Command.Search, Buffer.concat([Buffer.of(1), u16(0), u16(librarySize)])),
    encodeAck(Confirm.ok, Buffer.concat([u16(5), u16(100)])),
  ];
  return frames.reduce((n, f) => n + f.length, 0);
}

export async function benchFingerprint(): Promise<Record<string, number | string>> {
  const path = "/dev/bench-r503";
  const sim = new SimSerialOpener(systemClock);
  const sensor = new VirtualR503({ clock: systemClock });
  sensor.preload(5, "bench-finger");
  sim.addDevice(path, sensor);
  let lastChunkNs = 0n;
  const overheadsMs: number[] = [];
  let onMatched: (() => void) | null = null;
  const driver = new R503Fingerprint({
    clock: systemClock,
    opener: timestampingOpener(sim, () => {
      lastChunkNs = process.hrtime.bigint();
    }),
    path,
    pollIntervalMs: 0,
    events: {
      fingerMatched: () => {
        overheadsMs.push(Number(process.hrtime.bigint() - lastChunkNs) / 1e6);
        onMatched?.();
      },
    },
  });
  if (!(await driver.start())) throw new Error("bench: handshake with the virtual R503 failed");

  const waitForLiftSeen = () =>
    new Promise<void>((resolve) => {
      const off = sensor.onCommand((code, confirm) => {
        if (code === Command.GenImg && confirm === Confirm.noFinger) {
          off();
          resolve();
        }
      });
    });

  const started = performance.now();
  for (let i = 0; i < RUNS + WARMUP; i++) {
    const matched = new Promise<void>((resolve) => {
      onMatched = resolve;
    });
    sensor.placeFinger("bench-finger");
    await matched;
    const lifted = waitForLiftSeen();
    sensor.liftFinger();
    await lifted;
  }
  const elapsedMs = performance.now() - started;
  await driver.stop();

  const sorted = overheadsMs.slice(WARMUP).sort((a, b) => a - b);
  const wireBytes = identifyWireBytes(driver.librarySize || 200);
  const wireMs = (wireBytes * 10 * 1000) / BAUD;
  const p50 = percentile(sorted, 50);
  const p99 = percentile(sorted, 99);
  return {
    runs: sorted.length,
    controller_overhead_p50_ms: Number(p50.toFixed(4)),
    controller_overhead_p99_ms: Number(p99.toFixed(4)),
    identify_wire_bytes: wireBytes,
    identify_wire_ms_at_57600: Number(wireMs.toFixed(3)),
    overhead_p99_vs_wire: `${((p99 / wireMs) * 100).toFixed(2)}% of wire time`,
    bench_wall_ms: Math.round(elapsedMs),
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const figures = await benchFingerprint();
  for (const [name, value] of Object.entries(figures)) console.log(`${name.padEnd(30)} ${value}`);
}

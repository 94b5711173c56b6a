/**
 * OSDP card to relay through the whole controller: from the last byte of the reader's osdp_RAW
 * reply (Secure Channel) reaching the controller's port to the relay line going high, on the
 * simulator with the real clock. The path: OSDP parser -> MAC check and decrypt -> card format
 * (H10301, parity) -> event bus -> access queue -> store lookup -> decide -> audit row committed
 * (WAL, synchronous=FULL: one fsync) -> door.unlock -> GPIO write. Printed beside a bare
 * fsync'd INSERT of the same run (the floor) and the exchange's wire time at 9,600 and 115,200
 * baud (physics, not the controller's share).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { encodeCard } from "../devices/badge/card-formats.js";
import { Reply } from "../devices/osdp/constants.js";
import { OsdpFrameParser } from "../devices/osdp/frame-parser.js";
import { wireTimeMs } from "../devices/osdp/packet-codec.js";
import { SecretKey } from "../devices/osdp/secure-channel.js";
import type { SerialLink } from "../devices/types.js";
import type { VirtualOsdpPd } from "../simulator/virtual-osdp-pd.js";
import { normaliseBadgeNumber } from "../src/admin/credential-admin.js";
import { parseSettings } from "../src/config/load-settings.js";
import { OsdpKeyStore } from "../src/osdp/osdp-key-store.js";
import { startSimController } from "./sim-controller.js";
import { isMain, percentile, round } from "./stats.js";

const RUNS = 300;
const WARMUP = 30;
const PORT = "/dev/doorward-rs485";
const RELAY_LINE = 4;

export async function benchOsdpToRelay(): Promise<Record<string, number | string>> {
  const dataDir = mkdtempSync(join(tmpdir(), "doorward-bench-osdp-relay-"));
  new OsdpKeyStore(dataDir).set("outer-in", new SecretKey(Buffer.alloc(16, 0x5a)));
  const settings = parseSettings({
    data_dir: dataDir,
    log_level: "silent",
    doors: [
      {
        id: "outer",
        gpio: { relay: { line: RELAY_LINE }, door_contact: { line: 5 }, rex: { line: 6 } },
        readers: [{ id: "outer-in", kind: "osdp", port: PORT, address: 0 }],
      },
    ],
  });
  // Timestamp the chunk that completes an osdp_RAW reply as it reaches the controller.
  let lastCardNs = 0n;
  let cardReplyBytes = 0;
  const watch = new OsdpFrameParser((frame, raw) => {
    if (frame.reply && frame.code === Reply.RAW) {
      lastCardNs = process.hrtime.bigint();
      cardReplyBytes = raw.length;
    }
  });
  const { app, sim } = await startSimController(settings, {
    osdpKeys: new OsdpKeyStore(dataDir),
    beforeStart: (sim) => {
      const open = sim.serial.open.bind(sim.serial);
      sim.serial.open = async (path, baud): Promise<SerialLink> => {
        const link = await open(path, baud);
        return {
          write: (b) => link.write(b),
          onData: (cb) =>
            link.onData((chunk) => {
              watch.push(chunk);
              cb(chunk);
            }),
          onClose: (cb) => link.onClose(cb),
          close: () => link.close(),
        };
      };
    },
  });
  const pd = sim.doors[0]?.readers.find((r) => r.id === "outer-in")?.device as VirtualOsdpPd;
  const deadline = Date.now() + 5000;
  while (!pd.secureChannelActive) {
    if (Date.now() > deadline) throw new Error("bench: the OSDP reader did not come online");
    await new Promise((r) => setTimeout(r, 5));
  }
  const { users, hasher } = app.services;
  const user = users.add("bench", Date.now());
  users.setCredential(user.id, "badge", hasher.hash("badge", normaliseBadgeNumber("123:45678")), Date.now());
  const unit = app.services.units[0];
  if (!unit) throw new Error("bench: no door");

  const bareDb = new Database(join(dataDir, "bare.db"));
  bareDb.pragma("journal_mode = WAL");
  bareDb.pragma("synchronous = FULL");
  bareDb.exec("CREATE TABLE bare (a INTEGER, b TEXT, c TEXT, d TEXT)");
  const insert = bareDb.prepare("INSERT INTO bare VALUES (?, ?, ?, ?)");
  const bareMs: number[] = [];

  const samples: number[] = [];
  let released: (() => void) | null = null;
  sim.gpio.pin(RELAY_LINE).onChange((level) => {
    if (level !== 1) return;
    samples.push(Number(process.hrtime.bigint() - lastCardNs) / 1e6);
    released?.();
  });
  const bits = encodeCard("H10301", 123, 45678);
  const started = performance.now();
  for (let i = 0; i < RUNS + WARMUP; i++) {
    const b0 = performance.now();
    insert.run(Date.now(), "access granted badge", "u-ABCDEF", "f".repeat(128));
    if (i >= WARMUP) bareMs.push(performance.now() - b0);
    const relay = new Promise<void>((resolve) => {
      released = resolve;
    });
    pd.presentCard(bits);
    await relay;
    await unit.access.idle();
    await unit.door.lock(); // ready for the next grant without waiting out the pulse
  }
  const wallMs = performance.now() - started;
  await app.stop();
  bareDb.close();
  rmSync(dataDir, { recursive: true, force: true });

  const sample = samples.slice(WARMUP);
  const p50 = percentile(sample, 50);
  const figures: Record<string, number | string> = {
    runs: sample.length,
    card_to_relay_p50_ms: round(p50, 3),
    card_to_relay_p99_ms: round(percentile(sample, 99), 3),
    bare_insert_full_p50_ms: round(percentile(bareMs, 50), 3),
    bare_insert_full_p99_ms: round(percentile(bareMs, 99), 3),
    sc_card_reply_bytes: cardReplyBytes,
    bench_wall_ms: Math.round(wallMs),
  };
  for (const baud of [9600, 115200])
    figures[`card_reply_wire_ms_at_${baud}`] = round(wireTimeMs(cardReplyBytes, baud), 3);
  return figures;
}

if (isMain(import.meta.url)) {
  const figures = await benchOsdpToRelay();
  for (const [name, value] of Object.entries(figures)) console.log(`${name.padEnd(34)} ${value}`);
}

/**
 * OSDP readers: what the controller costs, next to what the wire costs.
 * - poll cycle: 1, 4 and 8 readers on one bus, all in Secure Channel, real clock, simulated line
 *   with no latency: achieved poll period per reader and the CPU this process spends on it (an
 *   upper bound: the virtual PDs run in the same process and do the same AES work as the CP).
 * - wire time (physics, computed from the packets' bytes at 8N1): a Secure Channel POLL/ACK
 *   exchange and a card read exchange at 9,600 and 115,200 baud, and how many readers fit in a 50 ms
 *   poll period at each speed.
 * - card → CP event: from the last byte of the PD's osdp_RAW reply reaching the CP's port to the
 *   cardRead event (parser + MAC check + AES-CBC decrypt + dispatch), p50/p99, beside a bare
 *   better-sqlite3 INSERT under synchronous=FULL in the same run (the fsync floor of the decision
 *   that follows). The relay leg waits for the multi-door DoorUnit (issue 12).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { encodeCard } from "../devices/badge/card-formats.js";
import { Cmd, Reply } from "../devices/osdp/constants.js";
import { encodeCardRead } from "../devices/osdp/messages.js";
import { OsdpBus } from "../devices/osdp/osdp-bus.js";
import { OsdpReader, type OsdpReaderEvents } from "../devices/osdp/osdp-reader.js";
import { wireTimeMs } from "../devices/osdp/packet-codec.js";
import { deriveSessionKeys, SecretKey } from "../devices/osdp/secure-channel.js";
import { SecureSession } from "../devices/osdp/secure-session.js";
import { systemClock } from "../devices/system-clock.js";
import type { SerialLink } from "../devices/types.js";
import { SimSerialLine } from "../simulator/sim-serial.js";
import { VirtualOsdpPd } from "../simulator/virtual-osdp-pd.js";
import { isMain, percentile, round } from "./stats.js";

const KEY = Buffer.from("5a17c0de5a17c0de5a17c0de5a17c0de", "hex");
const CARD_RUNS = 1000;
const WARMUP = 50;

/** Wraps the CP's end so each chunk is timestamped just before the bus sees it. */
function timestamping(link: SerialLink, onChunk: () => void): SerialLink {
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
}

function rig(count: number, events: OsdpReaderEvents = {}, onChunk: () => void = () => {}) {
  const line = new SimSerialLine(systemClock);
  const pds = Array.from(
    { length: count },
    (_, i) => new VirtualOsdpPd({ clock: systemClock, address: i + 1, key: KEY }),
  );
  for (const pd of pds) pd.attach(line.device);
  const bus = new OsdpBus({ link: timestamping(line.host, onChunk), clock: systemClock });
  const readers = pds.map(
    (pd) =>
      new OsdpReader({
        device: `osdp:${pd.address}`,
        address: pd.address,
        clock: systemClock,
        key: new SecretKey(KEY),
        events,
      }),
  );
  for (const r of readers) bus.add(r);
  bus.start();
  return { bus, pds, readers };
}

async function waitFor(ok: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error("bench: readers did not come online");
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function pollCycle(count: number): Promise<Record<string, number>> {
  const { bus, readers } = rig(count);
  await waitFor(() => readers.every((r) => r.online));
  const polls0 = readers.map((r) => r.counters.polls);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, 2000));
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  bus.stop();
  const polls = readers.map((r, i) => r.counters.polls - (polls0[i] as number));
  const cpuMs = (cpu.user + cpu.system) / 1000;
  const minPolls = Math.min(...polls);
  return {
    [`readers_${count}.poll_period_ms_worst_reader`]: round(wallMs / minPolls, 2),
    [`readers_${count}.polls_per_s_bus`]: round((polls.reduce((a, b) => a + b, 0) * 1000) / wallMs, 0),
    [`readers_${count}.cpu_percent_of_one_core`]: round((cpuMs / wallMs) * 100, 2),
    [`readers_${count}.cpu_us_per_poll`]: round((cpuMs * 1000) / polls.reduce((a, b) => a + b, 0), 1),
  };
}

/** Bytes of real Secure Channel packets, built with the codec (marks included). */
function exchangeBytes(): { pollAck: number; card: number; plainPollAck: number } {
  const keys = deriveSessionKeys(KEY, Buffer.alloc(8, 1));
  const cp = new SecureSession("cp", keys, Buffer.alloc(16, 2));
  const pd = new SecureSession("pd", keys, Buffer.alloc(16, 2));
  const msg = (code: number, data: Buffer = Buffer.alloc(0)) => ({ address: 1, sequence: 1, code, data });
  const poll = cp.seal(msg(Cmd.POLL), { mark: true }).length;
  const ack = pd.seal(msg(Reply.ACK), { mark: true }).length;
  const raw = encodeCardRead({ readerNumber: 0, formatCode: 0, bitCount: 26, bits: Buffer.alloc(4) });
  const card = pd.seal(msg(Reply.RAW, raw), { mark: true }).length;
  // Plaintext: mark + header + code + CRC = 9 bytes each way.
  return { pollAck: poll + ack, card: poll + card, plainPollAck: 18 };
}

async function cardLatency(): Promise<Record<string, number>> {
  let lastChunkNs = 0n;
  let onCard: (() => void) | null = null;
  const latencies: number[] = [];
  const { bus, pds, readers } = rig(
    1,
    {
      cardRead: () => {
        latencies.push(Number(process.hrtime.bigint() - lastChunkNs) / 1e6);
        onCard?.();
      },
    },
    () => {
      lastChunkNs = process.hrtime.bigint();
    },
  );
  await waitFor(() => readers.every((r) => r.online));
  const dir = mkdtempSync(join(tmpdir(), "doorward-bench-osdp-"));
  const db = new Database(join(dir, "bare.db"));
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = FULL");
  db.exec("CREATE TABLE bare (a INTEGER, b TEXT, c TEXT, d TEXT)");
  const insert = db.prepare("INSERT INTO bare VALUES (?, ?, ?, ?)");
  const bareMs: number[] = [];
  const pd = pds[0] as VirtualOsdpPd;
  const bits = encodeCard("H10301", 123, 45678);
  for (let i = 0; i < CARD_RUNS + WARMUP; i++) {
    const b0 = performance.now();
    insert.run(Date.now(), "access granted badge", "u-ABCDEF", "f".repeat(128));
    if (i >= WARMUP) bareMs.push(performance.now() - b0);
    const seen = new Promise<void>((resolve) => {
      onCard = resolve;
    });
    pd.presentCard(bits);
    await seen;
  }
  bus.stop();
  db.close();
  rmSync(dir, { recursive: true, force: true });
  const sample = latencies.slice(WARMUP);
  return {
    card_to_event_p50_ms: round(percentile(sample, 50), 4),
    card_to_event_p99_ms: round(percentile(sample, 99), 4),
    bare_insert_full_p50_ms: round(percentile(bareMs, 50), 4),
    bare_insert_full_p99_ms: round(percentile(bareMs, 99), 4),
    card_runs: sample.length,
  };
}

export async function benchOsdp(): Promise<Record<string, number | string>> {
  const wire = exchangeBytes();
  const figures: Record<string, number | string> = {};
  for (const baud of [9600, 115200]) {
    const exchangeMs = wireTimeMs(wire.pollAck, baud);
    figures[`wire_${baud}.sc_poll_ack_bytes`] = wire.pollAck;
    figures[`wire_${baud}.sc_poll_ack_ms`] = round(exchangeMs, 3);
    figures[`wire_${baud}.sc_card_read_exchange_ms`] = round(wireTimeMs(wire.card, baud), 3);
    figures[`wire_${baud}.plain_poll_ack_ms`] = round(wireTimeMs(wire.plainPollAck, baud), 3);
    figures[`wire_${baud}.sc_readers_within_50ms_period`] = Math.floor(50 / exchangeMs);
  }
  for (const n of [1, 4, 8]) Object.assign(figures, await pollCycle(n));
  Object.assign(figures, await cardLatency());
  return figures;
}

if (isMain(import.meta.url)) {
  const figures = await benchOsdp();
  for (const [name, value] of Object.entries(figures)) console.log(`${name.padEnd(48)} ${value}`);
}

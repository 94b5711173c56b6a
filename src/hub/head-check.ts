import { createPublicKey, type KeyObject } from "node:crypto";
import { z } from "zod";
import { verifyEnvelope } from "../mqtt/signed-envelope.js";
import type { HubAlert, ResendRequest } from "./alerts.js";
import { type DoorHeadRow, readHeadState, writeHeadVerdicts } from "./head-check-sql.js";
import { chainOf } from "./ingest.js";
import type { Sql } from "./store/hub-store.js";

/** The body of a door's signed head (HEAD-FORMAT.md). */
const headBodySchema = z.object({
  type: z.literal("head"),
  door: z.string().min(1).max(128),
  seq: z.number().int().nonnegative(),
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  ts: z.string().datetime({ offset: true }),
});
type HeadBody = z.infer<typeof headBodySchema>;

/** One message from `<prefix>/head`, in the order the hub received it. */
export interface IncomingHead {
  prefix: string;
  raw: Buffer;
}

export interface HeadCheckResult {
  alerts: HubAlert[];
  resends: ResendRequest[];
}

const keyCache = new Map<string, KeyObject>();
function publicKey(pem: string): KeyObject {
  let key = keyCache.get(pem);
  if (!key) {
    key = createPublicKey(pem);
    keyCache.set(pem, key);
  }
  return key;
}

/** Checks one signed head (see checkHeads); its alerts are stored too. */
export function checkHead(tx: Sql, prefix: string, raw: Buffer, nowMs: number): Promise<HeadCheckResult> {
  return checkHeads(tx, [{ prefix, raw }], nowMs);
}

/**
 * Checks signed heads from `<prefix>/head` against what the hub holds, and stores the verdicts
 * and their alerts. Only a head that verifies with the door's enrolled key counts: it then
 * proves the door held (seq, hash) at ts, so a stored row with another hash is a fork, a head
 * older than the last one is a rewind, and a head beyond the last stored seq means events are
 * missing (asked again). A door not yet enrolled gets its door row (pending) and its head is
 * kept unverified.
 *
 * However many heads, two round trips: one statement locks the doors' rows and reads the rows
 * held at the heads' seqs, the verdicts are reached here head by head in arrival order (each
 * sees what the heads before it changed, exactly as if checked one at a time), and one
 * statement writes every door's final head state and the alerts.
 */
export async function checkHeads(tx: Sql, heads: IncomingHead[], nowMs: number): Promise<HeadCheckResult> {
  const result: HeadCheckResult = { alerts: [], resends: [] };
  if (heads.length === 0) return result;
  // The seq is read before the signature is checked (the key is in the row being read), only
  // to pick which stored row to fetch; a verified body is the same string, so the same seq.
  const bodies = heads.map((h) => unverifiedBody(h.raw));
  const state = await readHeadState(
    tx,
    heads.map((h) => h.prefix),
    heads.flatMap((h, i) => {
      const seq = bodies[i]?.seq;
      return seq === undefined ? [] : [{ prefix: h.prefix, seq }];
    }),
  );
  const doors = new DoorModel(state.doors);
  for (const [i, h] of heads.entries())
    await checkOne(tx, h.prefix, h.raw, bodies[i] ?? null, doors, state.held, nowMs, result);
  await writeHeadVerdicts(tx, doors.created(), doors.changed(), result.alerts);
  return result;
}

/** The door rows the batch's heads touch, as they stand after each head (rows are locked). */
class DoorModel {
  private readonly rows = new Map<string, DoorHeadRow>();
  private readonly inserted = new Set<string>();
  private readonly updated = new Set<string>();

  constructor(rows: DoorHeadRow[]) {
    for (const r of rows) this.rows.set(r.door, r);
  }

  /** The row a head on this topic prefix belongs to: the first by door, as `ORDER BY door LIMIT 1`. */
  byPrefix(prefix: string): DoorHeadRow | undefined {
    let first: DoorHeadRow | undefined;
    for (const r of this.rows.values()) if (r.prefix === prefix && (!first || r.door < first.door)) first = r;
    return first;
  }

  byName(door: string): DoorHeadRow | undefined {
    return this.rows.get(door);
  }

  /** INSERT … ON CONFLICT (door) DO NOTHING: a row of that name (under another prefix) stays as it is. */
  insertPending(door: string, prefix: string): void {
    if (this.rows.has(door)) return;
    this.rows.set(door, {
      door,
      prefix,
      public_key: null,
      head_seq: null,
      head_hash: null,
      head_ts: null,
      head_verified: false,
      last_seq: 0,
      checkpoint_seq: 0,
      chain_state: "ok",
      state_seq: null,
      doors: [],
      last_seen: null,
    });
    this.inserted.add(door);
  }

  touch(row: DoorHeadRow): void {
    if (!this.inserted.has(row.door)) this.updated.add(row.door);
  }

  created(): DoorHeadRow[] {
    return [...this.inserted].map((d) => this.rows.get(d) as DoorHeadRow);
  }

  changed(): DoorHeadRow[] {
    return [...this.updated].map((d) => this.rows.get(d) as DoorHeadRow);
  }
}

async function checkOne(
  tx: Sql,
  prefix: string,
  raw: Buffer,
  unverified: HeadBody | null,
  doors: DoorModel,
  held: Map<string, string | null>,
  nowMs: number,
  result: HeadCheckResult,
): Promise<void> {
  const { alerts, resends } = result;
  const door = doors.byPrefix(prefix);
  // A chain is named by its topic (`<hub prefix>/<id>/head`), as the ingest names it.
  const doorName = door?.door ?? chainOf(prefix);
  if (!door?.public_key) {
    // Not enrolled: nothing to verify with. Remember it was seen, for `doorward hub doors`.
    if (!door && unverified) {
      doors.insertPending(doorName, prefix);
      alerts.push({ door: doorName, kind: "new_door", seq: null, detail: { status: "pending" } });
    }
    const target = unverified ? doors.byName(doorName) : undefined;
    if (unverified && target) {
      Object.assign(target, { head_seq: unverified.seq, head_hash: unverified.hash, head_ts: unverified.ts });
      target.head_verified = false;
      doors.touch(target);
    }
    return;
  }
  const verified = verifyEnvelope(raw, publicKey(door.public_key));
  // A verified body is the very string already parsed above: its parse is that one.
  const body = verified.ok ? unverified : null;
  // The head names the controller's door_id: the chain's id, or (a door with its own mqtt.prefix)
  // one of the doors whose rows are on this chain.
  const ownDoor = (d: string) => d === door.door || door.doors.includes(d);
  if (!verified.ok || !body || !ownDoor(body.door)) {
    alerts.push({
      door: doorName,
      kind: "bad_head_signature",
      seq: null,
      detail: { reason: verified.ok ? "malformed" : verified.reason },
    });
    return;
  }
  const head = body;
  const flag = (kind: "fork" | "rewind", seq: number, detail: Record<string, unknown>) => {
    alerts.push({ door: door.door, kind, seq, detail });
    door.chain_state = door.chain_state === "fork" && kind === "fork" ? "fork" : kind;
    door.state_seq = Math.min(door.state_seq ?? seq, seq);
  };
  if (door.head_seq !== null && head.seq < door.head_seq)
    flag("rewind", head.seq, { previous_head_seq: door.head_seq, head_seq: head.seq });
  const heldHash = await heldAt(tx, held, door.door, head.seq);
  if (heldHash !== null && heldHash !== head.hash) {
    flag("fork", head.seq, { held_hash: heldHash, head_hash: head.hash });
    resends.push({ door: door.door, prefix, fromSeq: Math.max(door.checkpoint_seq + 1, head.seq - 10_000) });
  } else if (heldHash === null && head.seq > door.last_seq) {
    resends.push({ door: door.door, prefix, fromSeq: door.last_seq + 1 });
  }
  Object.assign(door, { head_seq: head.seq, head_hash: head.hash, head_ts: head.ts, head_verified: true });
  door.last_seen = new Date(nowMs).toISOString();
  doors.touch(door);
}

/** The hash held at (chain, seq): read with the door rows; asked on its own only if it was not. */
async function heldAt(
  tx: Sql,
  held: Map<string, string | null>,
  chain: string,
  seq: number,
): Promise<string | null> {
  const known = held.get(`${chain}\n${seq}`);
  if (known !== undefined) return known;
  const [row] = await tx.query<{ hash: string }>(
    "SELECT hash FROM hub_events WHERE chain = $1 AND seq = $2",
    [chain, seq],
  );
  return row?.hash ?? null;
}

function unverifiedBody(raw: Buffer): HeadBody | null {
  try {
    const env = JSON.parse(raw.toString("utf8")) as { body?: unknown };
    if (typeof env.body !== "string") return null;
    const parsed = headBodySchema.safeParse(JSON.parse(env.body));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

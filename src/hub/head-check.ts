import { createPublicKey, type KeyObject } from "node:crypto";
import { z } from "zod";
import { verifyEnvelope } from "../mqtt/signed-envelope.js";
import type { HubAlert, ResendRequest } from "./alerts.js";
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

interface DoorKeyRow {
  door: string;
  prefix: string;
  public_key: string | null;
  head_seq: number | null;
  last_seq: number;
  checkpoint_seq: number;
  chain_state: string;
  state_seq: number | null;
  doors: string[];
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

/**
 * Checks one signed head from `<prefix>/head` against what the hub holds. Only a head that
 * verifies with the door's enrolled key counts: it then proves the door held (seq, hash) at ts,
 * so a stored row with another hash is a fork, a head older than the last one is a rewind, and
 * a head beyond the last stored seq means events are missing (asked again). A door not yet
 * enrolled gets its door row (pending) and its head is kept unverified.
 */
export async function checkHead(
  tx: Sql,
  prefix: string,
  raw: Buffer,
  nowMs: number,
): Promise<{ alerts: HubAlert[]; resends: ResendRequest[] }> {
  const alerts: HubAlert[] = [];
  const resends: ResendRequest[] = [];
  const [door] = await tx.query<DoorKeyRow>(
    `SELECT door, prefix, public_key, head_seq, last_seq, checkpoint_seq, chain_state, state_seq, doors
     FROM hub_doors WHERE prefix = $1 ORDER BY door LIMIT 1 FOR UPDATE`,
    [prefix],
  );
  // A chain is named by its topic (`<hub prefix>/<id>/head`), as the ingest names it.
  const doorName = door?.door ?? chainOf(prefix);
  if (!door?.public_key) {
    // Not enrolled: nothing to verify with. Remember it was seen, for `doorward hub doors`.
    const unverified = unverifiedBody(raw);
    if (!door && unverified) {
      await tx.query("INSERT INTO hub_doors (door, prefix) VALUES ($1, $2) ON CONFLICT (door) DO NOTHING", [
        doorName,
        prefix,
      ]);
      alerts.push({ door: doorName, kind: "new_door", seq: null, detail: { status: "pending" } });
    }
    if (unverified)
      await tx.query(
        "UPDATE hub_doors SET head_seq = $2, head_hash = $3, head_ts = $4, head_verified = false WHERE door = $1",
        [doorName, unverified.seq, unverified.hash, unverified.ts],
      );
    return { alerts, resends };
  }
  const verified = verifyEnvelope(raw, publicKey(door.public_key));
  const body = verified.ok ? headBodySchema.safeParse(verified.body) : null;
  // The head names the controller's door_id: the chain's id, or (a door with its own mqtt.prefix)
  // one of the doors whose rows are on this chain.
  const ownDoor = (d: string) => d === door.door || door.doors.includes(d);
  if (!verified.ok || !body?.success || !ownDoor(body.data.door)) {
    alerts.push({
      door: doorName,
      kind: "bad_head_signature",
      seq: null,
      detail: { reason: verified.ok ? "malformed" : verified.reason },
    });
    return { alerts, resends };
  }
  const head = body.data;
  const flag = (kind: "fork" | "rewind", seq: number, detail: Record<string, unknown>) => {
    alerts.push({ door: door.door, kind, seq, detail });
    door.chain_state = door.chain_state === "fork" && kind === "fork" ? "fork" : kind;
    door.state_seq = Math.min(door.state_seq ?? seq, seq);
  };
  if (door.head_seq !== null && head.seq < door.head_seq)
    flag("rewind", head.seq, { previous_head_seq: door.head_seq, head_seq: head.seq });
  const [held] = await tx.query<{ hash: string }>(
    "SELECT hash FROM hub_events WHERE chain = $1 AND seq = $2",
    [door.door, head.seq],
  );
  if (held && held.hash !== head.hash) {
    flag("fork", head.seq, { held_hash: held.hash, head_hash: head.hash });
    resends.push({ door: door.door, prefix, fromSeq: Math.max(door.checkpoint_seq + 1, head.seq - 10_000) });
  } else if (!held && head.seq > door.last_seq) {
    resends.push({ door: door.door, prefix, fromSeq: door.last_seq + 1 });
  }
  await tx.query(
    `UPDATE hub_doors SET head_seq = $2, head_hash = $3, head_ts = $4, head_verified = true,
       chain_state = $5, state_seq = $6, last_seen = $7 WHERE door = $1`,
    [
      door.door,
      head.seq,
      head.hash,
      head.ts,
      door.chain_state,
      door.state_seq,
      new Date(nowMs).toISOString(),
    ],
  );
  return { alerts, resends };
}

function unverifiedBody(raw: Buffer): z.infer<typeof headBodySchema> | null {
  try {
    const env = JSON.parse(raw.toString("utf8")) as { body?: unknown };
    if (typeof env.body !== "string") return null;
    const parsed = headBodySchema.safeParse(JSON.parse(env.body));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

import { createPublicKey, type KeyObject } from "node:crypto";
import { signMessage, verifyEnvelope } from "../mqtt/signed-envelope.js";
import type { Db } from "../store/open-database.js";

/**
 * The signed chain head (the format shared with the site hub: /docs/mqtt.md `P/head`). An
 * auditor who keeps one can later prove that the log still holds exactly that row: rows cut
 * from the end, or a tail rewritten with recomputed hashes, no longer match it, and nobody
 * without the device key can sign a new one.
 */
export interface HeadBody {
  type: "head";
  door: string;
  seq: number;
  hash: string;
  ts: string;
}

/** The envelope for the newest row, or null on an empty log. */
export function signHead(db: Db, door: string, key: KeyObject, nowMs: number): string | null {
  const last = db
    .prepare<[], { seq: number; hash: string }>(
      "SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1",
    )
    .get();
  if (!last) return null;
  const body: HeadBody = {
    type: "head",
    door,
    seq: last.seq,
    hash: last.hash,
    ts: new Date(nowMs).toISOString(),
  };
  return signMessage(body, key);
}

export type HeadCheck =
  | { ok: true; seq: number; note?: string }
  | { ok: false; seq?: number; problem: string };

/** Checks a kept head against the log: the device's signature, then the row it names. */
export function checkHead(raw: string, door: string, deviceKey: KeyObject, db: Db): HeadCheck {
  const outcome = verifyEnvelope(raw.trim(), createPublicKey(deviceKey));
  if (!outcome.ok) {
    return {
      ok: false,
      problem:
        outcome.reason === "bad_signature"
          ? "the head's signature does not verify with this device's key"
          : `not a signed head (${outcome.reason})`,
    };
  }
  const body = outcome.body as Partial<HeadBody>;
  if (body.type !== "head" || !Number.isInteger(body.seq) || typeof body.hash !== "string")
    return { ok: false, problem: "not a signed head (malformed body)" };
  const seq = body.seq as number;
  if (body.door !== door)
    return { ok: false, seq, problem: `the head is of door '${body.door}', not '${door}'` };
  const row = db.prepare<[number], { hash: string }>("SELECT hash FROM audit_events WHERE seq = ?").get(seq);
  if (row) {
    return row.hash === body.hash
      ? { ok: true, seq }
      : { ok: false, seq, problem: "the log no longer holds the head's row (rewritten or replaced)" };
  }
  // Gone legitimately only if a retention purge took it: the checkpoint (itself checked by
  // verify against its chained retention_purge row) then covers it.
  const checkpoint = db
    .prepare<[], { through_seq: number; through_hash: string }>(
      "SELECT through_seq, through_hash FROM audit_checkpoints ORDER BY id DESC LIMIT 1",
    )
    .get();
  if (checkpoint && seq <= checkpoint.through_seq) {
    if (seq === checkpoint.through_seq && checkpoint.through_hash !== body.hash)
      return { ok: false, seq, problem: "the log no longer holds the head's row (rewritten or replaced)" };
    return {
      ok: true,
      seq,
      note: `row ${seq} was purged by retention (checkpoint through ${checkpoint.through_seq})`,
    };
  }
  return { ok: false, seq, problem: "the head's row is missing (the log was cut)" };
}

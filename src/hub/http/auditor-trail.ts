import { createHash } from "node:crypto";
import { ActorCodes } from "../../audit/actor-codes.js";
import type { Sql } from "../store/hub-store.js";

export type TrailAction = "add" | "passwd" | "remove";

/** One change of an auditor account, as hashed: who it was about and who made it, as codes. */
export interface TrailRow {
  id: number;
  ts: string;
  action: TrailAction;
  auditorCode: string;
  actorCode: string;
  prevHash: string;
  hash: string;
}

export interface TrailEntry {
  ts: string;
  action: TrailAction;
  /** The auditor's name while they have an account, else their code. */
  auditor: string;
  /** `os:root` while the mapping is kept, else the code. */
  by: string;
}

export interface TrailVerdict {
  ok: boolean;
  checked: number;
  firstBad?: { id: number; problem: "altered" | "broken link" | "missing row" };
}

const GENESIS = "0".repeat(64);
/** Serialises appends (two CLIs on one PostgreSQL): each row links to the one before it. */
const TRAIL_LOCK = 7467;

/** SHA-256 of the previous row's hash and this row's fields, like the door's log. */
export function trailRowHash(prevHash: string, r: Omit<TrailRow, "prevHash" | "hash">): string {
  return createHash("sha256")
    .update(prevHash)
    .update(JSON.stringify([r.id, r.ts, r.action, r.auditorCode, r.actorCode]))
    .digest("hex");
}

/**
 * The hub's record of who was given or lost access to the auditors' page, and when. Written in
 * the transaction of the change itself (AuditorAccounts), so a change and its row commit
 * together or not at all. Like the door's admin codes (AdminCodeBook), rows name people by a
 * code, an HMAC under a key in the hub's data dir (`auditor-trail.key`); the code→name table
 * lets the hub show names, and an auditor's entry goes when they are removed, so their name is
 * then in no table while the trail keeps their code. The key is loaded or made by
 * auditor-trail-key.ts (trailForChange); reading the trail needs none.
 */
export class AuditorTrail {
  private readonly codes: ActorCodes;

  constructor(
    key: Buffer,
    private readonly now: () => number = Date.now,
  ) {
    this.codes = new ActorCodes(key);
  }

  /** An auditor is a web account of the hub's page: `web:a-7K3M9Q`. */
  auditorCode(name: string): string {
    return this.codes.code(`web:${name}`);
  }

  /** `by` is an identity as the door's CLI records it (`os:root`, currentActor()). */
  async append(tx: Sql, action: TrailAction, auditor: string, by: string): Promise<void> {
    await tx.query("SELECT pg_advisory_xact_lock($1)", [TRAIL_LOCK]);
    const [last] = await tx.query<{ id: number; hash: string }>(
      "SELECT id, hash FROM hub_auditor_trail ORDER BY id DESC LIMIT 1",
    );
    const row = {
      id: (last?.id ?? 0) + 1,
      ts: new Date(this.now()).toISOString(),
      action,
      auditorCode: this.auditorCode(auditor),
      actorCode: this.codes.code(by),
    };
    const prevHash = last?.hash ?? GENESIS;
    await tx.query(
      `INSERT INTO hub_auditor_trail (id, ts, action, auditor_code, actor_code, prev_hash, hash)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [row.id, row.ts, action, row.auditorCode, row.actorCode, prevHash, trailRowHash(prevHash, row)],
    );
    if (row.actorCode !== by) await noteName(tx, row.actorCode, by);
    // Every entry of the name goes: one made under an earlier key has another code. Auditor
    // names have no ':', so no actor's entry (`os:root`) is ever one of them.
    if (action === "remove")
      await tx.query("DELETE FROM hub_auditor_trail_names WHERE code = $1 OR name = $2", [
        row.auditorCode,
        auditor,
      ]);
    else await noteName(tx, row.auditorCode, auditor);
  }
}

async function noteName(tx: Sql, code: string, name: string): Promise<void> {
  await tx.query(
    "INSERT INTO hub_auditor_trail_names (code, name) VALUES ($1, $2) ON CONFLICT (code) DO UPDATE SET name = $2",
    [code, name],
  );
}

/** Oldest first, with the names still known. */
export async function readTrail(sql: Sql): Promise<TrailEntry[]> {
  const rows = await sql.query<{ ts: Date; action: TrailAction; auditor: string; by: string }>(
    `SELECT t.ts, t.action, coalesce(a.name, t.auditor_code) AS auditor, coalesce(b.name, t.actor_code) AS by
     FROM hub_auditor_trail t
     LEFT JOIN hub_auditor_trail_names a ON a.code = t.auditor_code
     LEFT JOIN hub_auditor_trail_names b ON b.code = t.actor_code
     ORDER BY t.id`,
  );
  return rows.map((r) => ({ ts: r.ts.toISOString(), action: r.action, auditor: r.auditor, by: r.by }));
}

/**
 * Recomputes the chain: an edited field, a row deleted or put in between, or a re-chained
 * suffix that does not start from the stored row before it, is named by its id. A database that
 * predates the trail has nothing to check (ok, 0 rows). Dropping the newest rows is not seen
 * here (the door's signed heads answer that; the trail has none yet).
 */
export async function verifyAuditorTrail(sql: Sql): Promise<TrailVerdict> {
  const [table] = await sql.query<{ t: string | null }>("SELECT to_regclass('hub_auditor_trail')::text AS t");
  if (!table?.t) return { ok: true, checked: 0 };
  const rows = await sql.query<{
    id: number;
    ts: Date;
    action: TrailAction;
    auditor_code: string;
    actor_code: string;
    prev_hash: string;
    hash: string;
  }>("SELECT id, ts, action, auditor_code, actor_code, prev_hash, hash FROM hub_auditor_trail ORDER BY id");
  let prevHash = GENESIS;
  for (const [i, r] of rows.entries()) {
    const id = Number(r.id);
    if (id !== i + 1) return { ok: false, checked: i, firstBad: { id, problem: "missing row" } };
    if (r.prev_hash !== prevHash) return { ok: false, checked: i, firstBad: { id, problem: "broken link" } };
    const fields = {
      id,
      ts: r.ts.toISOString(),
      action: r.action,
      auditorCode: r.auditor_code,
      actorCode: r.actor_code,
    };
    if (trailRowHash(prevHash, fields) !== r.hash)
      return { ok: false, checked: i, firstBad: { id, problem: "altered" } };
    prevHash = r.hash;
  }
  return { ok: true, checked: rows.length };
}

import { GENESIS_HASH } from "../audit/audit-log.js";
import { eventHash } from "./event-payload.js";
import type { HubStore, Sql } from "./store/hub-store.js";
import { verifyOnWorkers, WORKERS_FROM_ROWS } from "./verify-workers.js";

export interface ChainRow {
  door: string;
  checkpoint_seq: number;
  checkpoint_hash: string | null;
  last_seq: number;
}

export interface ChainVerdict {
  door: string;
  ok: boolean;
  checked: number;
  firstBad?: { seq: number; problem: string };
}

export interface StoredRow {
  chain: string;
  seq: number;
  ts_ms: number;
  door: string;
  kind: string;
  credential: string | null;
  outcome: string | null;
  reason: string;
  user_code: string | null;
  detail: string | null;
  prev_hash: string;
  hash: string;
}

/** Rows per FETCH: big enough that the round trip is nothing, small enough that memory stays flat. */
const FETCH_ROWS = 20_000;

const SCRATCH = Buffer.alloc(16);
const PRESENT = 1;
const LINK_HALF = 2; // one side of the link into this seq (prev_hash here, or the hash of seq − 1) seen
const LINK_DONE = 4;

/** Problems at one seq, in the order the in-order walk used to find them. */
const RANK = { duplicate: 0, missing: 1, link: 2, altered: 3 } as const;

/**
 * One chain's walk when rows arrive in any order. Each row's hash is recomputed from its fields
 * as it arrives; each link (the hash of seq − 1 against the prev_hash of seq) is compared when
 * its second half arrives, the first half waiting in a slot of 128 bits (the leading 32 hex
 * digits: forging a link past that is 2^128 work, and every row's full hash is checked anyway).
 * 16 bytes and a state byte per stored row.
 */
export class ChainWalk {
  private state: Uint8Array;
  private slots: Buffer;
  private bad: { seq: number; rank: number; problem: string } | null = null;

  constructor(
    readonly chain: string,
    private readonly checkpointSeq: number,
    checkpointHash: string,
    lastSeq: number,
  ) {
    const span = Math.max(lastSeq - checkpointSeq, 0) + 2;
    this.state = new Uint8Array(span);
    this.slots = Buffer.alloc(span * 16);
    this.half(1, checkpointHash); // the link into the first seq after the checkpoint
  }

  row(r: StoredRow): void {
    const i = r.seq - this.checkpointSeq;
    if (i <= 0) return; // at or before a retention checkpoint: not checked, as before
    this.grow(i + 1);
    if ((this.state[i] ?? 0) & PRESENT) {
      this.found(r.seq, "duplicate", "two different rows under one seq");
      return;
    }
    this.state[i] = (this.state[i] ?? 0) | PRESENT;
    this.half(i, r.prev_hash);
    this.half(i + 1, r.hash);
    const recomputed = eventHash({
      door: r.door,
      seq: r.seq,
      tsMs: r.ts_ms,
      kind: r.kind,
      credential: r.credential,
      outcome: r.outcome,
      reason: r.reason,
      userCode: r.user_code,
      detail: r.detail,
      prevHash: r.prev_hash,
      hash: r.hash,
    });
    if (recomputed !== r.hash) this.found(r.seq, "altered", "altered (hash does not match its fields)");
  }

  verdict(): ChainVerdict {
    // Missing seqs: a hole before a held seq (a tail not yet received is not a hole).
    let nextHeld: number | null = null;
    for (let i = this.state.length - 1; i >= 1; i--) {
      if ((this.state[i] ?? 0) & PRESENT) nextHeld = i + this.checkpointSeq;
      else if (nextHeld !== null)
        this.found(i + this.checkpointSeq, "missing", `missing (next held is ${nextHeld})`);
    }
    let checked = 0;
    const limit = this.bad ? this.bad.seq - this.checkpointSeq : this.state.length;
    for (let i = 1; i < limit && i < this.state.length; i++) if ((this.state[i] ?? 0) & PRESENT) checked++;
    return this.bad
      ? { door: this.chain, ok: false, checked, firstBad: { seq: this.bad.seq, problem: this.bad.problem } }
      : { door: this.chain, ok: true, checked };
  }

  /** One side of the link into index i: kept until the other side arrives, then compared. */
  private half(i: number, hex: string): void {
    if (i >= this.state.length || (this.state[i] ?? 0) & LINK_DONE) return;
    const o = i * 16;
    if ((this.state[i] ?? 0) & LINK_HALF) {
      this.state[i] = (this.state[i] ?? 0) | LINK_DONE;
      SCRATCH.fill(0).write(hex, 0, 16, "hex"); // the first 32 hex digits, no substring made
      if (this.slots.compare(SCRATCH, 0, 16, o, o + 16) !== 0)
        this.found(i + this.checkpointSeq, "link", "does not link to the previous row");
    } else {
      this.state[i] = (this.state[i] ?? 0) | LINK_HALF;
      this.slots.write(hex, o, 16, "hex");
    }
  }

  private found(seq: number, kind: keyof typeof RANK, problem: string): void {
    const rank = RANK[kind];
    if (!this.bad || seq < this.bad.seq || (seq === this.bad.seq && rank < this.bad.rank))
      this.bad = { seq, rank, problem };
  }

  /** A row beyond the chain's last seq (the table edited by hand): room for it. */
  private grow(n: number): void {
    if (n < this.state.length) return;
    const size = Math.max(n + 1, this.state.length * 2);
    const state = new Uint8Array(size);
    state.set(this.state);
    const slots = Buffer.alloc(size * 16);
    this.slots.copy(slots);
    this.state = state;
    this.slots = slots;
  }
}

export const walkOf = (c: ChainRow) =>
  new ChainWalk(c.door, c.checkpoint_seq, c.checkpoint_hash ?? GENESIS_HASH, c.last_seq);

/**
 * Reads every row of the given chains (null: all) in the table's own order through one
 * server-side cursor, the next chunk fetched while this one is hashed. date_part gives seconds
 * as a double: exact to the millisecond the ts holds, and far cheaper than the numeric extract().
 */
export async function walkRows(tx: Sql, walks: Map<string, ChainWalk>, only: string[] | null): Promise<void> {
  await tx.query(
    `DECLARE hub_verify NO SCROLL CURSOR FOR
     SELECT chain, seq, round(date_part('epoch', ts) * 1000)::bigint AS ts_ms, door, kind, credential,
            outcome, reason, user_code, detail, prev_hash, hash
     FROM hub_events ${only ? "WHERE chain = ANY($1::text[])" : ""}`,
    only ? [only] : [],
  );
  const fetch = () => tx.query<StoredRow>(`FETCH ${FETCH_ROWS} FROM hub_verify`);
  let next = fetch();
  for (;;) {
    const rows = await next;
    if (rows.length === 0) break;
    next = fetch();
    for (const r of rows) walks.get(r.chain)?.row(r);
  }
  await tx.query("CLOSE hub_verify");
}

/**
 * Checks each chain end to end, from its retention checkpoint: seqs contiguous, each row's
 * prev_hash the previous row's hash, each hash recomputed from the row's fields (its door
 * included: a controller's one chain covers all its doors). `door` picks one chain, by its id
 * or by a door on it.
 *
 * The rows are read in the table's own order (a sequential scan through one server-side
 * cursor, the next chunk fetched while this one is hashed): reading in chain order walked the
 * key index and fetched rows from all over the table, one page per row. The walk itself then
 * keeps 17 bytes per stored row.
 */
export async function verifyChains(store: HubStore, door?: string): Promise<ChainVerdict[]> {
  const chains = await store.query<ChainRow>(
    `SELECT door, checkpoint_seq, checkpoint_hash, last_seq FROM hub_doors
     ${door ? "WHERE door = $1 OR $1 = ANY(doors)" : ""} ORDER BY door`,
    door ? [door] : [],
  );
  if (chains.length === 0) return [];
  const rows = chains.reduce((n, c) => n + Math.max(c.last_seq - c.checkpoint_seq, 0), 0);
  if (store.connection && rows >= WORKERS_FROM_ROWS) {
    const verdicts = await verifyOnWorkers(store.connection, chains).catch(() => null);
    if (verdicts) return verdicts;
  }
  const walks = new Map(chains.map((c) => [c.door, walkOf(c)]));
  await store.transaction((tx) => walkRows(tx, walks, door ? [...walks.keys()] : null));
  return [...walks.values()].map((w) => w.verdict());
}

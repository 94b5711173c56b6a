import type { HubStore } from "./store/hub-store.js";
import { monthOf, partitionName } from "./store/migrations.js";

export interface HubPurgeResult {
  droppedMonths: string[];
  checkpoints: Array<{ door: string; seq: number }>;
}

/**
 * Retention at the hub: drops whole months of hub_events once the month has ended before the
 * cutoff (now − retention_days), the way the doors purge: first, in the same transaction, each
 * door's checkpoint moves to the last row dropped (seq and hash), which `hub verify` and the
 * ingest's link check start from. Dropping a partition is instant and leaves no bloat.
 */
export async function purgeHub(
  store: HubStore,
  retentionDays: number,
  nowMs: number,
): Promise<HubPurgeResult> {
  const cutoffMonth = monthOf(nowMs - retentionDays * 86_400_000);
  return store.transaction(async (tx) => {
    await tx.query("SELECT pg_advisory_xact_lock(7465)");
    const parts = await tx.query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
       WHERE i.inhparent = 'hub_events'::regclass ORDER BY c.relname`,
    );
    // hub_events_2026_01 ends before the cutoff month starts: every row in it is older than kept.
    const months = parts
      .map((p) => /^hub_events_(\d{4})_(\d{2})$/.exec(p.name))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => `${m[1]}-${m[2]}`)
      .filter((m) => m < cutoffMonth);
    if (months.length === 0) return { droppedMonths: [], checkpoints: [] };
    const names = months.map(partitionName);
    const lasts = await tx.query<{ door: string; seq: number; hash: string }>(
      `SELECT DISTINCT ON (chain) chain AS door, seq, hash FROM (${names.map((n) => `SELECT chain, seq, hash FROM ${n}`).join(" UNION ALL ")}) t
       ORDER BY chain, seq DESC`,
    );
    const checkpoints: HubPurgeResult["checkpoints"] = [];
    for (const l of lasts) {
      const moved = await tx.query<{ door: string }>(
        `UPDATE hub_doors SET checkpoint_seq = $2, checkpoint_hash = $3 WHERE door = $1 AND checkpoint_seq < $2 RETURNING door`,
        [l.door, l.seq, l.hash],
      );
      if (moved.length) checkpoints.push({ door: l.door, seq: l.seq });
    }
    for (const n of names) await tx.query(`DROP TABLE ${n}`);
    await tx.query("DELETE FROM hub_alerts WHERE ts < $1", [`${cutoffMonth}-01`]);
    return { droppedMonths: months, checkpoints };
  });
}

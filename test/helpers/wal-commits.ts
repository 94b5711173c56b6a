import { existsSync, readFileSync } from "node:fs";

/**
 * How many transactions are in a database's write-ahead log: the frames that end a commit (their
 * "database size after commit" field is set) and belong to the WAL's current generation (their
 * salts match the header's). Under synchronous=FULL each is one fsync, so the difference of two
 * counts is the fsyncs spent between them, measured without timing anything.
 */
export function walCommits(dbPath: string): number {
  const walPath = `${dbPath}-wal`;
  if (!existsSync(walPath)) return 0;
  const wal = readFileSync(walPath);
  if (wal.length < 32) return 0;
  const pageSize = wal.readUInt32BE(8);
  const salt1 = wal.readUInt32BE(16);
  const salt2 = wal.readUInt32BE(20);
  let commits = 0;
  for (let at = 32; at + 24 + pageSize <= wal.length; at += 24 + pageSize) {
    if (wal.readUInt32BE(at + 8) !== salt1 || wal.readUInt32BE(at + 12) !== salt2) break;
    if (wal.readUInt32BE(at + 4) !== 0) commits++;
  }
  return commits;
}

/**
 * What the hub raises, stored in hub_alerts and published on the alert topic:
 * - gap: seqs missing before this one (the hub asks the door to re-send);
 * - fork: the door now holds a different row under a seq the hub already has (rewritten log);
 * - rewind: a door's seq went backwards (a restored or replaced database);
 * - bad_hash: an event whose hash does not match its own fields (altered in transit or forged);
 * - bad_head_signature: a signed head that does not verify with the door's enrolled key (a head
 *   that verifies but disagrees with a held row is a fork);
 * - new_door: a door seen for the first time, pending an admin's approval.
 */
export type AlertKind =
  | "gap"
  | "fork"
  | "rewind"
  | "bad_hash"
  | "malformed"
  | "bad_head_signature"
  | "new_door";

export interface HubAlert {
  door: string;
  kind: AlertKind;
  seq: number | null;
  detail: Record<string, unknown> | null;
}

export interface ResendRequest {
  door: string;
  prefix: string;
  fromSeq: number;
}

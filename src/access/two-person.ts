/** The first of two people, waiting for a second within the window. */
export interface PendingPerson {
  userCode: string;
  atMs: number;
}

export type TwoPersonStep =
  | { type: "wait"; pending: PendingPerson }
  | { type: "same_person"; pending: PendingPerson }
  | { type: "complete"; firstUserCode: string };

/**
 * One authorised presentation under the two-person rule. Pure: the caller keeps `pending`.
 * An expired first presentation is forgotten, so the newcomer becomes the first again.
 */
export function twoPersonStep(
  pending: PendingPerson | null,
  userCode: string,
  nowMs: number,
  windowMs: number,
): TwoPersonStep {
  const live = pending !== null && nowMs - pending.atMs <= windowMs ? pending : null;
  if (!live) return { type: "wait", pending: { userCode, atMs: nowMs } };
  if (live.userCode === userCode) return { type: "same_person", pending: live };
  return { type: "complete", firstUserCode: live.userCode };
}

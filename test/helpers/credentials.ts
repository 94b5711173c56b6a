import type { Harness } from "./harness.js";

/** Gives an existing user the template in `slot` (preloaded on the virtual sensor as fingerId). */
export function giveFinger(h: Harness, userCode: string, slot: number, fingerId = `finger-${slot}`): void {
  const { users } = h.app.services;
  h.sim.fingerprint.preload(slot, fingerId);
  users.setCredential(users.require(userCode).id, "fingerprint", String(slot), h.clock.now());
}

export function giveBadge(h: Harness, userCode: string, number: string): void {
  const { users, hasher } = h.app.services;
  users.setCredential(users.require(userCode).id, "badge", hasher.hash("badge", number), h.clock.now());
}

/** Places a finger and waits long enough for a poll (200 ms) and the three-command identify. */
export async function touch(h: Harness, fingerId: string, holdMs = 600): Promise<void> {
  h.sim.fingerprint.placeFinger(fingerId);
  await h.clock.advance(holdMs);
  h.sim.fingerprint.liftFinger();
  await h.clock.advance(250);
  await h.app.services.access.idle();
}

export async function swipe(h: Harness, number: number): Promise<void> {
  await h.sim.wiegand.present(number).then(undefined, () => undefined);
}

/** The access rows only (no door/system noise), as [reason, outcome, credential]. */
export function accessRows(h: Harness): [string, string | null, string | null][] {
  return h.app.services.audit
    .tail(1000)
    .filter((r) => r.kind === "access")
    .map((r) => [r.reason, r.outcome, r.credential]);
}

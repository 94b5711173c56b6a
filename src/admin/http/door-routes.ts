import { z } from "zod";
import { HttpError, type Router, validate } from "./router.js";
import { type WebDeps, webActor } from "./web-deps.js";

const confirmed = z
  .object({ confirm: z.literal(true, "confirm must be true: the page asks before it acts") })
  .strict();

/** Status, the door controls and log verification. */
export function addDoorRoutes(router: Router, deps: WebDeps): void {
  const { door, access, audit, clock, settings } = deps;

  router.add("GET", "/api/status", () => {
    const lockout = access.lockoutState(clock.now());
    return {
      json: {
        door_id: settings.door_id,
        time: new Date(clock.now()).toISOString(),
        door: door.status(),
        keypad_lockout: {
          locked_out: lockout.lockedOut,
          until: lockout.untilMs === null ? null : new Date(lockout.untilMs).toISOString(),
          failures: lockout.failures,
        },
        last_seq: audit.last()?.seq ?? 0,
      },
    };
  });

  // The audit row (credential "remote", detail.by) is committed before the relay moves.
  router.add("POST", "/api/door/unlock", async ({ body, session }) => {
    validate(confirmed, body);
    try {
      const record = await access.remoteUnlock({ by: webActor(session?.admin ?? "?") });
      return { json: { ok: true, seq: record.seq, door: door.status() } };
    } catch (err) {
      throw new HttpError(409, `the door did not unlock: ${(err as Error).message}`);
    }
  });

  router.add("POST", "/api/door/lock", async ({ body, session }) => {
    validate(confirmed, body);
    audit.append(
      {
        kind: "door",
        reason: "remote_lock",
        credential: "remote",
        detail: { by: webActor(session?.admin ?? "?") },
      },
      clock.now(),
    );
    await door.lock();
    return { json: { ok: true, door: door.status() } };
  });

  router.add("GET", "/api/log/verify", () => ({ json: audit.verify() }));
}

import { z } from "zod";
import { DoorCommandRefused } from "../../door/door-commands.js";
import { HttpError, type Router, validate } from "./router.js";
import { type WebDeps, webActor } from "./web-deps.js";

const confirmed = z
  .object({ confirm: z.literal(true, "confirm must be true: the page asks before it acts") })
  .strict();

const modeSwitch = z
  .object({
    on: z.boolean("on must be true or false"),
    confirm: z.literal(true, "confirm must be true: the page asks before it acts"),
  })
  .strict();

/** Lock, door, mode and device health in one object: GET /api/status and the live `status` event. */
export function liveStatus(deps: WebDeps) {
  const m = deps.policy.mode.status();
  return {
    door: deps.door.status(),
    mode: {
      mode: m.mode,
      since: m.since_ms ? new Date(m.since_ms).toISOString() : null,
      by: m.by,
      held_for: m.held_for,
    },
    health: Object.fromEntries(
      Object.entries(deps.health.snapshot()).map(([device, e]) => [
        device,
        { state: e.state, detail: e.detail, since: new Date(e.since_ms).toISOString(), faults: e.faults },
      ]),
    ),
  };
}

/** Status, the door controls (unlock once, lock, lockdown, emergency unlock) and log verification. */
export function addDoorRoutes(router: Router, deps: WebDeps): void {
  const { door, access, audit, clock, settings, commands } = deps;

  router.add("GET", "/api/status", () => {
    const lockout = access.lockoutState("pin", clock.now());
    return {
      json: {
        door_id: settings.door_id,
        time: new Date(clock.now()).toISOString(),
        ...liveStatus(deps),
        keypad_lockout: {
          locked_out: lockout.lockedOut,
          until: lockout.untilMs === null ? null : new Date(lockout.untilMs).toISOString(),
          failures: lockout.failures,
        },
        last_seq: audit.last()?.seq ?? 0,
      },
    };
  });

  // DoorCommands: the same rules and one audit row per command, as over MQTT and from the CLI.
  const actor = (session: { admin: string } | null | undefined) => ({ by: webActor(session?.admin ?? "?") });
  const refusal = (err: unknown, what: string): never => {
    if (err instanceof DoorCommandRefused) throw new HttpError(409, err.message, err.field);
    throw new HttpError(409, `${what}: ${(err as Error).message}`);
  };

  // The audit row (credential "remote", detail.by) is committed before the relay moves.
  router.add("POST", "/api/door/unlock", async ({ body, session }) => {
    validate(confirmed, body);
    try {
      const record = await commands.unlockOnce(settings.door_id, actor(session));
      return { json: { ok: true, seq: record.seq, door: door.status() } };
    } catch (err) {
      return refusal(err, "the door did not unlock");
    }
  });

  router.add("POST", "/api/door/lock", async ({ body, session }) => {
    validate(confirmed, body);
    try {
      await commands.lock(settings.door_id, actor(session));
    } catch (err) {
      refusal(err, "the door did not lock");
    }
    return { json: { ok: true, door: door.status() } };
  });

  // The same path as `doorward door lockdown|emergency on|off`: the persisted mode and its audit
  // row naming the admin in one transaction, then applied to the relay at once.
  for (const [path, mode] of [
    ["/api/door/lockdown", "lockdown"],
    ["/api/door/emergency", "emergency_unlock"],
  ] as const) {
    router.add("POST", path, async ({ body, session }) => {
      const { on } = validate(modeSwitch, body);
      try {
        await commands.setMode(settings.door_id, { mode, on }, actor(session));
      } catch (err) {
        refusal(err, "the mode did not change");
      }
      return { json: liveStatus(deps) };
    });
  }

  router.add("GET", "/api/log/verify", () => ({ json: audit.verify() }));
}

import { z } from "zod";
import { DoorCommandRefused } from "../../door/door-commands.js";
import type { DoorUnit } from "../../door/door-unit.js";
import { HttpError, type Router, validate } from "./router.js";
import { type WebDeps, webActor } from "./web-deps.js";

/** The door a request names; optional when the controller has one door. */
const doorField = z.string().max(63).optional();

const confirmed = z
  .object({ confirm: z.literal(true, "confirm must be true: the page asks before it acts"), door: doorField })
  .strict();

const modeSwitch = z
  .object({
    on: z.boolean("on must be true or false"),
    confirm: z.literal(true, "confirm must be true: the page asks before it acts"),
    door: doorField,
  })
  .strict();

/** One door's parts as the page reaches them. */
interface PageDoor {
  id: string;
  door: Pick<DoorUnit["door"], "status">;
  access: Pick<DoorUnit["access"], "lockoutState">;
  mode: Pick<DoorUnit["policy"]["mode"], "status">;
}

function pageDoors(deps: WebDeps): PageDoor[] {
  if (!deps.units)
    return [{ id: deps.settings.door_id, door: deps.door, access: deps.access, mode: deps.policy.mode }];
  return deps.units.map((u) => ({ id: u.id, door: u.door, access: u.access, mode: u.policy.mode }));
}

/** The door a request names, or the only door; a 400 naming the doors otherwise. */
export function requestedDoor(deps: WebDeps, requested: string | null | undefined): PageDoor {
  const doors = pageDoors(deps);
  const ids = doors.map((d) => d.id).join(", ");
  if (requested === undefined || requested === null) {
    if (doors.length === 1) return doors[0] as PageDoor;
    throw new HttpError(400, `this controller has ${doors.length} doors; name one (${ids})`, "door");
  }
  const found = doors.find((d) => d.id === requested);
  if (!found) throw new HttpError(404, `no such door '${requested}' (doors: ${ids})`, "door");
  return found;
}

/** Lock, door, mode and device health in one object: GET /api/status and the live `status` event. */
export function liveStatus(deps: WebDeps, which: PageDoor = pageDoors(deps)[0] as PageDoor) {
  const m = which.mode.status();
  const several = pageDoors(deps).length > 1;
  return {
    door: which.door.status(),
    mode: {
      mode: m.mode,
      since: m.since_ms ? new Date(m.since_ms).toISOString() : null,
      // The page is on the device: the admin code as the account it stands for.
      by: deps.adminCodes.named(m.by),
      held_for: m.held_for,
    },
    health: Object.fromEntries(
      Object.entries(deps.health.snapshot())
        // Beside other doors, a door's devices are named `<door>/<device>`; controller-wide ones have no door.
        .filter(([device]) => !several || !device.includes("/") || device.startsWith(`${which.id}/`))
        .map(([device, e]) => [
          device,
          { state: e.state, detail: e.detail, since: new Date(e.since_ms).toISOString(), faults: e.faults },
        ]),
    ),
  };
}

/** Status, the door controls (unlock once, lock, lockdown, emergency unlock) and log verification. */
export function addDoorRoutes(router: Router, deps: WebDeps): void {
  const { audit, clock, commands } = deps;

  // Every door with its status, for the page's door list.
  router.add("GET", "/api/doors", () => ({
    json: {
      doors: pageDoors(deps).map((d) => ({ door_id: d.id, ...liveStatus(deps, d) })),
      interlocks: deps.settings.interlocks,
    },
  }));

  router.add("GET", "/api/status", ({ query }) => {
    const which = requestedDoor(deps, query.get("door"));
    const lockout = which.access.lockoutState("pin", clock.now());
    return {
      json: {
        door_id: which.id,
        time: new Date(clock.now()).toISOString(),
        ...liveStatus(deps, which),
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
  const actor = (session: { admin: string } | null | undefined) => ({
    by: webActor(deps, session?.admin ?? "?"),
  });
  const refusal = (err: unknown, what: string): never => {
    if (err instanceof DoorCommandRefused) throw new HttpError(409, err.message, err.field);
    throw new HttpError(409, `${what}: ${(err as Error).message}`);
  };

  // The audit row (credential "remote", detail.by) is committed before the relay moves.
  router.add("POST", "/api/door/unlock", async ({ body, session }) => {
    const which = requestedDoor(deps, validate(confirmed, body).door);
    try {
      const record = await commands.unlockOnce(which.id, actor(session));
      return { json: { ok: true, seq: record.seq, door: which.door.status() } };
    } catch (err) {
      return refusal(err, "the door did not unlock");
    }
  });

  router.add("POST", "/api/door/lock", async ({ body, session }) => {
    const which = requestedDoor(deps, validate(confirmed, body).door);
    try {
      await commands.lock(which.id, actor(session));
    } catch (err) {
      refusal(err, "the door did not lock");
    }
    return { json: { ok: true, door: which.door.status() } };
  });

  // The same path as `doorward door lockdown|emergency on|off`: the persisted mode and its audit
  // row naming the admin in one transaction, then applied to the relay at once.
  for (const [path, mode] of [
    ["/api/door/lockdown", "lockdown"],
    ["/api/door/emergency", "emergency_unlock"],
  ] as const) {
    router.add("POST", path, async ({ body, session }) => {
      const { on, door } = validate(modeSwitch, body);
      const which = requestedDoor(deps, door);
      try {
        await commands.setMode(which.id, { mode, on }, actor(session));
      } catch (err) {
        refusal(err, "the mode did not change");
      }
      return { json: liveStatus(deps, which) };
    });
  }

  router.add("GET", "/api/log/verify", () => ({ json: audit.verify() }));
}

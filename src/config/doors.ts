import type { z } from "zod";
import { badgeReaderKind } from "./badge-schema.js";
import type { DoorSettings, ReaderSettings } from "./door-schema.js";
import { fingerprintEnabled } from "./fingerprint-schema.js";
import type { Settings } from "./schema.js";

/** Keys of today's single-door file; with a `doors:` list each door carries its own. */
export const SINGLE_DOOR_KEYS = ["door_id", "door", "gpio", "keypad", "fingerprint", "badge"] as const;

/**
 * The one place where both config forms become the list every part of the controller uses.
 * Today's single-door file is one door: `door_id` is its id, `door`/`gpio` its timings and lines,
 * and `keypad`/`fingerprint`/`badge` its readers (ids `keypad`, `fingerprint`, `badge`, all
 * `direction: in`). It is resolved at use, not at parse: "auto" readers depend on
 * hardware.backend, which `--simulate` changes after the file was read.
 */
export function doorsOf(settings: Settings): DoorSettings[] {
  if (settings.doors) return settings.doors;
  const readers: ReaderSettings[] = [{ id: "keypad", kind: "keypad", direction: "in", ...settings.keypad }];
  if (fingerprintEnabled(settings)) {
    const { enabled: _enabled, ...fingerprint } = settings.fingerprint;
    readers.push({ id: "fingerprint", kind: "fingerprint", direction: "in", ...fingerprint });
  }
  const badge = badgeReaderKind(settings);
  if (badge !== "none")
    readers.push({ id: "badge", kind: "badge", direction: "in", ...settings.badge, reader: badge });
  return [
    {
      id: settings.door_id,
      door: settings.door,
      gpio: settings.gpio,
      readers,
      anti_passback: "off",
      forgive_at: null,
    },
  ];
}

/**
 * With a `doors:` list, the single-door keys are filled from it for the code that knows one
 * door (the CLI's fingerprint enrolment, doctor, the MQTT client id): `door_id`/`door` are the
 * first door's, `keypad`/`fingerprint`/`badge` the first reader of each kind, or absent.
 */
export function mirrorFirstDoor(s: Settings): Settings {
  const first = s.doors?.[0];
  if (!s.doors || !first) return s;
  const readers = s.doors.flatMap((d) => d.readers);
  const keypad = readers.find((r) => r.kind === "keypad");
  const fingerprint = readers.find((r) => r.kind === "fingerprint");
  const badge = readers.find((r) => r.kind === "badge");
  const strip = <T extends { id: string; kind: string; direction: string }>({
    id: _i,
    kind: _k,
    direction: _d,
    ...rest
  }: T) => rest;
  return {
    ...s,
    door_id: first.id,
    door: first.door,
    keypad: keypad ? strip(keypad) : s.keypad,
    fingerprint: fingerprint
      ? { ...strip(fingerprint), enabled: true }
      : { ...s.fingerprint, enabled: false },
    badge: badge ? strip(badge) : { ...s.badge, reader: "none" },
  };
}

export function doorIds(settings: Settings): string[] {
  return doorsOf(settings).map((d) => d.id);
}

/** The door a request names, or the only door; null with an error message otherwise. */
export function resolveDoorId(
  settings: Settings,
  requested: string | undefined,
): { door: string } | { error: string } {
  const ids = doorIds(settings);
  if (requested === undefined) {
    if (ids.length === 1) return { door: ids[0] as string };
    return { error: `this controller has ${ids.length} doors; name one with --door (${ids.join(", ")})` };
  }
  if (!ids.includes(requested)) return { error: `no such door '${requested}' (doors: ${ids.join(", ")})` };
  return { door: requested };
}

/**
 * HA turns '-' into '_' in entity ids and slugs, so `records-room` and `records_room` would be
 * one entity there: such ids are rejected as colliding.
 */
export function slugOf(id: string): string {
  return id.replace(/-/g, "_");
}

type Ctx = z.RefinementCtx;
type Path = (string | number)[];

/** Notes who uses each resource first and names the second user of the same one. */
class Claims {
  private readonly owners = new Map<string, string>();
  constructor(
    private readonly ctx: Ctx,
    private readonly what: string,
  ) {}
  claim(key: string, path: Path, label: string): void {
    const owner = this.owners.get(key);
    if (owner === undefined) {
      this.owners.set(key, path.join("."));
      return;
    }
    this.ctx.addIssue({ code: "custom", path, message: `${this.what} ${label} is already used by ${owner}` });
  }
}

/**
 * With a `doors:` list, today's single-door keys would say nothing clear (which door?): each one
 * is named as an error. Works on the raw file, since the parsed value has every default filled.
 */
export function checkSingleDoorKeys(raw: unknown, ctx: { addIssue(issue: z.core.$ZodRawIssue): void }): void {
  if (!raw || typeof raw !== "object" || !("doors" in raw) || (raw as { doors: unknown }).doors == null)
    return;
  for (const key of SINGLE_DOOR_KEYS)
    if (key in raw)
      ctx.addIssue({
        code: "custom",
        input: raw,
        path: [key],
        message: `not allowed with doors: (each door has its own ${key === "door_id" ? "id" : key})`,
      });
}

/**
 * Conflicts inside a `doors:` list, each reported at the key of the second user: duplicate ids
 * (doors and readers share one namespace, the console's `@name`), ids that collide as MQTT
 * topics or HA node ids, one GPIO line used twice, one serial port or I2C address used twice.
 * Interlocks must name known doors, in both config forms.
 */
export function checkDoors(s: Settings, ctx: Ctx): void {
  const known = s.doors ? s.doors.map((d) => d.id) : [s.door_id];
  s.interlocks.forEach((set, i) => {
    set.forEach((id, j) => {
      if (!known.includes(id))
        ctx.addIssue({
          code: "custom",
          path: ["interlocks", i, j],
          message: `no such door '${id}' (doors: ${known.join(", ")})`,
        });
    });
    if (new Set(set).size !== set.length)
      ctx.addIssue({ code: "custom", path: ["interlocks", i], message: "names a door twice" });
  });
  const doors = s.doors;
  if (!doors) return;
  const ids = new Claims(ctx, "id");
  const slugs = new Claims(ctx, "id (as an MQTT topic / Home Assistant node id)");
  const lines = new Claims(ctx, "GPIO line");
  const ports = new Claims(ctx, "serial port");
  const i2c = new Claims(ctx, "I2C address");
  const seen = new Set<string>();
  const claimId = (id: string, path: Path) => {
    if (seen.has(id)) ids.claim(id, path, `'${id}'`);
    else {
      seen.add(id);
      ids.claim(id, path, `'${id}'`);
      slugs.claim(slugOf(id), path, `'${id}'`);
    }
  };
  /** OSDP port → its baud and the config path that set it; addresses are claimed per port. */
  const osdpBuses = new Map<string, { baud: number; path: string }>();
  const osdpAddresses = new Claims(ctx, "OSDP address");
  let keypadBus: number | null = null;
  let fingerprints = 0;
  doors.forEach((door, d) => {
    const at = (...rest: Path): Path => ["doors", d, ...rest];
    claimId(door.id, at("id"));
    for (const [name, line] of Object.entries(door.gpio))
      if (line) lines.claim(String(line.line), at("gpio", name, "line"), String(line.line));
    door.readers.forEach((r, i) => {
      const rat = (...rest: Path) => at("readers", i, ...rest);
      claimId(r.id, rat("id"));
      switch (r.kind) {
        case "keypad":
          i2c.claim(
            `${r.i2c_bus}:${r.address}`,
            rat("address"),
            `0x${r.address.toString(16)} on bus ${r.i2c_bus}`,
          );
          if (r.interrupt_gpio !== null)
            lines.claim(String(r.interrupt_gpio), rat("interrupt_gpio"), String(r.interrupt_gpio));
          // The transports open one I2C bus (devices/types.ts Transports.i2c).
          if (keypadBus === null) keypadBus = r.i2c_bus;
          else if (r.i2c_bus !== keypadBus)
            ctx.addIssue({
              code: "custom",
              path: rat("i2c_bus"),
              message: `every keypad must be on one I2C bus (${keypadBus})`,
            });
          break;
        case "fingerprint":
          ports.claim(r.port, rat("port"), r.port);
          // Templates live in the sensor's slots, and enrolment talks to one sensor.
          if (++fingerprints > 1)
            ctx.addIssue({
              code: "custom",
              path: rat("kind"),
              message: "one fingerprint sensor per controller",
            });
          break;
        case "badge":
          if (r.reader === "rdm6300") ports.claim(r.rdm6300.port, rat("rdm6300", "port"), r.rdm6300.port);
          else {
            lines.claim(String(r.wiegand.d0_line), rat("wiegand", "d0_line"), String(r.wiegand.d0_line));
            lines.claim(String(r.wiegand.d1_line), rat("wiegand", "d1_line"), String(r.wiegand.d1_line));
          }
          break;
        case "osdp": {
          // Several OSDP readers share one port (multi-drop): the port is claimed once, by the bus.
          const bus = osdpBuses.get(r.port);
          if (!bus) {
            osdpBuses.set(r.port, { baud: r.baud, path: rat("port").join(".") });
            ports.claim(r.port, rat("port"), r.port);
          } else if (bus.baud !== r.baud)
            ctx.addIssue({
              code: "custom",
              path: rat("baud"),
              message: `${r.port} runs at ${bus.baud} baud (set by ${bus.path}); one bus has one speed`,
            });
          osdpAddresses.claim(`${r.port}#${r.address}`, rat("address"), `${r.address} on ${r.port}`);
          break;
        }
      }
    });
  });
}

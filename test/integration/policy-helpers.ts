import type { DoorMode } from "../../src/access/decide.js";
import { PolicyAdminService } from "../../src/admin/policy-admin-service.js";
import type { DoorCommands, ModeSwitch } from "../../src/door/door-commands.js";
import type { Harness } from "../helpers/harness.js";

/** An admin acting on the running controller's own database connection. */
export function adminFor(h: Harness, actor = "os:test"): PolicyAdminService {
  const { db, users, hasher, audit } = h.app.services;
  return new PolicyAdminService(db, users, hasher, audit, h.clock, actor, { minLength: 4, maxLength: 8 });
}

/**
 * Sets the door mode through DoorCommands, as `doorward door lockdown|emergency on|off` does;
 * "normal" switches off whichever mode is on. The mode commits before the first await.
 */
export function switchMode(commands: DoorCommands, door: string, mode: DoorMode, by = "os:test") {
  const current = commands.mode(door).mode;
  const request: ModeSwitch =
    mode === "normal" ? { mode: current as ModeSwitch["mode"], on: false } : { mode, on: true };
  return commands.setMode(door, request, { by });
}

/** Every level change on the relay and indicator pins, timed from `t0`: what a person at the door perceives. */
export function traceDoorOutputs(h: Harness, t0: number): string[] {
  const trace: string[] = [];
  const lines = {
    relay: h.settings.gpio.relay.line,
    green: h.settings.gpio.led_green.line,
    red: h.settings.gpio.led_red.line,
    buzzer: h.settings.gpio.buzzer.line,
  };
  for (const [name, line] of Object.entries(lines)) {
    h.sim.gpio.pin(line).onChange((level) => trace.push(`${h.clock.now() - t0} ${name}=${level}`));
  }
  return trace;
}

import { PolicyAdminService } from "../../src/admin/policy-admin-service.js";
import type { Harness } from "../helpers/harness.js";

/** An admin acting on the running controller's own database connection. */
export function adminFor(h: Harness, actor = "os:test"): PolicyAdminService {
  const { db, users, hasher, audit } = h.app.services;
  return new PolicyAdminService(db, users, hasher, audit, h.clock, actor, { minLength: 4, maxLength: 8 });
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

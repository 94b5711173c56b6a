import type { Clock } from "../../../devices/types.js";
import type { Simulator } from "../../../simulator/simulator.js";
import type { App } from "../../app.js";
import { AdminCodeBook } from "../../audit/admin-code-book.js";
import type { Settings } from "../../config/schema.js";
import { SensorRequestStore } from "../../store/sensor-request-store.js";
import { AdminService, currentActor } from "../admin-service.js";
import { CredentialAdmin } from "../credential-admin.js";

/** Demo credentials on an empty simulated controller: alice has the finger in sensor slot 1 (`finger 1`) and badge 12345678. */
export const DEMO_USERS = [
  { name: "alice", pin: "1234", slot: 1, badge: "12345678" },
  { name: "bob", pin: "5678", slot: 2, badge: "87654321" },
];

/**
 * On an empty simulated controller, two people to try the door with. Never on real hardware.
 * They are added through the same audited services an admin uses, so each person, PIN, badge
 * and finger has its row in the log like any other.
 */
export function seedDemoUsers(
  running: { app: App; sim: Simulator | null; clock: Clock },
  settings: Settings,
  out: (line: string) => void,
): void {
  const { users, hasher, audit, db } = running.app.services;
  // The virtual sensor's flash does not outlive the process: refill it from the store so enrolled
  // fingers ("finger-N" for slot N) still match after a restart of the simulator.
  if (running.sim) {
    for (const slot of new SensorRequestStore(db).assignedSlots().keys())
      running.sim.fingerprint.preload(slot, `finger-${slot}`);
  }
  if (users.list().length > 0) return;
  const actor = AdminCodeBook.forSettings(db, settings).actor(currentActor());
  const admin = new AdminService(users, hasher, audit, running.clock, actor, {
    minLength: settings.pin.min_length,
    maxLength: settings.pin.max_length,
  });
  const credentials = new CredentialAdmin(db, users, hasher, audit, running.clock, actor);
  for (const demo of DEMO_USERS) {
    const user = admin.addUser(demo.name);
    admin.setPin(user.userCode, demo.pin);
    credentials.addBadge(user.userCode, demo.badge);
    let finger = "";
    if (running.sim && running.app.services.credentials.fingerprint) {
      running.sim.fingerprint.preload(demo.slot, `finger-${demo.slot}`);
      credentials.assignEnrolledSlot(user.userCode, demo.slot);
      finger = `, finger ${demo.slot}`;
    }
    out(`demo user ${demo.name} (${user.userCode}) PIN ${demo.pin}, badge ${demo.badge}${finger}`);
  }
}

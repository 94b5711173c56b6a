import { afterEach, describe, expect, it } from "vitest";
import { seedDemoUsers } from "../../src/admin/commands/demo-users.js";
import { touch } from "../helpers/credentials.js";
import { type Harness, startHarness } from "../helpers/harness.js";

let h: Harness | null = null;
afterEach(async () => {
  await h?.app.stop();
  h = null;
});

describe("demo people of npm start (issue 11 item 9)", () => {
  it("are seeded through the audited path: a row for each person, PIN, badge and finger", async () => {
    h = await startHarness({ hardware: { backend: "simulated" } });
    const lines: string[] = [];
    seedDemoUsers(h, h.settings, (l) => lines.push(l));
    expect(lines).toHaveLength(2);
    const rows = h.app.services.audit.tail(100);
    const codes = h.app.services.users.list().map((u) => u.userCode);
    expect(codes).toHaveLength(2);
    for (const code of codes) {
      const reasons = rows.filter((r) => r.userCode === code).map((r) => r.reason);
      expect(reasons).toEqual(["user_added", "pin_set", "badge_set", "fingerprint_enrolled"]);
    }
    expect(h.app.services.audit.verify().ok).toBe(true);
    // The seeded finger opens the door like one enrolled by an admin.
    await touch(h, "finger-1");
    expect(h.reasons()).toContain("granted");
  });
});

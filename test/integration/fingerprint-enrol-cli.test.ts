import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runCli } from "../../src/admin/cli.js";
import { openAdminContext } from "../../src/admin/cli-context.js";
import {
  credentialAdmin,
  enrollThroughService,
  fingerprintCheck,
} from "../../src/admin/commands/fingerprint-command.js";
import { accessRows, giveFinger, touch } from "../helpers/credentials.js";
import { type Harness, startHarness } from "../helpers/harness.js";

let h: Harness;
afterEach(async () => {
  await h?.app.stop();
});

/** The CLI side, as another process would see it: its own connection to the same database. */
function cliAdmin() {
  const config = join(h.settings.data_dir, "config.yaml");
  writeFileSync(config, `data_dir: ${h.settings.data_dir}\n`);
  const ctx = openAdminContext(config, {});
  return { ctx, admin: credentialAdmin(ctx), config };
}

/** The person at the sensor reacts to each printed prompt a moment later. */
function person(fingerId: string) {
  const printed: string[] = [];
  const out = (line: string) => {
    printed.push(line);
    if (line.startsWith("Place")) h.sim.fingerprint.placeFinger(fingerId);
    if (line.startsWith("Lift") || line.startsWith("The two captures")) h.sim.fingerprint.liftFinger();
    if (line === "Stored.") h.sim.fingerprint.liftFinger();
  };
  return { printed, out };
}

const fakeTime = () => ({ sleep: (ms: number) => h.clock.advance(ms), now: () => h.clock.now() });

describe("fingerprint enrolment through the CLI request channel", () => {
  it("enrols into the asked slot with guided prompts; then that finger opens the door", async () => {
    h = await startHarness();
    const code = h.addUserWithPin("alice", "1234");
    const { ctx, admin } = cliAdmin();
    const p = person("alice-index");
    const slot = await enrollThroughService(admin, "alice", 5, p.out, fakeTime());
    ctx.close();
    expect(slot).toBe(5);
    expect(p.printed).toEqual([
      expect.stringContaining("enrolling a finger for alice"),
      "Place the finger on the sensor.",
      "Lift the finger.",
      "Place the same finger again.",
      "Stored.",
    ]);
    expect(h.sim.fingerprint.templateAt(5)).toBe("alice-index");
    expect(h.app.services.audit.tail(50).find((r) => r.reason === "fingerprint_enrolled")).toMatchObject({
      userCode: code,
      detail: { slot: 5, by: expect.stringMatching(/^os:/) },
    });
    await h.clock.advance(1000);
    await touch(h, "alice-index");
    expect(accessRows(h)).toEqual([["granted", "granted", "fingerprint"]]);
  });

  it("without --slot the service picks the lowest slot free on the sensor and in the store", async () => {
    h = await startHarness();
    const bob = h.addUserWithPin("bob", "5678");
    giveFinger(h, bob, 0);
    h.sim.fingerprint.preload(1, "orphan");
    h.addUserWithPin("alice", "1234");
    const { ctx, admin } = cliAdmin();
    const slot = await enrollThroughService(admin, "alice", null, person("alice-index").out, fakeTime());
    ctx.close();
    expect(slot).toBe(2);
  });

  it("a failure on the sensor (flash error) fails the request with the reason and an audit row", async () => {
    h = await startHarness();
    h.addUserWithPin("alice", "1234");
    h.sim.fingerprint.flashFails = true;
    const { ctx, admin } = cliAdmin();
    await expect(
      enrollThroughService(admin, "alice", 3, person("alice-index").out, fakeTime()),
    ).rejects.toThrow(/enrolment failed: .*flash/);
    ctx.close();
    expect(h.reasons()).toContain("fingerprint_enrol_failed");
    expect(h.app.services.users.findByCredential("fingerprint", "3")).toBeUndefined();
  });

  it("a slot belonging to someone else is refused", async () => {
    h = await startHarness();
    const bob = h.addUserWithPin("bob", "5678");
    giveFinger(h, bob, 3);
    h.addUserWithPin("alice", "1234");
    const { ctx, admin } = cliAdmin();
    await expect(enrollThroughService(admin, "alice", 3, () => {}, fakeTime())).rejects.toThrow(
      /belongs to another user/,
    );
    ctx.close();
  });

  it("with no controller running the CLI gives up with a clear reason instead of hanging", async () => {
    h = await startHarness({ fingerprint: { enabled: false } });
    h.addUserWithPin("alice", "1234");
    const { ctx, admin } = cliAdmin();
    await expect(enrollThroughService(admin, "alice", 3, () => {}, fakeTime())).rejects.toThrow(
      /is it running/,
    );
    ctx.close();
  });

  it("fingerprint remove queues the slot; the service deletes it; check reports orphans and missing templates", async () => {
    h = await startHarness();
    const alice = h.addUserWithPin("alice", "1234");
    const bob = h.addUserWithPin("bob", "5678");
    giveFinger(h, alice, 1);
    giveFinger(h, bob, 2);
    h.sim.fingerprint.preload(9, "orphan");
    h.app.services.users.setCredential(
      h.app.services.users.require(bob).id,
      "fingerprint",
      "4",
      h.clock.now(),
    ); // nothing in slot 4
    const { ctx, admin, config } = cliAdmin();
    const io = { stdout: sink(), stderr: sink(), stdin: process.stdin, env: {} };
    expect(await runCli(["fingerprint", "remove", "alice", "--config", config], io)).toBe(0);
    expect(io.stdout.text()).toContain("slots 1 queued for deletion");
    await h.clock.advance(1200);
    expect(h.sim.fingerprint.templateAt(1)).toBeUndefined();

    const lines: string[] = [];
    const ok = await fingerprintCheck(admin, (l) => lines.push(l), fakeTime());
    ctx.close();
    expect(ok).toBe(false);
    expect(lines.join("\n")).toMatch(/slot 9: on the sensor but mapped to nobody/);
    expect(lines.join("\n")).toContain(`slot 4: mapped to ${bob} but empty on the sensor`);
    expect(lines.at(-1)).toBe("inconsistent");
  });

  it("badge add/remove through the CLI: the badge opens, then no longer does", async () => {
    h = await startHarness();
    h.addUserWithPin("alice", "1234");
    const { ctx, config } = cliAdmin();
    ctx.close();
    const io = { stdout: sink(), stderr: sink(), stdin: process.stdin, env: {} };
    expect(await runCli(["badge", "add", "alice", "0012345678", "--config", config], io)).toBe(0);
    const swipe = async () => {
      const sent = h.sim.wiegand.present(12345678);
      await h.clock.advance(150);
      await sent;
      await h.app.services.access.idle();
    };
    await swipe();
    expect(h.sim.door.pulseCount()).toBe(1);
    expect(await runCli(["badge", "remove", "alice", "--config", config], io)).toBe(0);
    await h.clock.advance(6000);
    await swipe();
    expect(h.sim.door.pulseCount()).toBe(1);
    expect(await runCli(["badge", "add", "alice", "12ab", "--config", config], io)).toBe(2); // wrong argument (issue 11 item 7)
    expect(await runCli(["badge", "add", "alice", "--config", config], io)).toBe(2);
  });
});

function sink() {
  let text = "";
  const stream = {
    write(chunk: string) {
      text += chunk;
      return true;
    },
    text: () => text,
  };
  return stream as unknown as NodeJS.WritableStream & { text(): string };
}

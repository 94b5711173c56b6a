import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { cli, writeConfig } from "../helpers/cli.js";
import { type Harness, startHarness, tempDir } from "../helpers/harness.js";

let h: Harness | undefined;
afterEach(async () => {
  await h?.app.stop();
  h = undefined;
});

/** A door whose credential hashes use the fleet key, and a CLI config for the same door. */
async function fleetDoor(): Promise<{ h: Harness; config: string }> {
  const dir = tempDir();
  const keyFile = join(dir, "credential.key");
  writeFileSync(keyFile, `${randomBytes(32).toString("hex")}\n`, { mode: 0o600 });
  h = await startHarness({ secrets: { credential_key_file: keyFile } });
  const config = writeConfig(dir, h.settings.data_dir, `secrets:\n  credential_key_file: ${keyFile}\n`);
  return { h, config };
}

describe("every CLI writer hashes with the same credential key as the door", () => {
  it("a duress PIN set from the CLI on a door with a fleet credential key matches at the keypad", async () => {
    const { h, config } = await fleetDoor();
    const code = h.addUserWithPin("alice", "1234");
    const set = await cli(["duress", "set", "alice", "--config", config], { stdin: "9999\n" });
    expect(set).toMatchObject({ code: 0 });
    await h.type("9999#");
    expect(h.sim.door.pulseCount()).toBe(1);
    expect(h.app.services.audit.tail(2)).toMatchObject([
      { reason: "granted", userCode: code },
      { reason: "duress", userCode: code },
    ]);
  });

  it("a badge added from the CLI on a door with a fleet credential key matches at the reader", async () => {
    const { h, config } = await fleetDoor();
    const code = h.addUserWithPin("alice", "1234");
    const added = await cli(["badge", "add", "alice", "123456", "--config", config]);
    expect(added).toMatchObject({ code: 0 });
    const { hasher, users } = h.app.services;
    expect(users.findHolder("badge", hasher.hash("badge", "123456"))?.user.userCode).toBe(code);
  });
});

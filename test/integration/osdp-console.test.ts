import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cli, writeConfig } from "../helpers/cli.js";
import { tempDir } from "../helpers/harness.js";

const DOORS = `log_level: warn
doors:
  - id: outer
    gpio: { relay: { line: 4 }, door_contact: { line: 5 }, rex: { line: 6 } }
    readers:
      - { id: outer-in, kind: osdp, port: /dev/doorward-rs485, address: 0 }
      - { id: outer-out, kind: osdp, port: /dev/doorward-rs485, address: 1, direction: out }
`;

describe("OSDP readers on the simulator console, after doorward osdp install", () => {
  it("install both readers, badge add F:C, then card/osdp commands reach the reader they name", async () => {
    const dir = tempDir();
    const config = writeConfig(dir, join(dir, "data"), DOORS);
    for (const id of ["outer-in", "outer-out"])
      expect((await cli(["osdp", "install", id, "--config", config])).code).toBe(0);
    expect((await cli(["user", "add", "alice", "--config", config])).code).toBe(0);
    const badge = await cli(["badge", "add", "alice", "123:45678", "--config", config]);
    expect(badge.stderr).toBe("");
    const script = [
      "card 123:45678 @outer-in",
      "osdp led @outer-in",
      "card 7:7 @outer-out",
      "card garbled @outer-out",
      "osdp tamper @outer-out",
      "card 123:45678 @nowhere",
      "card 99999:1 @outer-in",
      "status",
      "quit",
    ];
    const run = spawnSync(process.execPath, ["bin/doorward.js", "start", "--simulate", "--config", config], {
      input: `${script.join("\n")}\n`,
      encoding: "utf8",
      timeout: 30_000,
    });
    expect(run.status, run.stderr).toBe(0);
    const out = run.stdout;
    expect(out).toMatch(/access granted granted via badge u-\S+ \{"direction":"in","reader":"outer-in"\}/);
    // The reader's own LED shows the grant (green = 2) with Secure Channel up.
    expect(out).toMatch(/osdp: led=\{[^\n]*"onColor":2[^\n]*secure=true/);
    expect(out).toMatch(/access \S+ denied via badge \{"reader":"outer-out"\}/);
    expect(out).toMatch(/access bad_read denied via badge \{"format":"H10301"[^\n]*"reader":"outer-out"\}/);
    expect(out).toMatch(/system tamper \{"device":"outer\/outer-out","reader":"outer-out"\}/);
    expect(out).toContain("error: no door or reader 'nowhere'");
    expect(out).toContain("error: card: 99999:1 does not fit H10301");
    expect(out).not.toMatch(/"reason":"fault"|system fault/);
    expect(out).toContain("stopped; lock driven locked");
  });
});

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseSettings } from "../../src/config/load-settings.js";
import { hubSubscriptions } from "../../src/hub/mqtt-options.js";
import { cli } from "../helpers/cli.js";
import { tempDir } from "../helpers/harness.js";

describe("hub settings", () => {
  it("defaults to an embedded database and the doors' default prefix", () => {
    const { hub } = parseSettings({});
    expect(hub).toMatchObject({
      database_url: null,
      data_dir: "./data/hub",
      prefix: "doorward",
      retention_days: null,
    });
    expect(hubSubscriptions(hub)).toEqual(["doorward/+/event", "doorward/+/head", "doorward/+/availability"]);
    expect(hubSubscriptions({ ...hub, shared_subscription: true })[0]).toBe(
      "$share/doorward-hub/doorward/+/event",
    );
  });

  it("a bad hub section is a config error naming the key: exit 2, no stack trace", async () => {
    const dir = tempDir();
    const config = join(dir, "config.yaml");
    writeFileSync(config, "hub:\n  database_url: mysql://root@db/x\n  retention_days: 0\n  colour: blue\n");
    const r = await cli(["hub", "doors", "--config", config]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("hub.database_url: a postgres:// URL");
    expect(r.stderr).toContain("hub.retention_days: expected a value >= 1");
    expect(r.stderr).toContain("hub: unknown key 'colour'");
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

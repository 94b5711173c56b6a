import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { VirtualOsdpPd } from "../../simulator/virtual-osdp-pd.js";
import { osdpKeyPath } from "../../src/osdp/osdp-key-store.js";
import { OsdpReaderStatusStore } from "../../src/osdp/reader-status.js";
import { acquireInstanceLock } from "../../src/store/instance-lock.js";
import { openDatabaseReadOnly } from "../../src/store/open-database.js";
import { cli, writeConfig } from "../helpers/cli.js";
import { type Harness, startHarness, tempDir } from "../helpers/harness.js";

const DOORS = `doors:
  - id: outer
    gpio: { relay: { line: 4 }, door_contact: { line: 5 }, rex: { line: 6 } }
    readers:
      - { id: outer-in, kind: osdp, port: /dev/ttyUSB0, address: 2 }
      - { id: outer-plain, kind: osdp, port: /dev/ttyUSB0, address: 3, secure: false }
`;

let h: Harness | undefined;
afterEach(async () => {
  await h?.app.stop();
  h = undefined;
});

function setup() {
  const dir = tempDir();
  const data = join(dir, "data");
  const config = writeConfig(dir, data, DOORS);
  return { data, config };
}

describe("doorward osdp install READER (service stopped; simulated hardware: a reader in factory state)", () => {
  it("sets a fresh key over KEYSET, stores it 0600, and the controller then reaches the reader under it", async () => {
    const { data, config } = setup();
    const r = await cli(["osdp", "install", "outer-in", "--config", config]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/key installed on outer-in \(vendor 0a1b2c, serial \d+, firmware 2\.1\.0\)/);
    const path = osdpKeyPath(data);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const hex = JSON.parse(readFileSync(path, "utf8"))["outer-in"] as string;
    expect(hex).toMatch(/^[0-9a-f]{32}$/);
    expect(hex).not.toBe("303132333435363738393a3b3c3d3e3f"); // never SCBK-D
    expect(r.stdout).not.toContain(hex);

    // The service (simulated reader provisioned with the stored key) gets Secure Channel with it.
    h = await startHarness({
      data_dir: data,
      doors: [
        {
          id: "outer",
          gpio: { relay: { line: 4 }, door_contact: { line: 5 }, rex: { line: 6 } },
          readers: [{ id: "outer-in", kind: "osdp", port: "/dev/ttyUSB0", address: 2 }],
        },
      ],
    });
    await h.clock.advance(200);
    const pd = h.sim.doors[0]?.readers.find((x) => x.id === "outer-in")?.device as VirtualOsdpPd;
    expect(pd.secureChannelActive).toBe(true);
    expect(h.app.services.audit.tail(20).some((x) => x.reason === "fault")).toBe(false);
    // The row install wrote becomes the service's: online, the identity as recorded at install.
    expect(new OsdpReaderStatusStore(h.app.services.db).get("outer-in")).toMatchObject({
      state: "online",
      secure_channel: true,
      identity: { vendor: "0a1b2c", serial: 0x1002 },
    });
  });

  it("records the identity the reader reported in its status row (state installed, no key); doctor shows it", async () => {
    const { data, config } = setup();
    const r = await cli(["osdp", "install", "outer-in", "--config", config]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("recorded for doctor as installed");
    const db = openDatabaseReadOnly(join(data, "doorward.db"));
    const row = db
      .prepare<[], { value: string }>("SELECT value FROM kv WHERE key = 'osdp:reader:outer-in'")
      .get();
    db.close();
    expect(JSON.parse(row?.value ?? "null")).toMatchObject({
      state: "installed",
      identity: { vendor: "0a1b2c", model: 1, serial: 0x1002, firmware: "2.1.0" },
    });
    const hex = JSON.parse(readFileSync(osdpKeyPath(data), "utf8"))["outer-in"] as string;
    expect(row?.value).not.toContain(hex);
    const doctor = await cli(["doctor", "--config", config]);
    expect(doctor.stdout).toMatch(
      /reader outer-in\s+PASS\s+vendor 0a1b2c model 1 v1, serial 0x00001002, firmware 2\.1\.0; key installed \S+Z, not polled by the service yet/,
    );
  });

  it("a reader not in the config, a secure: false reader or a missing READER is exit 2 with usage", async () => {
    const { config } = setup();
    const unknown = await cli(["osdp", "install", "nowhere", "--config", config]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("no OSDP reader 'nowhere' in the config (outer-in, outer-plain)");
    expect(unknown.stderr).toContain("usage:");
    const plain = await cli(["osdp", "install", "outer-plain", "--config", config]);
    expect(plain.code).toBe(2);
    expect(plain.stderr).toContain("secure: false");
    expect((await cli(["osdp", "install", "--config", config])).code).toBe(2);
    expect((await cli(["osdp", "frobnicate", "--config", config])).code).toBe(2);
  });

  it("refuses while the service runs (it owns the port); nothing is stored", async () => {
    const { data, config } = setup();
    const lock = acquireInstanceLock(data, { door: "outer", nowMs: 0 });
    try {
      const r = await cli(["osdp", "install", "outer-in", "--config", config]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/already running.*stop it, install, start it/);
      expect(() => statSync(osdpKeyPath(data))).toThrow();
    } finally {
      lock.release();
    }
  });
});

import { describe, expect, it } from "vitest";
import type { SerialPortOpener } from "../../devices/types.js";
import { FakeClock } from "../../simulator/fake-clock.js";
import { SimSerialOpener } from "../../simulator/sim-serial.js";
import { VirtualOsdpPd } from "../../simulator/virtual-osdp-pd.js";
import type { OsdpReaderSettings } from "../../src/config/door-schema.js";
import { installReaderKey } from "../../src/osdp/osdp-install.js";
import { OsdpKeyStore } from "../../src/osdp/osdp-key-store.js";
import { OSDP_STATUS_NAMESPACE, OsdpReaderStatusStore } from "../../src/osdp/reader-status.js";
import { openDatabase } from "../../src/store/open-database.js";
import { tempDir } from "../helpers/harness.js";

/**
 * `osdp install` asks the reader who it is (osdp_ID → osdp_PDID, the first step of every
 * connection) and records that in the reader's status row, state `installed`, so doctor knows the
 * reader before the service has ever polled it. A reader that does not implement osdp_ID is still
 * installed, with its identity unknown.
 */
const PORT = "/dev/ttyUSB0";
const reader: OsdpReaderSettings = {
  id: "outer-in",
  kind: "osdp",
  port: PORT,
  address: 2,
  baud: 115200,
  secure: true,
  format: "h10301",
  direction: "in",
};

async function install(configure: (pd: VirtualOsdpPd) => void = () => {}) {
  const dir = tempDir();
  const clock = new FakeClock();
  const pd = new VirtualOsdpPd({ clock, address: reader.address, key: null }); // factory state
  configure(pd);
  const serial = new SimSerialOpener(clock);
  serial.addDevice(PORT, pd);
  const db = openDatabase(`${dir}/doorward.db`);
  const keys = new OsdpKeyStore(dir);
  const status = new OsdpReaderStatusStore(db);
  const installing = installReaderKey({ reader, serial: serial as SerialPortOpener, clock, keys, status });
  await clock.advance(5000);
  const result = await installing;
  const rows = db
    .prepare<[], { key: string; value: string }>("SELECT key, value FROM kv")
    .all()
    .filter((r) => r.key.startsWith(OSDP_STATUS_NAMESPACE));
  const keyHex = keys.get(reader.id)?.reveal().toString("hex");
  db.close();
  return { result, rows, keyHex, pd, at: clock.now() };
}

describe("osdp install records the reader's identity", () => {
  it("a virtual reader in factory state: vendor, model, serial and firmware in its row, state installed, no key", async () => {
    const { result, rows, keyHex, pd } = await install();
    expect(pd.key?.toString("hex")).toBe(keyHex); // the install itself happened
    expect(result.identity).toMatchObject({ vendor: "0a1b2c", model: 1, serial: 0x1002, firmware: "2.1.0" });
    expect(result.recorded).toBe(true);
    expect(rows.map((r) => r.key)).toEqual([`${OSDP_STATUS_NAMESPACE}outer-in`]);
    const row = JSON.parse(rows[0]?.value ?? "null");
    expect(row).toMatchObject({
      state: "installed",
      secure_channel: false,
      reason: null,
      identity: { vendor: "0a1b2c", model: 1, version: 1, serial: 0x1002, firmware: "2.1.0" },
    });
    expect(row.identified_ms).toEqual(expect.any(Number));
    expect(row.last_seen_ms).toBe(row.identified_ms);
    expect(Object.keys(row).sort()).toEqual(
      ["identified_ms", "identity", "last_seen_ms", "reason", "secure_channel", "since_ms", "state"].sort(),
    );
    expect(keyHex).toMatch(/^[0-9a-f]{32}$/);
    expect((rows[0]?.value ?? "").toLowerCase()).not.toContain(keyHex);
    expect(rows[0]?.value).not.toMatch(/key|scbk|303132333435363738393a3b3c3d3e3f/i);
  });

  it("a reader that does not answer osdp_ID (NAK unknown command) is still installed, identity unknown", async () => {
    const { result, rows, keyHex, pd } = await install((p) => {
      p.answersId = false;
    });
    expect(keyHex).toMatch(/^[0-9a-f]{32}$/);
    expect(pd.key?.toString("hex")).toBe(keyHex);
    expect(pd.secureChannelActive).toBe(true);
    expect(result.identity).toBeNull();
    const row = JSON.parse(rows[0]?.value ?? "null");
    expect(row).toMatchObject({ state: "installed", identity: null, identified_ms: null });
  });
});

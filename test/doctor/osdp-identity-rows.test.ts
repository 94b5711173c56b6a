import { describe, expect, it } from "vitest";
import type { OsdpReaderSettings } from "../../src/config/door-schema.js";
import { parseSettings } from "../../src/config/load-settings.js";
import { checkOsdpIdentities, osdpReadersOf } from "../../src/doctor/osdp-checks.js";
import type { OsdpReaderStatus } from "../../src/osdp/reader-status.js";
import { doorEntry, osdpReader } from "../helpers/doors.js";

/** The `reader <id>` rows of doctor from what the service recorded (issue 13), without a service. */
const readers = (): OsdpReaderSettings[] =>
  osdpReadersOf(
    parseSettings({
      data_dir: "/var/lib/doorward",
      doors: [doorEntry("outer", 4, [osdpReader("a", 0), osdpReader("b", 1)])],
    }),
  );

const identity = { vendor: "0a1b2c", model: 3, version: 2, serial: 0xbeef, firmware: "1.4.7" };
const T = Date.UTC(2026, 0, 2, 3, 4, 5);
const status = (over: Partial<OsdpReaderStatus>): OsdpReaderStatus => ({
  state: "online",
  secure_channel: true,
  reason: null,
  since_ms: T,
  last_seen_ms: T,
  identity,
  identified_ms: T,
  ...over,
});

describe("doctor: OSDP reader identity rows", () => {
  it("no database yet: every reader is never identified (warn), not an error", () => {
    const rows = checkOsdpIdentities(readers(), null);
    expect(rows.map((r) => [r.name, r.status])).toEqual([
      ["reader a", "warn"],
      ["reader b", "warn"],
    ]);
    expect(rows[0]?.detail).toBe(
      "never identified: the service has not recorded this reader (no database yet)",
    );
  });

  it("a reader whose key is wrong fails with its reason, when it was last seen, and the install command", () => {
    const rows = checkOsdpIdentities(readers(), {
      a: status({}),
      b: status({
        state: "secure_channel_failed",
        secure_channel: false,
        reason: "client cryptogram mismatch",
        since_ms: T + 60_000,
      }),
    });
    expect(rows[0]).toMatchObject({
      status: "pass",
      detail:
        "vendor 0a1b2c model 3 v2, serial 0x0000beef, firmware 1.4.7; online since 2026-01-02T03:04:05.000Z, Secure Channel up",
    });
    expect(rows[1]).toMatchObject({
      status: "fail",
      detail:
        "vendor 0a1b2c model 3 v2, serial 0x0000beef, firmware 1.4.7; Secure Channel failed since 2026-01-02T03:05:05.000Z: client cryptogram mismatch; last seen 2026-01-02T03:04:05.000Z",
    });
    expect(rows[1]?.fix).toContain("doorward osdp install b");
  });

  it("installed by `osdp install` (no service has polled it): passes with the identity, or says it is unknown", () => {
    const installed = { state: "installed" as const, secure_channel: false, since_ms: T };
    const rows = checkOsdpIdentities(
      readers(),
      { a: status(installed), b: status({ ...installed, identity: null, identified_ms: null }) },
      false,
    );
    expect(rows[0]).toMatchObject({
      status: "pass",
      detail:
        "vendor 0a1b2c model 3 v2, serial 0x0000beef, firmware 1.4.7; key installed 2026-01-02T03:04:05.000Z, not polled by the service yet (start the service)",
    });
    expect(rows[1]).toMatchObject({
      status: "pass",
      detail: expect.stringMatching(
        /^identity unknown \(the reader does not answer osdp_ID\); key installed/,
      ),
    });
  });

  it("online while the service runs, or when doctor cannot tell, passes; online with no service warns", () => {
    const statuses = { a: status({}), b: status({}) };
    expect(checkOsdpIdentities(readers(), statuses, true).map((r) => r.status)).toEqual(["pass", "pass"]);
    expect(checkOsdpIdentities(readers(), statuses, null).map((r) => r.status)).toEqual(["pass", "pass"]);
    const stale = checkOsdpIdentities(readers(), statuses, false);
    expect(stale.map((r) => r.status)).toEqual(["warn", "warn"]);
    expect(stale[0]?.detail).toContain(
      "last recorded online since 2026-01-02T03:04:05.000Z, but the service is not running",
    );
  });
});

import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { encodeCard } from "../../../devices/badge/card-formats.js";
import { SecretKey } from "../../../devices/osdp/secure-channel.js";
import type { VirtualOsdpPd } from "../../../simulator/virtual-osdp-pd.js";
import { OsdpKeyStore, osdpKeyPath } from "../../../src/osdp/osdp-key-store.js";
import { doorEntry, keypadReader, osdpReader } from "../../helpers/doors.js";
import { tempDir } from "../../helpers/harness.js";
import { ApiClient, startWebHarness, type WebHarness } from "./web-harness.js";

/** Issue 13: GET /api/readers lists every door's readers with the OSDP identity and state. */
let w: WebHarness | undefined;
afterEach(async () => {
  await w?.stop();
  w = undefined;
});

/** Door "outer": a keyed secure reader (in), a plaintext one (out), a secure one with no key; a keypad on "inner". */
async function start(): Promise<WebHarness> {
  const dir = tempDir();
  new OsdpKeyStore(dir).set("outer-in", new SecretKey(randomBytes(16)));
  w = await startWebHarness({
    data_dir: dir,
    doors: [
      doorEntry("outer", 4, [
        osdpReader("outer-in", 0),
        osdpReader("outer-out", 1, { direction: "out", secure: false }),
        osdpReader("outer-spare", 2),
      ]),
      doorEntry("inner", 7, [keypadReader("inner-keypad", 0x35)]),
    ],
  });
  await w.clock.advance(100);
  return w;
}

interface ReaderEntry {
  door_id: string;
  id: string;
  kind: string;
  direction: string | null;
  online: boolean | null;
  warnings: string[];
  osdp: Record<string, unknown> | null;
}

async function readers(c: ApiClient): Promise<ReaderEntry[]> {
  const res = await c.request("GET", "/api/readers");
  expect(res.status).toBe(200);
  return ((await res.json()) as { readers: ReaderEntry[] }).readers;
}

describe("GET /api/readers", () => {
  it("every reader per door with kind and direction; OSDP identity, Secure Channel state, online", async () => {
    await start();
    const c = new ApiClient((w as WebHarness).base);
    expect((await c.login()).status).toBe(200);
    const list = await readers(c);
    expect(list.map((r) => [r.door_id, r.id, r.kind, r.direction])).toEqual([
      ["outer", "outer-in", "osdp", "in"],
      ["outer", "outer-out", "osdp", "out"],
      ["outer", "outer-spare", "osdp", "in"],
      ["inner", "inner-keypad", "keypad", "in"],
    ]);
    const [secure, plain, spare, keypad] = list;
    expect(secure).toMatchObject({
      online: true,
      warnings: [],
      osdp: {
        address: 0,
        secure: true,
        key_stored: true,
        state: "online",
        secure_channel: true,
        identity: { vendor: "0a1b2c", model: 1, serial: 0x1000, firmware: "2.1.0" },
        last_seen: expect.stringMatching(/Z$/),
      },
    });
    expect(plain).toMatchObject({
      online: true,
      osdp: { secure: false, secure_channel: false, state: "online", identity: { serial: 0x1001 } },
    });
    expect(plain?.warnings).toEqual([expect.stringContaining("Secure Channel is off (secure: false)")]);
    expect(spare).toMatchObject({
      online: false,
      osdp: { key_stored: false, state: "secure_channel_failed", identity: null, last_seen: null },
    });
    expect(spare?.warnings).toEqual([
      expect.stringMatching(/No Secure Channel key stored.*doorward osdp install outer-spare/),
    ]);
    expect(keypad).toMatchObject({ kind: "keypad", online: true, osdp: null, warnings: [] });
  });

  it("follows the reader: a silent reader is offline with its reason and when it was last seen", async () => {
    const h = await start();
    const c = new ApiClient(h.base);
    await c.login();
    const pd = h.sim.doors[0]?.readers.find((r) => r.id === "outer-in")?.device as unknown as VirtualOsdpPd;
    pd.silent = true;
    await h.clock.advance(2000);
    const entry = (await readers(c)).find((r) => r.id === "outer-in");
    expect(entry).toMatchObject({
      online: false,
      osdp: { state: "offline", secure_channel: false, reason: expect.stringMatching(/^no reply/) },
    });
    expect(entry?.osdp?.last_seen).toEqual(expect.stringMatching(/Z$/));
  });

  it("no key, no card number in the answer", async () => {
    const h = await start();
    const c = new ApiClient(h.base);
    await c.login();
    const pd = h.sim.doors[0]?.readers.find((r) => r.id === "outer-in")?.device as unknown as VirtualOsdpPd;
    pd.presentCard(encodeCard("H10301", 123, 45678));
    await h.clock.advance(200);
    const text = JSON.stringify(await readers(c));
    const key = (
      JSON.parse(readFileSync(osdpKeyPath(h.settings.data_dir), "utf8")) as Record<string, string>
    )["outer-in"] as string;
    expect(text.toLowerCase()).not.toContain(key.toLowerCase());
    expect(text).not.toMatch(/45678|8106606|scbk/i);
  });

  it("without a session: 401 and no reader data", async () => {
    const h = await start();
    const c = new ApiClient(h.base);
    const res = await c.request("GET", "/api/readers");
    expect(res.status).toBe(401);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({ error: "log in first", field: null });
    expect(text).not.toMatch(/outer-in|0a1b2c|osdp/);
    // A forged cookie is no better.
    const forged = await new ApiClient(h.base).request("GET", "/api/readers", undefined, {
      cookie: "doorward_session=forged",
    });
    expect(forged.status).toBe(401);
  });
});

import { describe, expect, it } from "vitest";
import {
  encodeCardRead,
  encodeKeypad,
  encodeLed,
  encodePdId,
  feedbackCommands,
  parseCardRead,
  parseKeypad,
  parseKeyset,
  parseLed,
  parsePdCap,
  parsePdId,
  supportsSecureChannel,
} from "../../../devices/osdp/messages.js";
import { MultiPartAssembler, splitMessage } from "../../../devices/osdp/multipart.js";

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ""), "hex");

describe("OSDP payloads", () => {
  it("osdp_PDID: vendor OUI, model, version, serial (LE), firmware", () => {
    const data = hex("5c 26 0a 01 02 78 56 34 12 03 04 05");
    expect(parsePdId(data)).toEqual({
      vendor: "5c260a",
      model: 1,
      version: 2,
      serial: 0x12345678,
      firmware: "3.4.5",
    });
    expect(encodePdId(parsePdId(data) as never)).toEqual(data);
    expect(parsePdId(data.subarray(0, 11))).toBeNull();
  });

  it("osdp_PDCAP: Secure Channel is function 9 with compliance bit 0", () => {
    expect(supportsSecureChannel(parsePdCap(hex("04 01 01 09 01 01")) ?? [])).toBe(true);
    expect(supportsSecureChannel(parsePdCap(hex("04 01 01 09 00 00")) ?? [])).toBe(false);
    expect(parsePdCap(hex("04 01"))).toBeNull();
  });

  it("osdp_RAW: reader, format, bit count (LE), then exactly ceil(bits/8) bytes", () => {
    const raw = encodeCardRead({ readerNumber: 0, formatCode: 1, bitCount: 26, bits: hex("bd 93 37 40") });
    expect(raw).toEqual(hex("00 01 1a 00 bd 93 37 40"));
    expect(parseCardRead(raw)).toMatchObject({ bitCount: 26, bits: hex("bd 93 37 40") });
    expect(parseCardRead(hex("00 01 1a 00 bd 93 37"))).toBeNull();
    expect(parseCardRead(hex("00 01 00 00"))).toBeNull();
  });

  it("osdp_KEYPAD maps * and # to 7F and 0D and refuses anything else", () => {
    expect(encodeKeypad(0, "12*#")).toEqual(hex("00 04 31 32 7f 0d"));
    expect(parseKeypad(hex("00 04 31 32 7f 0d"))).toEqual({ readerNumber: 0, keys: "12*#" });
    expect(parseKeypad(hex("00 01 41"))).toBeNull();
    expect(parseKeypad(hex("00 05 31"))).toBeNull();
  });

  it("osdp_LED round-trips a temporary and a permanent pattern; osdp_KEYSET is type 1, 16 bytes", () => {
    const { led } = feedbackCommands("granted");
    expect(encodeLed(led)).toHaveLength(14);
    expect(parseLed(encodeLed(led))).toEqual(led);
    expect(parseKeyset(Buffer.concat([hex("01 10"), Buffer.alloc(16, 9)]))).toEqual(Buffer.alloc(16, 9));
    expect(parseKeyset(Buffer.concat([hex("01 08"), Buffer.alloc(8, 9)]))).toBeNull();
  });
});

describe("multi-part replies", () => {
  it("reassembles fragments in order", () => {
    const message = Buffer.from(Array.from({ length: 300 }, (_, i) => i & 0xff));
    const assembler = new MultiPartAssembler();
    const parts = splitMessage(message, 128);
    expect(parts).toHaveLength(3);
    expect(assembler.push(parts[0] as Buffer)).toEqual({ state: "partial", received: 128, total: 300 });
    assembler.push(parts[1] as Buffer);
    expect(assembler.push(parts[2] as Buffer)).toEqual({ state: "complete", message });
  });

  it("drops the message on a gap, a size change or an overrun", () => {
    const a = splitMessage(Buffer.alloc(300, 1), 128);
    const b = splitMessage(Buffer.alloc(200, 2), 128);
    const assembler = new MultiPartAssembler();
    assembler.push(a[0] as Buffer);
    expect(assembler.push(a[2] as Buffer)).toMatchObject({ state: "rejected" });
    assembler.push(a[0] as Buffer);
    expect(assembler.push(b[1] as Buffer)).toMatchObject({ state: "rejected", why: /size changed/ });
    const lying = Buffer.from(a[0] as Buffer);
    lying.writeUInt16LE(10, 0);
    expect(assembler.push(lying)).toMatchObject({ state: "rejected", why: /overruns/ });
    expect(new MultiPartAssembler(100).push(a[0] as Buffer)).toMatchObject({ state: "rejected" });
  });
});

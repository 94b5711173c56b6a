import { describe, expect, it } from "vitest";
import { Cmd, Reply, Scs } from "../../../devices/osdp/constants.js";
import {
  checksum8,
  crc16,
  decodeFrame,
  encodeFrame,
  OsdpDecodeError,
} from "../../../devices/osdp/packet-codec.js";

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ""), "hex");

/*
 * Vectors from the SIA OSDP specification, Annex E (CRC and checksum examples), as reproduced in
 * libosdp tests/unit-tests/test-sc-sia-vectors.c, and hand-built packets from libosdp
 * tests/unit-tests/test-cp-phy.c (goToMain/libosdp). Bytes only; the code here is ours.
 */
describe("check characters (SIA OSDP Annex E)", () => {
  it("CRC example 1: 53 7F 0D 00 04 6E 00 80 25 00 00 -> 6E 38", () => {
    const crc = crc16(hex("53 7F 0D 00 04 6E 00 80 25 00 00"));
    expect([crc & 0xff, crc >> 8]).toEqual([0x6e, 0x38]);
  });

  it("CRC example 2: 53 00 09 00 04 61 00 -> C0 66", () => {
    const crc = crc16(hex("53 00 09 00 04 61 00"));
    expect([crc & 0xff, crc >> 8]).toEqual([0xc0, 0x66]);
  });

  it("checksum examples 1 and 2 -> 0F and 44", () => {
    expect(checksum8(hex("53 7F 0C 00 00 6E 00 80 25 00 00"))).toBe(0x0f);
    expect(checksum8(hex("53 00 08 00 00 61 00"))).toBe(0x44);
  });
});

describe("encodeFrame reproduces libosdp's packets byte for byte", () => {
  const cp = { reply: false, crc: true, scb: null, sequence: 0 } as const;

  it("osdp_POLL to PD 0x65, sequence 0, CRC, with mark", () => {
    const packet = encodeFrame(
      { ...cp, address: 0x65, code: Cmd.POLL, data: Buffer.alloc(0) },
      { mark: true },
    );
    expect(packet).toEqual(hex("ff 53 65 08 00 04 60 60 90"));
  });

  it("osdp_ID with its 00 parameter", () => {
    const packet = encodeFrame({ ...cp, address: 0x65, code: Cmd.ID, data: hex("00") }, { mark: true });
    expect(packet).toEqual(hex("ff 53 65 09 00 04 61 00 d9 7a"));
  });

  it("osdp_CHLNG body with 8 random bytes", () => {
    const packet = encodeFrame({ ...cp, address: 0x65, code: Cmd.CHLNG, data: hex("0102030405060708") });
    expect(packet).toEqual(hex("53 65 10 00 04 76 01 02 03 04 05 06 07 08 0d 20"));
  });

  it("osdp_ACK reply with checksum and osdp_NAK reply with CRC", () => {
    const ack = {
      address: 0x65,
      reply: true,
      sequence: 1,
      crc: false,
      scb: null,
      code: Reply.ACK,
      data: Buffer.alloc(0),
    };
    expect(encodeFrame(ack)).toEqual(hex("53 e5 07 00 01 40 80"));
    expect(encodeFrame({ ...ack, crc: true, code: Reply.NAK, data: hex("01") })).toEqual(
      hex("53 e5 09 00 05 41 01 0e 8f"),
    );
  });
});

describe("decodeFrame", () => {
  it("decodes libosdp's SCS_12 osdp_CCRYPT packet (checksum)", () => {
    const data = hex("101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f");
    const frame = decodeFrame(Buffer.concat([hex("53 e5 2a 00 09 03 12 01 76"), data, hex("19")]));
    expect(frame).toMatchObject({
      address: 0x65,
      reply: true,
      sequence: 1,
      crc: false,
      scb: { type: Scs.CCRYPT, data: hex("01") },
      code: Reply.CCRYPT,
      data,
      mac: null,
    });
  });

  it("decodes libosdp's SCS_14 osdp_RMAC_I packet (CRC)", () => {
    const rmac = hex("a0a1a2a3a4a5a6a7a8a9aaabacadaeaf");
    const frame = decodeFrame(Buffer.concat([hex("53 e5 1b 00 0d 03 14 01 78"), rmac, hex("ca ba")]));
    expect(frame).toMatchObject({
      sequence: 1,
      crc: true,
      scb: { type: Scs.RMAC_I },
      code: Reply.RMAC_I,
      data: rmac,
    });
  });

  it("splits MAC from data for an SCS_16 reply and keeps what the MAC covers", () => {
    const frame = decodeFrame(hex("53 e5 0d 00 09 02 16 40 00 00 00 00 5a"));
    expect(frame.mac).toEqual(hex("00000000"));
    expect(frame.data.length).toBe(0);
    expect(frame.macInput).toEqual(hex("53 e5 0d 00 09 02 16 40"));
  });

  it("round-trips a secure command through a MAC function", () => {
    const packet = encodeFrame(
      {
        address: 3,
        reply: false,
        sequence: 2,
        crc: true,
        scb: { type: Scs.CMD_MAC, data: Buffer.alloc(0) },
        code: Cmd.POLL,
        data: Buffer.alloc(0),
      },
      { mac: () => hex("deadbeefcafe") },
    );
    const frame = decodeFrame(packet);
    expect(frame.mac).toEqual(hex("deadbeef"));
    expect(frame.macInput).toEqual(packet.subarray(0, packet.length - 6));
  });

  it("refuses a flipped bit, a wrong length, a missing code and a truncated SCB", () => {
    const good = hex("53 e5 09 00 05 41 01 0e 8f");
    const flipped = Buffer.from(good);
    flipped[6] = (flipped[6] as number) ^ 0x01;
    expect(() => decodeFrame(flipped)).toThrow(OsdpDecodeError);
    expect(() => decodeFrame(good.subarray(0, 8))).toThrow(/length field/);
    // SCB claims 9 bytes in an 11-byte packet: nothing left for the code.
    const scb = Buffer.from(hex("53 e5 0b 00 0d 09 16 40 00 00 00"));
    scb.writeUInt16LE(crc16(scb.subarray(0, 9)), 9);
    expect(() => decodeFrame(scb)).toThrow(OsdpDecodeError);
  });

  it("refuses to build a secure packet without a MAC, or an out-of-range address or sequence", () => {
    const base = {
      address: 1,
      reply: false,
      sequence: 1,
      crc: true,
      scb: null,
      code: Cmd.POLL,
      data: Buffer.alloc(0),
    };
    expect(() => encodeFrame({ ...base, scb: { type: Scs.CMD_MAC, data: Buffer.alloc(0) } })).toThrow(/MAC/);
    expect(() => encodeFrame({ ...base, address: 128 })).toThrow(RangeError);
    expect(() => encodeFrame({ ...base, sequence: 4 })).toThrow(RangeError);
  });
});

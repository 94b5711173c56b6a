import { describe, expect, it } from "vitest";
import {
  Command,
  Confirm,
  decodePacket,
  encodeAck,
  encodeCommand,
  PacketDecodeError,
  Pid,
  u16,
} from "../../../devices/fingerprint/packet-codec.js";

/** Exact frames from HARDWARE.md, typed in by hand so a symmetric codec bug cannot hide. */
const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ""), "hex");
const GOLDEN = {
  templateNum: hex("EF 01 FF FF FF FF 01 00 03 1D 00 21"),
  vfyPwd0: hex("EF 01 FF FF FF FF 01 00 07 13 00 00 00 00 00 1B"),
  storeBuf1Page5: hex("EF 01 FF FF FF FF 01 00 06 06 01 00 05 00 13"),
  search0to200: hex("EF 01 FF FF FF FF 01 00 08 04 01 00 00 00 C8 00 D6"),
  ackOk: hex("EF 01 FF FF FF FF 07 00 03 00 00 0A"),
  ackSearchHit: hex("EF 01 FF FF FF FF 07 00 07 00 00 05 00 64 00 77"),
};

describe("packet codec golden frames (HARDWARE.md)", () => {
  it("encodes TemplateNum", () => {
    expect(encodeCommand(Command.TemplateNum)).toEqual(GOLDEN.templateNum);
  });
  it("encodes VfyPwd with password 0", () => {
    expect(encodeCommand(Command.VfyPwd, Buffer.alloc(4))).toEqual(GOLDEN.vfyPwd0);
  });
  it("encodes Store buffer 1 page 5", () => {
    expect(encodeCommand(Command.Store, Buffer.concat([Buffer.of(1), u16(5)]))).toEqual(
      GOLDEN.storeBuf1Page5,
    );
  });
  it("encodes Search buffer 1 pages 0..200", () => {
    expect(encodeCommand(Command.Search, Buffer.concat([Buffer.of(1), u16(0), u16(200)]))).toEqual(
      GOLDEN.search0to200,
    );
  });
  it("encodes the ok ack and the search-hit ack", () => {
    expect(encodeAck(Confirm.ok)).toEqual(GOLDEN.ackOk);
    expect(encodeAck(Confirm.ok, Buffer.concat([u16(5), u16(100)]))).toEqual(GOLDEN.ackSearchHit);
  });
  it("decodes every golden frame into address, PID and payload", () => {
    expect(decodePacket(GOLDEN.templateNum)).toEqual({
      address: 0xffffffff,
      pid: Pid.command,
      payload: hex("1D"),
    });
    expect(decodePacket(GOLDEN.vfyPwd0).payload).toEqual(hex("13 00 00 00 00"));
    expect(decodePacket(GOLDEN.storeBuf1Page5).payload).toEqual(hex("06 01 00 05"));
    expect(decodePacket(GOLDEN.search0to200).payload).toEqual(hex("04 01 00 00 00 C8"));
    expect(decodePacket(GOLDEN.ackOk)).toEqual({ address: 0xffffffff, pid: Pid.ack, payload: hex("00") });
    const hit = decodePacket(GOLDEN.ackSearchHit);
    expect(hit.pid).toBe(Pid.ack);
    expect(hit.payload.readUInt16BE(1)).toBe(5);
    expect(hit.payload.readUInt16BE(3)).toBe(100);
  });
  it("keeps a non-default address out of the checksum", () => {
    const frame = encodeCommand(Command.TemplateNum, undefined, 0x12345678);
    expect(frame).toEqual(hex("EF 01 12 34 56 78 01 00 03 1D 00 21"));
  });
  it("rejects a bad checksum, a bad header, a bad PID and a wrong length", () => {
    const badSum = Buffer.from(GOLDEN.ackOk);
    badSum[11] = 0x0b;
    expect(() => decodePacket(badSum)).toThrow(PacketDecodeError);
    const badHeader = Buffer.from(GOLDEN.ackOk);
    badHeader[0] = 0xee;
    expect(() => decodePacket(badHeader)).toThrow(/header/);
    const badPid = Buffer.from(GOLDEN.ackOk);
    badPid[6] = 0x05;
    expect(() => decodePacket(badPid)).toThrow(/PID/);
    expect(() => decodePacket(GOLDEN.ackOk.subarray(0, 11))).toThrow(/length|short/);
  });
});

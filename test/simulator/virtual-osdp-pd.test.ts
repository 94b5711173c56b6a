import { describe, expect, it } from "vitest";
import { Cmd, KeySelector, NakCode, Reply, Scs } from "../../devices/osdp/constants.js";
import { encodeKeyset } from "../../devices/osdp/messages.js";
import { type DecodedFrame, decodeFrame, encodeFrame } from "../../devices/osdp/packet-codec.js";
import { FakeClock } from "../../simulator/fake-clock.js";
import { SimSerialLine } from "../../simulator/sim-serial.js";
import { VirtualOsdpPd } from "../../simulator/virtual-osdp-pd.js";

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ""), "hex");

/** SIA OSDP Annex E values (via libosdp tests/unit-tests/test-sc-sia-vectors.c). */
const RND_A = hex("B0 B1 B2 B3 B4 B5 B6 B7");
const RND_B = hex("A0 A1 A2 A3 A4 A5 A6 A7");
const CLIENT_CRYPTOGRAM = hex("FD E5 D2 F4 28 EC 16 31 24 71 EA 3C 02 BD 77 96");
const SERVER_CRYPTOGRAM = hex("26 D3 35 6E 07 76 2D 26 28 01 FC 8E 66 65 A8 91");
const RMAC_I = hex("B2 A3 00 57 EB 98 BA 22 29 EC 1F 87 56 62 B5 24");

/** Talks to a virtual PD packet by packet, as a bare CP would. */
function wire(key: Buffer | null) {
  const clock = new FakeClock();
  const line = new SimSerialLine(clock);
  const pd = new VirtualOsdpPd({ clock, address: 2, key, random: () => Buffer.from(RND_B) });
  pd.attach(line.device);
  const replies: Buffer[] = [];
  line.host.onData((chunk) => replies.push(chunk));
  const send = async (
    sequence: number,
    code: number,
    data: Buffer,
    scb: { type: number; data: Buffer } | null = null,
  ): Promise<DecodedFrame> => {
    replies.length = 0;
    await line.host.write(encodeFrame({ address: 2, reply: false, sequence, crc: true, scb, code, data }));
    await clock.advance(1);
    const bytes = Buffer.concat(replies);
    return decodeFrame(bytes[0] === 0xff ? bytes.subarray(1) : bytes);
  };
  return { pd, send, replies };
}

describe("VirtualOsdpPd", () => {
  it("answers the Annex E handshake with the published client cryptogram and R-MAC-I (SCBK-D)", async () => {
    const { pd, send } = wire(null);
    await send(0, Cmd.ID, hex("00"));
    const ccrypt = await send(1, Cmd.CHLNG, RND_A, { type: Scs.CHLNG, data: Buffer.of(KeySelector.scbkD) });
    expect(ccrypt).toMatchObject({
      reply: true,
      address: 2,
      sequence: 1,
      code: Reply.CCRYPT,
      scb: { type: Scs.CCRYPT },
    });
    expect(ccrypt.data.subarray(8, 16)).toEqual(RND_B);
    expect(ccrypt.data.subarray(16)).toEqual(CLIENT_CRYPTOGRAM);
    const rmacI = await send(2, Cmd.SCRYPT, SERVER_CRYPTOGRAM, {
      type: Scs.SCRYPT,
      data: Buffer.of(KeySelector.scbkD),
    });
    expect(rmacI).toMatchObject({ code: Reply.RMAC_I, scb: { type: Scs.RMAC_I }, data: RMAC_I });
    expect(pd.secureChannelActive).toBe(true);
  });

  it("refuses a wrong server cryptogram, and plaintext once secure (dropping the session)", async () => {
    const { pd, send } = wire(null);
    await send(0, Cmd.ID, hex("00"));
    await send(1, Cmd.CHLNG, RND_A, { type: Scs.CHLNG, data: Buffer.of(KeySelector.scbkD) });
    const bad = Buffer.from(SERVER_CRYPTOGRAM);
    bad[0] = (bad[0] as number) ^ 1;
    expect(await send(2, Cmd.SCRYPT, bad, { type: Scs.SCRYPT, data: Buffer.of(0) })).toMatchObject({
      code: Reply.NAK,
      data: Buffer.of(NakCode.secureChannelCondition),
    });
    await send(3, Cmd.CHLNG, RND_A, { type: Scs.CHLNG, data: Buffer.of(KeySelector.scbkD) });
    await send(1, Cmd.SCRYPT, SERVER_CRYPTOGRAM, { type: Scs.SCRYPT, data: Buffer.of(0) });
    expect(pd.secureChannelActive).toBe(true);
    const plain = await send(2, Cmd.POLL, Buffer.alloc(0));
    expect(plain).toMatchObject({ code: Reply.NAK, data: Buffer.of(NakCode.secureChannelCondition) });
    expect(pd.secureChannelActive).toBe(false);
  });

  it("refuses osdp_KEYSET outside the Secure Channel, and SCBK-D once a key is installed", async () => {
    const fresh = wire(null);
    await fresh.send(0, Cmd.ID, hex("00"));
    const keyset = await fresh.send(1, Cmd.KEYSET, encodeKeyset(Buffer.alloc(16, 1)));
    expect(keyset).toMatchObject({ code: Reply.NAK, data: Buffer.of(NakCode.secureChannelCondition) });
    expect(fresh.pd.key).toBeNull();
    const installed = wire(Buffer.alloc(16, 5));
    await installed.send(0, Cmd.ID, hex("00"));
    const chlng = await installed.send(1, Cmd.CHLNG, RND_A, {
      type: Scs.CHLNG,
      data: Buffer.of(KeySelector.scbkD),
    });
    expect(chlng.code).toBe(Reply.NAK);
  });

  it("answers a repeated packet (same sequence) with the same reply, and NAKs a sequence jump", async () => {
    const { pd, send } = wire(null);
    pd.presentCard([1, 0, 1, 1]);
    await send(0, Cmd.ID, hex("00"));
    const first = await send(1, Cmd.POLL, Buffer.alloc(0));
    const again = await send(1, Cmd.POLL, Buffer.alloc(0));
    expect(first.code).toBe(Reply.RAW);
    expect(again).toEqual(first);
    expect(pd.received.filter((r) => r.code === Cmd.POLL)).toHaveLength(1);
    expect(await send(3, Cmd.POLL, Buffer.alloc(0))).toMatchObject({
      code: Reply.NAK,
      data: Buffer.of(NakCode.badSequence),
    });
  });
});

import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { Cmd, Reply, Scs } from "../../../devices/osdp/constants.js";
import { decodeFrame } from "../../../devices/osdp/packet-codec.js";
import { CpHandshake } from "../../../devices/osdp/sc-handshake.js";
import {
  clientCryptogram,
  computeMac,
  decryptData,
  deriveSessionKeys,
  encryptData,
  initialRmac,
  SCBK_D,
  SecretKey,
  type SessionKeys,
  serverCryptogram,
} from "../../../devices/osdp/secure-channel.js";
import { SecureSession } from "../../../devices/osdp/secure-session.js";

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ""), "hex");

/*
 * SIA OSDP specification, Annex E (Secure Channel examples with SCBK-D), as reproduced in libosdp
 * tests/unit-tests/test-sc-sia-vectors.c (goToMain/libosdp): RND.A = B0..B7, RND.B = A0..A7.
 */
const ANNEX_E = {
  scbkD: hex("30 31 32 33 34 35 36 37 38 39 3A 3B 3C 3D 3E 3F"),
  cpRandom: hex("B0 B1 B2 B3 B4 B5 B6 B7"),
  pdRandom: hex("A0 A1 A2 A3 A4 A5 A6 A7"),
  sMac1: hex("5E 86 C6 76 60 3B DE E2 D8 BE AF E1 78 63 73 32"),
  sMac2: hex("6F DA 86 E8 57 77 7E 81 13 20 35 75 82 39 17 2E"),
  sEnc: hex("BF 8D C2 A8 32 9A CB 8C 67 C6 D0 CD 9A 45 16 82"),
  /** "host cryptogram" in the spec: the CP's, sent in osdp_SCRYPT. */
  serverCryptogram: hex("26 D3 35 6E 07 76 2D 26 28 01 FC 8E 66 65 A8 91"),
  /** "client cryptogram": the PD's, returned in osdp_CCRYPT. */
  clientCryptogram: hex("FD E5 D2 F4 28 EC 16 31 24 71 EA 3C 02 BD 77 96"),
  rmacI: hex("B2 A3 00 57 EB 98 BA 22 29 EC 1F 87 56 62 B5 24"),
};

/*
 * NIST SP 800-38A F.2.1 (AES-128-CBC) and the OSDP-padded blocks derived from it, as used by
 * libosdp tests/unit-tests/test-sc.c to check the MAC and data encryption with S-MAC1 = S-MAC2 =
 * S-ENC = the NIST key: the MAC of whole blocks is then plain CBC's last block.
 */
const NIST = {
  key: hex("2b7e151628aed2a6abf7158809cf4f3c"),
  iv: hex("000102030405060708090a0b0c0d0e0f"),
  pt4: hex(
    "6bc1bee22e409f96e93d7e117393172a ae2d8a571e03ac9c9eb76fac45af8e51 30c81c46a35ce411e5fbc1191a0a52ef f69f2445df4f9b17ad2b417be66c3710",
  ),
  ct1: hex("7649abac8119b246cee98e9b12e9197d"),
  ct4Last: hex("3ff1caa1681fac09120eca307586e1a7"),
  osdp15: hex("c5311f3d23d086ea86f5ee7f85247b40"),
  osdp16: hex("7df76b0c1ab899b33e42f047b91b546f e2fe5bd6c1dfcdd19124f03e1a134d3b"),
  osdp0: hex("4c08220c79d9191022dc6674874ceaf8"),
  pt15: hex("000102030405060708090a0b0c0d0e"),
  pt16: hex("000102030405060708090a0b0c0d0e0f"),
};
const nistKeys: SessionKeys = { enc: NIST.key, mac1: NIST.key, mac2: NIST.key };
/** Data encryption uses NOT(last MAC) as IV; libosdp's vectors set the MAC to NOT(NIST IV). */
const notIv = Buffer.from(NIST.iv.map((b) => ~b & 0xff));

describe("Secure Channel against the SIA Annex E worked example", () => {
  const keys = deriveSessionKeys(ANNEX_E.scbkD, ANNEX_E.cpRandom);

  it("the default key is 30 31 .. 3F", () => {
    expect(SCBK_D).toEqual(ANNEX_E.scbkD);
  });

  it("derives S-ENC, S-MAC1 and S-MAC2", () => {
    expect(keys).toEqual({ enc: ANNEX_E.sEnc, mac1: ANNEX_E.sMac1, mac2: ANNEX_E.sMac2 });
  });

  it("computes the client (PD) and server (CP) cryptograms", () => {
    expect(clientCryptogram(keys, ANNEX_E.cpRandom, ANNEX_E.pdRandom)).toEqual(ANNEX_E.clientCryptogram);
    expect(serverCryptogram(keys, ANNEX_E.cpRandom, ANNEX_E.pdRandom)).toEqual(ANNEX_E.serverCryptogram);
  });

  it("computes R-MAC-I from the server cryptogram", () => {
    expect(initialRmac(keys, ANNEX_E.serverCryptogram)).toEqual(ANNEX_E.rmacI);
  });
});

describe("MAC and data encryption against NIST-derived vectors (libosdp test-sc.c)", () => {
  it("MAC of one and of four whole blocks is CBC's last block (no padding block added)", () => {
    expect(computeMac(nistKeys, NIST.iv, NIST.pt4.subarray(0, 16))).toEqual(NIST.ct1);
    expect(computeMac(nistKeys, NIST.iv, NIST.pt4)).toEqual(NIST.ct4Last);
  });

  it("MAC of a partial block pads it with 80", () => {
    expect(computeMac(nistKeys, NIST.iv, NIST.pt15)).toEqual(NIST.osdp15);
  });

  it("encrypts 15, 16 and 0 bytes with 80 00.. padding, always adding the marker", () => {
    expect(encryptData(nistKeys, notIv, NIST.pt15)).toEqual(NIST.osdp15);
    expect(encryptData(nistKeys, notIv, NIST.pt16)).toEqual(NIST.osdp16);
    expect(encryptData(nistKeys, notIv, Buffer.alloc(0))).toEqual(NIST.osdp0);
  });

  it("decrypts them back, and refuses a partial block or a block without the 80 marker", () => {
    expect(decryptData(nistKeys, notIv, NIST.osdp15)).toEqual(NIST.pt15);
    expect(decryptData(nistKeys, notIv, NIST.osdp16)).toEqual(NIST.pt16);
    expect(decryptData(nistKeys, notIv, NIST.osdp16.subarray(0, 15))).toBeNull();
    expect(decryptData(nistKeys, notIv, NIST.ct1)).toBeNull();
  });
});

describe("SecureSession: MAC chaining between a CP and a PD", () => {
  const keys = deriveSessionKeys(ANNEX_E.scbkD, ANNEX_E.cpRandom);
  const pair = () => ({
    cp: new SecureSession("cp", keys, ANNEX_E.serverCryptogram),
    pd: new SecureSession("pd", keys, ANNEX_E.serverCryptogram),
  });

  it("the first command's MAC is chained from R-MAC-I", () => {
    const { cp } = pair();
    const frame = decodeFrame(cp.seal({ address: 1, sequence: 1, code: Cmd.POLL, data: Buffer.alloc(0) }));
    expect(frame.scb?.type).toBe(Scs.CMD_MAC);
    expect(frame.mac).toEqual(computeMac(keys, ANNEX_E.rmacI, frame.macInput).subarray(0, 4));
  });

  it("carries encrypted data both ways over several exchanges", () => {
    const { cp, pd } = pair();
    for (let i = 0; i < 5; i++) {
      const cmd = decodeFrame(
        cp.seal({ address: 1, sequence: (i % 3) + 1, code: Cmd.LED, data: Buffer.from(`led ${i}`) }),
      );
      expect(cmd.scb?.type).toBe(Scs.CMD_MAC_ENC);
      expect(cmd.data.includes(Buffer.from(`led ${i}`))).toBe(false);
      expect(pd.open(cmd)).toEqual({ ok: true, code: Cmd.LED, data: Buffer.from(`led ${i}`) });
      const reply = decodeFrame(
        pd.seal({ address: 1, sequence: cmd.sequence, code: Reply.RAW, data: hex("00012600aabbccdd") }),
      );
      expect(cp.open(reply)).toEqual({ ok: true, code: Reply.RAW, data: hex("00012600aabbccdd") });
    }
  });

  it("refuses a replayed reply, a plaintext reply and a reply with a flipped ciphertext bit", () => {
    const { cp, pd } = pair();
    pd.open(decodeFrame(cp.seal({ address: 1, sequence: 1, code: Cmd.POLL, data: Buffer.alloc(0) })));
    const first = decodeFrame(pd.seal({ address: 1, sequence: 1, code: Reply.RAW, data: hex("0001080012") }));
    expect(cp.open(first).ok).toBe(true);
    pd.open(decodeFrame(cp.seal({ address: 1, sequence: 2, code: Cmd.POLL, data: Buffer.alloc(0) })));
    expect(cp.open(first)).toEqual({ ok: false, why: "bad_mac" });
    const plain = decodeFrame(hex("53 e5 07 00 01 40 80"));
    expect(cp.open(plain)).toEqual({ ok: false, why: "plaintext" });
    const genuine = decodeFrame(
      pd.seal({ address: 1, sequence: 2, code: Reply.RAW, data: hex("0001080013") }),
    );
    const forged = { ...genuine, data: Buffer.from(genuine.data), macInput: Buffer.from(genuine.macInput) };
    forged.data[0] = (forged.data[0] as number) ^ 1;
    const at = forged.macInput.length - forged.data.length;
    forged.macInput[at] = (forged.macInput[at] as number) ^ 1;
    expect(cp.open(forged)).toEqual({ ok: false, why: "bad_mac" });
    // The genuine reply still verifies: a refused packet changed no state.
    expect(cp.open(genuine).ok).toBe(true);
  });

  it("a session under another key cannot verify", () => {
    const { cp } = pair();
    const other = new SecureSession(
      "pd",
      deriveSessionKeys(Buffer.alloc(16, 7), ANNEX_E.cpRandom),
      ANNEX_E.serverCryptogram,
    );
    expect(
      other.open(decodeFrame(cp.seal({ address: 1, sequence: 1, code: Cmd.POLL, data: Buffer.alloc(0) }))),
    ).toEqual({
      ok: false,
      why: "bad_mac",
    });
  });
});

describe("SecretKey never prints", () => {
  it("redacts itself in JSON, inspect and strings", () => {
    const key = SecretKey.fromHex("00112233445566778899aabbccddeeff");
    const shown = [JSON.stringify({ key }), inspect({ key }, { depth: 5 }), `${key}`].join(" ");
    expect(shown).not.toMatch(/00112233|ccddeeff/);
    expect(key.reveal().toString("hex")).toBe("00112233445566778899aabbccddeeff");
  });
});

describe("CpHandshake (the CP's side) on the Annex E values", () => {
  const ccrypt = Buffer.concat([Buffer.alloc(8, 0x11), ANNEX_E.pdRandom, ANNEX_E.clientCryptogram]);

  it("accepts the published client cryptogram and answers the published server cryptogram and R-MAC-I", () => {
    const hs = new CpHandshake(null, () => Buffer.from(ANNEX_E.cpRandom));
    expect(hs.keySelector).toBe(0x00);
    expect(hs.onClientCryptogram(ccrypt)).toEqual({ ok: true, serverCryptogram: ANNEX_E.serverCryptogram });
    const done = hs.onInitialRmac(ANNEX_E.rmacI);
    expect(done.ok).toBe(true);
  });

  it("refuses a client cryptogram under another key, a wrong R-MAC-I, and R-MAC-I before CCRYPT", () => {
    const other = new CpHandshake(new SecretKey(Buffer.alloc(16, 1)), () => Buffer.from(ANNEX_E.cpRandom));
    expect(other.keySelector).toBe(0x01);
    expect(other.onClientCryptogram(ccrypt)).toEqual({ ok: false, why: "wrong_key" });
    const hs = new CpHandshake(null, () => Buffer.from(ANNEX_E.cpRandom));
    expect(hs.onInitialRmac(ANNEX_E.rmacI)).toEqual({ ok: false, why: "out_of_order" });
    hs.onClientCryptogram(ccrypt);
    const wrong = Buffer.from(ANNEX_E.rmacI);
    wrong[15] = (wrong[15] as number) ^ 0x80;
    expect(hs.onInitialRmac(wrong)).toEqual({ ok: false, why: "bad_rmac_i" });
    expect(hs.onClientCryptogram(ccrypt.subarray(0, 31))).toEqual({ ok: false, why: "bad_ccrypt" });
  });
});

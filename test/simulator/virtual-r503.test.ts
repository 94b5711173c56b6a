import { describe, expect, it } from "vitest";
import { FakeClock } from "../../simulator/fake-clock.js";
import { createSimSerialPair } from "../../simulator/sim-serial.js";
import { VirtualR503 } from "../../simulator/virtual-r503.js";

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ""), "hex");

/** Talks to the virtual module with hand-typed frames, independent of our encoder. */
async function rig() {
  const clock = new FakeClock();
  const line = createSimSerialPair(clock);
  const sensor = new VirtualR503({ clock, matchScore: 100 });
  sensor.attach(line.device);
  let inbox = Buffer.alloc(0);
  line.host.onData((c) => {
    inbox = Buffer.concat([inbox, c]);
  });
  const ask = async (frame: string) => {
    inbox = Buffer.alloc(0);
    await line.host.write(hex(frame));
    await clock.advance(1);
    return inbox.toString("hex").toUpperCase();
  };
  return { clock, line, sensor, ask };
}

describe("VirtualR503 on the wire", () => {
  it("answers the HARDWARE.md frames byte for byte", async () => {
    const { sensor, ask } = await rig();
    expect(await ask("EF 01 FF FF FF FF 01 00 07 13 00 00 00 00 00 1B")).toBe("EF01FFFFFFFF07000300000A");
    sensor.preload(5, "alice-right-index");
    // TemplateNum -> ok, count 1: checksum 07+00+05+00+00+01 = 0x0D.
    expect(await ask("EF 01 FF FF FF FF 01 00 03 1D 00 21")).toBe("EF01FFFFFFFF070005000001000D");
    sensor.placeFinger("alice-right-index");
    expect(await ask("EF 01 FF FF FF FF 01 00 03 01 00 05")).toBe("EF01FFFFFFFF07000300000A");
    // Img2Tz buffer 1: 01+00+04+02+01 = 0x08.
    expect(await ask("EF 01 FF FF FF FF 01 00 04 02 01 00 08")).toBe("EF01FFFFFFFF07000300000A");
    expect(await ask("EF 01 FF FF FF FF 01 00 08 04 01 00 00 00 C8 00 D6")).toBe(
      "EF01FFFFFFFF07000700000500640077",
    );
    // Store buffer 1 page 5 is accepted; page 200 is outside a 200-slot library (0B).
    expect(await ask("EF 01 FF FF FF FF 01 00 06 06 01 00 05 00 13")).toBe("EF01FFFFFFFF07000300000A");
    expect(await ask("EF 01 FF FF FF FF 01 00 06 06 01 00 C8 00 D6")).toBe("EF01FFFFFFFF0700030B0015");
  });

  it("says no finger, wrong password, and answers SoftReset with a single 0x55", async () => {
    const { sensor, ask } = await rig();
    expect(await ask("EF 01 FF FF FF FF 01 00 03 01 00 05")).toBe("EF01FFFFFFFF07000302000C");
    sensor.password = 0x01020304;
    expect(await ask("EF 01 FF FF FF FF 01 00 07 13 00 00 00 00 00 1B")).toBe("EF01FFFFFFFF07000313001D");
    expect(await ask("EF 01 FF FF FF FF 01 00 03 3D 00 41")).toBe("55");
  });

  it("records the Aura LED state and reports a 16-byte system parameter block", async () => {
    const { sensor, ask } = await rig();
    // AuraLedConfig breathe, speed 100, purple, forever: 01+00+07+35+01+64+03+00 = 0xA5.
    await ask("EF 01 FF FF FF FF 01 00 07 35 01 64 03 00 00 A5");
    expect(sensor.led).toEqual({ control: 1, speed: 100, colour: 3, count: 0 });
    const sys = Buffer.from(await ask("EF 01 FF FF FF FF 01 00 03 0F 00 13"), "hex");
    expect(sys.readUInt16BE(7)).toBe(3 + 16);
    expect(sys.readUInt16BE(10 + 4)).toBe(200);
  });

  it("stays silent, slow or noisy when told to", async () => {
    const { clock, line, sensor } = await rig();
    const heard: Buffer[] = [];
    line.host.onData((c) => heard.push(c));
    sensor.silent = true;
    await line.host.write(hex("EF 01 FF FF FF FF 01 00 03 01 00 05"));
    await clock.advance(10);
    expect(heard).toHaveLength(0);
    sensor.silent = false;
    sensor.busyMs = 300;
    sensor.noiseBytesBeforeAnswer = 3;
    await line.host.write(hex("EF 01 FF FF FF FF 01 00 03 01 00 05"));
    await clock.advance(299);
    expect(heard).toHaveLength(0);
    await clock.advance(1);
    expect(Buffer.concat(heard).length).toBe(3 + 12);
  });
});

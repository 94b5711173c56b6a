import type { ChildProcess } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bitsFromBytes, decodeCard, encodeCard } from "../../devices/badge/card-formats.js";
import { OsdpBus } from "../../devices/osdp/osdp-bus.js";
import { OsdpReader, type OsdpReaderEvents } from "../../devices/osdp/osdp-reader.js";
import { SecretKey } from "../../devices/osdp/secure-channel.js";
import { systemClock } from "../../devices/system-clock.js";
import { SerialportOpener } from "../../devices/transports/serialport-link.js";
import type { SerialLink } from "../../devices/types.js";
import { VirtualOsdpPd } from "../../simulator/virtual-osdp-pd.js";
import { hasSocat, startPtyPair } from "../helpers/pty-pair.js";

if (!hasSocat)
  console.warn("SKIPPED: socat is not installed (apt-get install -y socat); the OSDP pty test needs it");

async function until(what: string, ok: () => boolean, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe.skipIf(!hasSocat)("OSDP CP ↔ virtual PD over a real pty pair (socat + serialport)", () => {
  let socat: ChildProcess | undefined;
  let paths: [string, string];
  const links: SerialLink[] = [];
  let bus: OsdpBus | undefined;

  beforeAll(async () => {
    ({ proc: socat, paths } = await startPtyPair());
  });

  afterAll(async () => {
    bus?.stop();
    for (const link of links) await link.close();
    socat?.kill();
  });

  it("establishes the Secure Channel and reads a card and LED feedback through the real binding", async () => {
    const opener = new SerialportOpener();
    const key = Buffer.from("00112233445566778899aabbccddeeff", "hex");
    const pdSide = await opener.open(paths[0], 115200);
    const cpSide = await opener.open(paths[1], 115200);
    links.push(pdSide, cpSide);
    const pd = new VirtualOsdpPd({ clock: systemClock, address: 3, key });
    pd.attach(pdSide);

    const cards: Parameters<NonNullable<OsdpReaderEvents["cardRead"]>>[0][] = [];
    const faults: string[] = [];
    const reader = new OsdpReader({
      device: "osdp:pty",
      address: 3,
      clock: systemClock,
      key: new SecretKey(key),
      events: { cardRead: (e) => cards.push(e), deviceFault: (e) => faults.push(e.detail) },
    });
    bus = new OsdpBus({ link: cpSide, clock: systemClock });
    bus.add(reader);
    bus.start();

    await until("the reader to come online", () => reader.online);
    expect(reader.secureChannelActive).toBe(true);
    pd.presentCard(encodeCard("H10304", 4321, 300_000));
    await until("the card", () => cards.length > 0);
    const card = cards[0] as (typeof cards)[0];
    expect(decodeCard("H10304", bitsFromBytes(card.bits, card.bitCount))).toMatchObject({
      normalized: "4321:300000",
    });
    reader.feedback("granted");
    await until("the LED", () => pd.led?.temporary !== undefined);
    expect(faults).toEqual([]);
  });
});

import { describe, expect, it } from "vitest";
import { Command } from "../../../devices/fingerprint/packet-codec.js";
import { R503Channel } from "../../../devices/fingerprint/r503-channel.js";
import { FingerprintUnavailableError } from "../../../devices/fingerprint/r503-errors.js";
import type { SerialLink } from "../../../devices/types.js";
import { FakeClock } from "../../../simulator/fake-clock.js";

/** A port whose writes stay in flight until the test lets them finish (a real UART takes time). */
function slowLink() {
  const finishers: Array<() => void> = [];
  const link: SerialLink = {
    write: () => new Promise<void>((resolve) => finishers.push(resolve)),
    onData: () => () => {},
    onClose: () => () => {},
    close: async () => {},
  };
  const finishWrites = () => {
    for (const finish of finishers.splice(0)) finish();
  };
  return { link, finishWrites };
}

const nodeTurns = async () => {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
};

describe("R503Channel", () => {
  it("dispose while a command's write is in flight: the caller's promise rejects, nothing is left unhandled (F1)", async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    try {
      const { link, finishWrites } = slowLink();
      const channel = new R503Channel(link, new FakeClock());
      const answer = channel.send(Command.GenImg);
      await nodeTurns(); // the write has started and not finished
      channel.dispose();
      await nodeTurns(); // the pending answer is rejected before anyone awaits it
      finishWrites();
      await expect(answer).rejects.toBeInstanceOf(FingerprintUnavailableError);
      await nodeTurns();
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
    expect(unhandled.map(String)).toEqual([]);
  });
});

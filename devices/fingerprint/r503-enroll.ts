import { Command, Confirm, u16 } from "./packet-codec.js";
import type { R503Ack } from "./r503-channel.js";
import { EnrollTimeoutError, errorForCode, TemplateMismatchError } from "./r503-errors.js";

/** What to tell the person during enrolment, in order. */
export type EnrollPrompt = "place_finger" | "lift_finger" | "place_again" | "retry" | "stored";

export interface EnrollOptions {
  /** How long to wait for the person to place or lift a finger before giving up. */
  fingerWaitMs?: number;
  /** Attempts when the two captures do not match (0A) before throwing TemplateMismatchError. */
  maxAttempts?: number;
}

/** What the enrolment sequence needs from the driver. */
export interface EnrollIo {
  send(command: number, params?: Uint8Array): Promise<R503Ack>;
  sleep(ms: number): Promise<void>;
  now(): number;
  pollIntervalMs: number;
}

/**
 * HARDWARE.md's enrol sequence: GenImg until 00 -> Img2Tz(1) -> wait for GenImg = 02 ->
 * GenImg until 00 -> Img2Tz(2) -> RegModel (0A: ask to retry) -> Store(1, page).
 * Failure codes surface as typed errors (MessyImageError, FewFeaturesError, BadLocationError, FlashError...).
 */
export async function runEnrollment(
  io: EnrollIo,
  slot: number,
  onPrompt: (prompt: EnrollPrompt) => void,
  opts: EnrollOptions = {},
): Promise<void> {
  const fingerWaitMs = opts.fingerWaitMs ?? 20_000;
  const maxAttempts = opts.maxAttempts ?? 3;

  const expectOk = async (command: number, params?: Uint8Array) => {
    const ack = await io.send(command, params);
    if (ack.code !== Confirm.ok) throw errorForCode(command, ack.code);
  };
  // Polls GenImg (never faster than one answer per interval) until the wanted code.
  const waitForGenImg = async (wanted: number, what: string) => {
    const deadline = io.now() + fingerWaitMs;
    for (;;) {
      const ack = await io.send(Command.GenImg);
      if (ack.code === wanted) return;
      if (io.now() >= deadline) throw new EnrollTimeoutError(`enrolment gave up waiting for ${what}`);
      await io.sleep(io.pollIntervalMs);
    }
  };

  for (let attempt = 1; ; attempt++) {
    onPrompt("place_finger");
    await waitForGenImg(Confirm.ok, "a finger");
    await expectOk(Command.Img2Tz, Buffer.of(1));
    onPrompt("lift_finger");
    await waitForGenImg(Confirm.noFinger, "the finger to be lifted");
    onPrompt("place_again");
    await waitForGenImg(Confirm.ok, "the finger again");
    await expectOk(Command.Img2Tz, Buffer.of(2));
    const model = await io.send(Command.RegModel);
    if (model.code === Confirm.mismatch) {
      if (attempt >= maxAttempts) throw new TemplateMismatchError(Command.RegModel, model.code);
      onPrompt("retry");
      await waitForGenImg(Confirm.noFinger, "the finger to be lifted");
      continue;
    }
    if (model.code !== Confirm.ok) throw errorForCode(Command.RegModel, model.code);
    await expectOk(Command.Store, Buffer.concat([Buffer.of(1), u16(slot)]));
    onPrompt("stored");
    return;
  }
}

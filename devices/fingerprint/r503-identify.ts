import { Command, Confirm, u16 } from "./packet-codec.js";
import type { R503Ack } from "./r503-channel.js";
import { errorForCode } from "./r503-errors.js";

/**
 * What one identify poll found. `lifted`, `held` and `smudged` are healthy answers without a
 * verdict; `matched` and `unknown` are verdicts (a Search that worked); `problem` is an answer no
 * working sensor gives (an error code such as 0x01); `malformed` is a Search "ok" whose page and
 * score are missing.
 */
export type IdentifyOutcome =
  | { kind: "lifted" }
  | { kind: "held" }
  | { kind: "smudged" }
  | { kind: "matched"; slot: number; score: number }
  | { kind: "unknown" }
  | { kind: "problem"; detail: string }
  | { kind: "malformed"; detail: string };

/** Sends one command and resolves with its ack (rejects on timeout or a closed channel). */
export type SendCommand = (command: number, params?: Uint8Array) => Promise<R503Ack>;

/** GenImg codes of a working sensor: a capture, no finger, or a capture that failed (wet finger). */
const GEN_IMG_ANSWERS = new Set<number>([Confirm.ok, Confirm.noFinger, Confirm.imagingFailed]);
/** Img2Tz codes that mean the capture was poor, not that the sensor is broken. */
const SMUDGE_ANSWERS = new Set<number>([Confirm.messyImage, Confirm.fewFeatures, Confirm.invalidImage]);

const problem = (command: number, code: number): IdentifyOutcome => ({
  kind: "problem",
  detail: errorForCode(command, code).message,
});

/** The Search of buffer 1 over the whole library, as sent by the identify loop and the recovery probe. */
export function searchParams(librarySize: number): Buffer {
  return Buffer.concat([Buffer.of(1), u16(0), u16(librarySize)]);
}

/** Reads a Search ack: a verdict, or why it is not one. */
export function searchVerdict(search: R503Ack): IdentifyOutcome {
  if (search.code === Confirm.ok && search.data.length >= 4)
    return { kind: "matched", slot: search.data.readUInt16BE(0), score: search.data.readUInt16BE(2) };
  if (search.code === Confirm.ok)
    return {
      kind: "malformed",
      detail: `Search answered ok without page and score (${search.data.length} data bytes)`,
    };
  if (search.code === Confirm.notFound) return { kind: "unknown" };
  return problem(Command.Search, search.code);
}

/**
 * GenImg -> (a new finger) Img2Tz(1) -> Search(1, 0, library size). A finger already reported
 * (`fingerDown`) is not read again until GenImg says it was lifted.
 */
export async function identifyOnce(
  send: SendCommand,
  librarySize: number,
  fingerDown: boolean,
): Promise<IdentifyOutcome> {
  const image = await send(Command.GenImg);
  if (!GEN_IMG_ANSWERS.has(image.code)) return problem(Command.GenImg, image.code);
  if (image.code === Confirm.noFinger) return { kind: "lifted" };
  if (image.code !== Confirm.ok) return { kind: "smudged" };
  if (fingerDown) return { kind: "held" };
  const features = await send(Command.Img2Tz, Buffer.of(1));
  if (SMUDGE_ANSWERS.has(features.code)) return { kind: "smudged" };
  if (features.code !== Confirm.ok) return problem(Command.Img2Tz, features.code);
  return searchVerdict(await send(Command.Search, searchParams(librarySize)));
}

/** Codes that say the module did not understand us (or is not an R503): never a sign of health. */
export function isHealthyAnswer(code: number): boolean {
  return code !== Confirm.packetError && Object.values(Confirm).includes(code as never);
}

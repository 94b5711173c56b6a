import { describe, expect, it } from "vitest";
import { Command } from "../../../devices/fingerprint/packet-codec.js";
import type { EnrollPrompt } from "../../../devices/fingerprint/r503-enroll.js";
import {
  BadLocationError,
  DeleteFailedError,
  EnrollTimeoutError,
  FewFeaturesError,
  FingerprintUnavailableError,
  FlashError,
  MessyImageError,
  TemplateMismatchError,
} from "../../../devices/fingerprint/r503-errors.js";
import type { FingerQuality } from "../../../simulator/virtual-r503.js";
import { r503Rig } from "./r503-rig.js";

type Rig = ReturnType<typeof r503Rig>;

/** A person following the prompts: first and second placement may be different fingers or qualities. */
function person(rig: Rig, first: string, second = first, quality: FingerQuality = "good") {
  const prompts: EnrollPrompt[] = [];
  const onPrompt = (p: EnrollPrompt) => {
    prompts.push(p);
    if (p === "place_finger") rig.sensor.placeFinger(first, quality);
    if (p === "lift_finger" || p === "retry" || p === "stored") rig.sensor.liftFinger();
    if (p === "place_again") rig.sensor.placeFinger(second, quality);
  };
  return { prompts, onPrompt };
}

async function run(rig: Rig, promise: Promise<void>) {
  const outcome = promise.then(
    () => null,
    (err: Error) => err,
  );
  await rig.clock.advance(10_000);
  return outcome;
}

describe("R503Fingerprint enrolment", () => {
  it("guides place, lift, place again, stores, and pauses identification meanwhile", async () => {
    const rig = r503Rig();
    await rig.driver.start();
    const p = person(rig, "dave-left-thumb");
    rig.commands.length = 0;
    expect(await run(rig, rig.driver.enroll(7, p.onPrompt))).toBeNull();
    expect(p.prompts).toEqual(["place_finger", "lift_finger", "place_again", "stored"]);
    expect(rig.sensor.templateAt(7)).toBe("dave-left-thumb");
    const storeAt = rig.commands.indexOf(Command.Store);
    expect(rig.commands.slice(0, storeAt).filter((c) => c === Command.Search)).toEqual([]);
    expect(rig.commands.filter((c) => c === Command.Img2Tz)).toHaveLength(2);
    expect(rig.commands).toContain(Command.RegModel);
    // Identification resumes afterwards.
    rig.sensor.placeFinger("dave-left-thumb");
    await rig.clock.advance(500);
    expect(rig.matched).toEqual([expect.objectContaining({ slot: 7 })]);
  });

  it("asks to retry when the two captures differ (0A), then succeeds", async () => {
    const rig = r503Rig();
    await rig.driver.start();
    let round = 0;
    const prompts: EnrollPrompt[] = [];
    const done = rig.driver.enroll(4, (prompt) => {
      prompts.push(prompt);
      if (prompt === "place_finger") rig.sensor.placeFinger("erin");
      if (prompt === "lift_finger" || prompt === "retry") rig.sensor.liftFinger();
      if (prompt === "place_again") rig.sensor.placeFinger(round++ === 0 ? "frank" : "erin");
    });
    expect(await run(rig, done)).toBeNull();
    expect(prompts).toEqual([
      "place_finger",
      "lift_finger",
      "place_again",
      "retry",
      "place_finger",
      "lift_finger",
      "place_again",
      "stored",
    ]);
    expect(rig.sensor.templateAt(4)).toBe("erin");
  });

  it("throws TemplateMismatchError after the last attempt", async () => {
    const rig = r503Rig();
    await rig.driver.start();
    const p = person(rig, "erin", "frank");
    const err = await run(rig, rig.driver.enroll(4, p.onPrompt, { maxAttempts: 2 }));
    expect(err).toBeInstanceOf(TemplateMismatchError);
    expect(p.prompts.filter((x) => x === "retry")).toHaveLength(1);
    expect(rig.sensor.templateAt(4)).toBeUndefined();
  });

  it.each([
    ["messy image (06)", "messy" as const, MessyImageError],
    ["too few features (07)", "few_features" as const, FewFeaturesError],
  ])("throws on %s", async (_name, quality, ErrorClass) => {
    const rig = r503Rig();
    await rig.driver.start();
    const err = await run(rig, rig.driver.enroll(1, person(rig, "gina", "gina", quality).onPrompt));
    expect(err).toBeInstanceOf(ErrorClass);
    expect((err as MessyImageError).code).toBe(quality === "messy" ? 0x06 : 0x07);
    expect(rig.driver.state).toBe("ready");
  });

  it("throws BadLocationError (0B) for a slot outside the library", async () => {
    const rig = r503Rig();
    await rig.driver.start();
    const err = await run(rig, rig.driver.enroll(250, person(rig, "hank").onPrompt));
    expect(err).toBeInstanceOf(BadLocationError);
  });

  it("throws FlashError (18) when the module cannot write flash", async () => {
    const rig = r503Rig();
    await rig.driver.start();
    rig.sensor.flashFails = true;
    const err = await run(rig, rig.driver.enroll(2, person(rig, "ivy").onPrompt));
    expect(err).toBeInstanceOf(FlashError);
    expect((err as FlashError).code).toBe(0x18);
  });

  it("gives up when nobody places a finger", async () => {
    const rig = r503Rig();
    await rig.driver.start();
    const err = await run(
      rig,
      rig.driver.enroll(2, () => undefined, { fingerWaitMs: 5000 }),
    );
    expect(err).toBeInstanceOf(EnrollTimeoutError);
    expect(rig.faults).toHaveLength(0);
  });

  it("refuses to enrol while the sensor is down", async () => {
    const rig = r503Rig();
    await expect(rig.driver.enroll(1, () => undefined)).rejects.toBeInstanceOf(FingerprintUnavailableError);
  });
});

describe("R503Fingerprint library and LED", () => {
  it("counts, lists, deletes one slot and empties the library", async () => {
    const rig = r503Rig();
    rig.sensor.preload(0, "a");
    rig.sensor.preload(9, "b");
    rig.sensor.preload(199, "c");
    await rig.driver.start();
    await expect(rig.driver.templateCount()).resolves.toBe(3);
    await expect(rig.driver.listUsedSlots()).resolves.toEqual([0, 9, 199]);
    await rig.driver.deleteSlot(9);
    await expect(rig.driver.listUsedSlots()).resolves.toEqual([0, 199]);
    await expect(rig.driver.deleteSlot(300)).rejects.toBeInstanceOf(DeleteFailedError);
    await rig.driver.deleteAll();
    await expect(rig.driver.templateCount()).resolves.toBe(0);
  });

  it("drives the Aura LED for each mode", async () => {
    const rig = r503Rig();
    await rig.driver.start();
    await rig.driver.led("working");
    expect(rig.sensor.led).toEqual({ control: 1, speed: 100, colour: 3, count: 0 });
    await rig.driver.led("granted");
    expect(rig.sensor.led).toMatchObject({ control: 3, colour: 2 });
    await rig.driver.led("denied");
    expect(rig.sensor.led).toMatchObject({ control: 2, colour: 1, count: 3 });
    await rig.driver.led("idle");
    expect(rig.sensor.led).toMatchObject({ control: 4 });
  });
});

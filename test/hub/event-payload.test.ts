import { describe, expect, it } from "vitest";
import { LightDoor } from "../../simulator/light-door.js";
import { eventPayloadSchema, isEventPayload, parseEventPayload } from "../../src/hub/event-payload.js";

const door = new LightDoor("records-room");
const good = JSON.parse(
  door.payload(door.append(Date.parse("2026-03-03T08:00:00Z"), { detail: '{"reader":"cage-keypad"}' })),
) as Record<string, unknown>;

const variants: Array<[string, Record<string, unknown>]> = [
  ["as published", good],
  ["an offset time", { ...good, ts: "2026-03-03T09:00:00.000+01:00" }],
  ["nulls where allowed", { ...good, credential: null, outcome: null, user_code: null, detail: null }],
  ["seq 0", { ...good, seq: 0 }],
  ["seq 1.5", { ...good, seq: 1.5 }],
  ["seq as text", { ...good, seq: "1" }],
  ["a date without time", { ...good, ts: "2026-03-03" }],
  ["a time without offset", { ...good, ts: "2026-03-03T08:00:00" }],
  ["not a time", { ...good, ts: "yesterday" }],
  ["empty door", { ...good, door: "" }],
  ["door too long", { ...good, door: "d".repeat(129) }],
  ["kind too long", { ...good, kind: "k".repeat(33) }],
  ["credential too long", { ...good, credential: "c".repeat(33) }],
  ["reason missing", { ...good, reason: undefined }],
  ["user code a number", { ...good, user_code: 7 }],
  ["detail an array", { ...good, detail: [1] }],
  ["detail a string", { ...good, detail: "x" }],
  ["upper-case hash", { ...good, hash: String(good.hash).toUpperCase() }],
  ["short prev_hash", { ...good, prev_hash: "ab" }],
];

describe("the hub's event payload check", () => {
  it.each(variants)("agrees with the schema on %s", (_name, payload) => {
    expect(isEventPayload(payload)).toBe(eventPayloadSchema.safeParse(payload).success);
  });

  it("takes a door's event whose hash matches, refuses garbage and a changed field", () => {
    expect(parseEventPayload(JSON.stringify(good)).ok).toBe(true);
    expect(parseEventPayload("{nope")).toEqual({ ok: false, reason: "malformed" });
    expect(parseEventPayload(JSON.stringify({ ...good, reason: "nothing" }))).toEqual({
      ok: false,
      reason: "bad_hash",
      door: "records-room",
      seq: 1,
    });
  });
});

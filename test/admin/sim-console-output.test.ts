import { afterEach, describe, expect, it } from "vitest";
import { formatRecord, SimConsole } from "../../src/admin/sim-console.js";
import { type Harness, startHarness } from "../helpers/harness.js";

const RAW_CONTROL = /(?![\n\t])[\p{Cc}\p{Cf}]/u;
let h: Harness | null = null;
afterEach(async () => {
  await h?.app.stop();
  h = null;
});

describe("the simulator console never echoes raw control bytes (issue 10 item 21)", () => {
  it("a typed escape sequence comes back escaped", async () => {
    h = await startHarness();
    const out: string[] = [];
    const console = new SimConsole(h.app, h.sim, h.clock, (l) => out.push(l));
    await console.execute("\u001b[2J\u0007bogus\u202e");
    expect(out.join("\n")).toContain("unknown command");
    expect(out.join("\n")).not.toMatch(RAW_CONTROL);
  });

  it("an event's detail is printed with its control characters escaped", () => {
    const line = formatRecord({
      seq: 1,
      tsMs: 0,
      kind: "system",
      reason: "x",
      outcome: null,
      credential: null,
      userCode: null,
      detail: { note: "a\u0085b\u202ec" },
    } as never);
    expect(line).not.toMatch(RAW_CONTROL);
    expect(line).toContain("\\u202e");
  });
});

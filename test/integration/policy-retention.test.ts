import { afterEach, describe, expect, it } from "vitest";
import { MQTT_CURSOR_KEY } from "../../src/audit/audit-retention.js";
import { KeyValueStore } from "../../src/store/key-value-store.js";
import { type Harness, startHarness } from "../helpers/harness.js";
import { adminFor } from "./policy-helpers.js";

let h: Harness;
afterEach(async () => {
  await h?.app.stop();
});

const DAY = 86_400_000;

describe("retention", () => {
  it("purges rows older than retention_days, records a checkpoint, and verify stays ok", async () => {
    h = await startHarness({ policy: { retention_days: 30 } });
    h.addUserWithPin("alice", "1234");
    await h.type("1234#");
    await h.type("9999#");
    const { audit, policy } = h.app.services;
    const before = audit.tail(1000).length;
    // Purge as if 40 days had passed (advancing the fake clock that far would fire ~3.5M polls).
    const result = policy.retention.purge(h.clock.now() + 40 * DAY);
    expect(result.purgedRows).toBe(before - 1); // the newest row is kept for the chain to continue
    expect(policy.retention.purge(h.clock.now())).toEqual({ purgedRows: 0, throughSeq: null }); // nothing is old yet
    expect(audit.verify().ok).toBe(true);
    expect(audit.last()).toMatchObject({
      reason: "retention_purge",
      detail: { through_seq: result.throughSeq },
    });
    await h.type("1234#");
    expect(audit.verify().ok).toBe(true);
    // A deletion after the checkpoint is still caught.
    const firstKept = audit.tail(1000)[0]?.seq as number;
    h.app.services.db.prepare("DELETE FROM audit_events WHERE seq = ?").run(firstKept);
    expect(audit.verify()).toMatchObject({ ok: false });
  });

  it("never purges rows the MQTT publisher has not delivered", async () => {
    h = await startHarness({ policy: { retention_days: 1 } });
    const kv = new KeyValueStore(h.app.services.db);
    h.addUserWithPin("alice", "1234");
    await h.type("1234#");
    await h.type("1234#");
    kv.setJson(MQTT_CURSOR_KEY, 1);
    const result = h.app.services.policy.retention.purge(h.clock.now() + 2 * DAY);
    expect(result).toEqual({ purgedRows: 1, throughSeq: 1 });
    expect(h.app.services.audit.verify().ok).toBe(true);
  });
});

describe("erase", () => {
  it("removes the name and credentials, keeps the events under the user code, and the chain stays valid", async () => {
    h = await startHarness();
    const code = h.addUserWithPin("alice", "1234");
    await h.type("1234#");
    const erased = adminFor(h).eraseUser("alice");
    expect(erased).toMatchObject({ name: code, enabled: false, userCode: code });
    expect(h.app.services.users.find("alice")).toBeUndefined();
    expect(h.app.services.users.credentialKinds(erased.id)).toEqual([]);
    await h.type("1234#");
    expect(h.app.services.audit.last()?.reason).toBe("unknown_credential");
    const rows = [...h.app.services.audit.query({ userCode: code })].map((r) => r.reason);
    expect(rows).toEqual(["granted", "user_erased"]);
    expect(h.app.services.audit.verify().ok).toBe(true);
  });
});

import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { AdminAccountStore } from "../../src/admin/http/admin-account-store.js";
import { hashPassword } from "../../src/admin/http/password-hasher.js";
import { parseEventPayload } from "../../src/hub/event-payload.js";
import { ApiClient, startWebHarness, type WebHarness } from "../admin/http/web-harness.js";
import { cli, writeConfig } from "../helpers/cli.js";
import { tempDir } from "../helpers/harness.js";
import {
  type Received,
  startTestBroker,
  subscriber,
  type TestBroker,
  uniqueId,
} from "../helpers/mqtt-broker.js";

// Invariant 3 without the old exception (issue 10 item 9): rows store admin codes, not admin
// account names, so P/event (published exactly as hashed) names no admin, while the device can
// still say who it was, until the admin is removed.
const ADMIN = "quillon"; // a name no hex hash or code can contain by chance
const PASSWORD = "correct horse battery";
const OS_ACTOR = "os:root"; // the CLI below runs as root, like these tests

function filesHolding(dir: string, text: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) found.push(...filesHolding(path, text));
    else if (readFileSync(path).includes(Buffer.from(text))) found.push(entry);
  }
  return found;
}

let broker: TestBroker | undefined;
let w: WebHarness | undefined;
let listener: { end(): Promise<void> } | undefined;
afterEach(async () => {
  await listener?.end();
  await w?.stop();
  await broker?.close();
  w = undefined;
  broker = undefined;
});

async function actionsByPageAndCli() {
  broker = await startTestBroker();
  const door = uniqueId("door");
  const events = await subscriber(broker.url, [`doorward/${door}/event`]);
  listener = events;
  w = await startWebHarness({ door_id: door, mqtt: { enabled: true, url: broker.url } });
  const harness = w;
  const { db, audit, mqtt } = harness.app.services;
  new AdminAccountStore(db).add(ADMIN, await hashPassword(PASSWORD, { n: 2 ** 12 }), harness.clock.now());
  const page = new ApiClient(harness.base);
  expect((await page.login(ADMIN, PASSWORD)).status).toBe(200);
  expect((await page.request("POST", "/api/users", { name: "Grace", pin: "4711" })).status).toBe(201);
  expect((await page.request("POST", "/api/door/unlock", { confirm: true })).status).toBe(200);
  // A door mode also keeps who set it (in the key-value state, not only in the row).
  expect((await page.request("POST", "/api/door/lockdown", { on: true, confirm: true })).status).toBe(200);
  const config = writeConfig(tempDir(), harness.settings.data_dir);
  const byCli = await cli(["user", "add", "Linus", "--config", config]);
  expect(byCli.code, byCli.stderr).toBe(0);
  // The bridge picks up the CLI's rows (another connection) on its next poll.
  await harness.clock.advance(2000);
  await mqtt?.waitForPublished(audit.last()?.seq ?? 0);
  const last = audit.last()?.seq ?? 0;
  await events.waitFor((all) => all.some((m) => JSON.parse(m.text).seq === last));
  return { harness, config, events, page };
}

const rowsOf = (messages: Received[]) =>
  messages.map((m) => JSON.parse(m.text) as { seq: number; reason: string });

describe("admin identities in stored rows", () => {
  it("P/event names no admin for actions via the page and the CLI, and the hub's hash recompute verifies", async () => {
    const { harness, events } = await actionsByPageAndCli();
    const rows = rowsOf(events.messages);
    expect(rows.map((r) => r.reason)).toEqual(expect.arrayContaining(["admin_login", "user_added"]));
    for (const m of events.messages) {
      expect(m.text).not.toContain(ADMIN);
      expect(m.text).not.toContain(OS_ACTOR);
      expect(parseEventPayload(m.text).ok, m.text).toBe(true);
    }
    const added = events.messages.map((m) => JSON.parse(m.text)).filter((r) => r.reason === "user_added");
    expect(added.map((r) => r.detail.by).sort()).toEqual([
      expect.stringMatching(/^os:a-[0-9A-Z]{6}$/),
      expect.stringMatching(/^web:a-[0-9A-Z]{6}$/),
    ]);
    const config = writeConfig(tempDir(), harness.settings.data_dir);
    const verify = await cli(["log", "verify", "--config", config]);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
  });

  it("log tail --with-names and the page show who it was; plain tail and the download do not", async () => {
    const { config, page } = await actionsByPageAndCli();
    const named = await cli(["log", "tail", "-n", "50", "--with-names", "--config", config]);
    expect(named.code, named.stderr).toBe(0);
    expect(named.stdout).toContain(`web:${ADMIN}`);
    expect(named.stdout).toContain(OS_ACTOR);
    const plain = await cli(["log", "tail", "-n", "50", "--config", config]);
    expect(plain.stdout).not.toContain(ADMIN);
    expect(plain.stdout).not.toContain(OS_ACTOR);
    const onPage = (await (await page.request("GET", "/api/log")).json()) as {
      events: Array<{ reason: string; detail: { by?: string } | null }>;
    };
    expect(onPage.events.find((e) => e.reason === "admin_login")?.detail?.by).toBe(`web:${ADMIN}`);
    const download = await (await page.request("GET", "/api/log/export?format=json")).text();
    expect(download).not.toContain(ADMIN);
    expect(download).toMatch(/web:a-[0-9A-Z]{6}/);
  });

  it("after admin remove the name is in no file under data_dir, service running", async () => {
    const { harness, config } = await actionsByPageAndCli();
    // The name reaches the main database file too, as after any automatic checkpoint.
    harness.app.services.db.pragma("wal_checkpoint(TRUNCATE)");
    expect(filesHolding(harness.settings.data_dir, ADMIN).length).toBeGreaterThan(0);
    const removed = await cli(["admin", "remove", ADMIN, "--config", config]);
    expect(removed.code, removed.stderr).toBe(0);
    expect(filesHolding(harness.settings.data_dir, ADMIN)).toEqual([]);
    // Their rows stay under their code; --with-names has no name left to show.
    const named = await cli(["log", "tail", "-n", "50", "--with-names", "--config", config]);
    expect(named.stdout).not.toContain(ADMIN);
    expect(named.stdout).toMatch(/web:a-[0-9A-Z]{6}/);
    expect(named.stdout).toContain(OS_ACTOR);
  });
});

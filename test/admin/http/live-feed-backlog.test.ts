import { type AddressInfo, createServer, connect as netConnect, type Socket } from "node:net";
import { connect as tlsConnect } from "node:tls";
import { afterEach, describe, expect, it } from "vitest";
import { LIVE_FEED_MAX_BACKLOG_BYTES } from "../../../src/admin/http/log-routes.js";
import type { AuditEntry } from "../../../src/audit/audit-log.js";
import { ApiClient, EventStreamReader, startWebHarness, type WebHarness } from "./web-harness.js";

let w: WebHarness;
const cleanups: Array<() => void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) c();
  await w?.stop();
});

/** Rows the live feed passes on: about 300 bytes each as an SSE event. */
const rows = (n: number): AuditEntry[] =>
  Array.from({ length: n }, (_, i) => ({
    kind: "access",
    reason: "unknown_credential",
    outcome: "denied",
    credential: "pin",
    detail: { i },
  }));

interface StalledFeed {
  /** The reader reads again: whatever the server still sends, then the end if it cut the feed. */
  resume(): void;
  closed(): boolean;
}

/**
 * The feed as a reader that stopped reading (a suspended tab, a phone on a dead link): TLS to
 * the server through a TCP relay that, once the response head has arrived, stops reading from
 * the server, so the server's socket fills and further writes queue inside the service.
 */
async function stalledFeed(base: string, cookie: string): Promise<StalledFeed> {
  const url = new URL(base);
  const links: { up?: Socket; down?: Socket } = {};
  const relay = createServer((down) => {
    const up = netConnect(Number(url.port), url.hostname);
    Object.assign(links, { up, down });
    down.pipe(up);
    up.pipe(down);
    for (const s of [up, down]) s.on("error", () => {});
  });
  await new Promise<void>((r) => relay.listen(0, "127.0.0.1", r));
  const port = (relay.address() as AddressInfo).port;
  const socket = tlsConnect({ host: "127.0.0.1", port, rejectUnauthorized: false }, () => {
    socket.write(`GET /api/events HTTP/1.1\r\nhost: ${url.host}\r\ncookie: ${cookie}\r\n\r\n`);
  });
  let closed = false;
  socket.on("close", () => (closed = true));
  socket.on("error", () => {});
  cleanups.push(() => {
    socket.destroy();
    links.up?.destroy();
    relay.close();
  });
  const head = await new Promise<Buffer>((resolve) => socket.once("data", resolve));
  expect(String(head)).toMatch(/^HTTP\/1.1 200/);
  const { up, down } = links as Required<typeof links>;
  up.unpipe(down);
  up.pause(); // from here on nothing is read from the server
  socket.resume(); // what already reached the client is read and dropped
  return {
    resume: () => {
      up.pipe(down);
      up.resume();
    },
    closed: () => closed,
  };
}

/** A few real macrotasks for bytes in flight; never a timer the test depends on. */
async function settle(until: () => boolean, rounds = 200): Promise<boolean> {
  for (let i = 0; i < rounds && !until(); i++) await new Promise((r) => setTimeout(r, 10));
  return until();
}

describe("the live feed holds a bounded backlog per reader (issue 15: memory)", () => {
  it("cuts a feed whose reader stopped taking data once its backlog passes the cap", async () => {
    w = await startWebHarness();
    const c = new ApiClient(w.base);
    await c.login();
    const feed = await stalledFeed(w.base, c.cookie);
    // Enough to fill the loopback socket buffers (a few MB) and then the cap several times over.
    for (let b = 0; b < 40; b++) {
      w.app.services.audit.appendAll(rows(1000), w.clock.now());
      await new Promise((r) => setImmediate(r));
    }
    feed.resume();
    expect(await settle(() => feed.closed())).toBe(true);
    // The session is untouched: the page's EventSource reconnects and gets a new feed.
    const again = await c.request("GET", "/api/events");
    expect(again.status).toBe(200);
    await again.body?.cancel();
  });

  it("keeps a reader that takes what it is sent, through a burst of rows", async () => {
    w = await startWebHarness();
    const c = new ApiClient(w.base);
    await c.login();
    const feed = new EventStreamReader(await c.request("GET", "/api/events"));
    const burst = Math.floor(LIVE_FEED_MAX_BACKLOG_BYTES / 400);
    w.app.services.audit.appendAll(rows(burst), w.clock.now());
    const delivered = () => (feed.text.match(/event: audit/g) ?? []).length;
    await settle(() => delivered() >= burst);
    expect(delivered()).toBe(burst);
    expect(await feed.isEnded()).toBe(false);
    await feed.close();
  });
});

import { createServer, type Server } from "node:net";
import { Writable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { startWebServices } from "../../src/admin/commands/start-web-services.js";
import { createLogger } from "../../src/logger.js";
import { type Harness, startHarness } from "../helpers/harness.js";

let h: Harness | null = null;
let blocker: Server | null = null;
afterEach(async () => {
  await h?.app.stop();
  await new Promise((resolve) => (blocker ? blocker.close(resolve) : resolve(undefined)));
  h = null;
  blocker = null;
});

describe("the admin page's port already in use (issue 11 item 7)", () => {
  it("is one line naming the port and the key to change; no stack trace; the door keeps running", async () => {
    const server = createServer();
    blocker = server;
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as { port: number }).port;
    h = await startHarness({ web: { port }, simulator_panel: { enabled: false } });
    let logged = "";
    const logger = createLogger(
      "info",
      new Writable({
        write(chunk, _enc, done) {
          logged += chunk;
          done();
        },
      }),
    );
    const out: string[] = [];
    const web = await startWebServices(
      { app: h.app, sim: h.sim, clock: h.clock, logger, backends: {} as never },
      (l) => out.push(l),
    );
    expect(web.admin).toBeNull();
    const line = out.find((l) => l.startsWith("admin page:"));
    expect(line).toBe(
      `admin page: not started: port ${port} on 127.0.0.1 is already in use (another program, or another doorward); set web.port in the config to a free port`,
    );
    expect(logged).toContain(`port ${port}`);
    expect(logged).not.toMatch(/\n\s+at |"stack"/);
    expect(h.app.services.door.status().lock).toBe("locked");
    await web.stop();
  });
});

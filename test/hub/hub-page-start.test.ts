import { createServer } from "node:net";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { hubSchema } from "../../src/config/hub-schema.js";
import { startHub } from "../../src/hub/hub-main.js";
import { captureLogger } from "../helpers/capture-logger.js";
import { tempDir } from "../helpers/harness.js";

vi.setConfig({ testTimeout: 60_000 });
process.env.NODE_TLS_REJECT_UNAUTHORIZED = "0";

/** `doorward hub` itself (hub-main): the page inside the hub process, sharing its embedded store. */
describe("the hub process and its page", () => {
  it("serves the page from the hub's own store, and keeps collecting when the page cannot listen", async () => {
    const dir = tempDir();
    // No broker on port 1: ingest keeps retrying; what matters here is the page beside it.
    const settings = (port: number) =>
      hubSchema.parse({ data_dir: join(dir, "hub"), mqtt_url: "mqtt://127.0.0.1:1", http: { port } });
    const running = await startHub(settings(0), captureLogger().logger);
    try {
      expect(running.page).not.toBeNull();
      const res = await fetch(`${running.page?.url}api/setup`);
      expect(await res.json()).toEqual({
        auditors_exist: false,
        create_auditor: "doorward hub auditor add NAME",
      });
      expect(res.headers.get("strict-transport-security")).toBe("max-age=31536000");
    } finally {
      await running.stop();
    }

    const taken = createServer();
    await new Promise<void>((r) => taken.listen(0, "127.0.0.1", r));
    const port = (taken.address() as { port: number }).port;
    const { logger, lines } = captureLogger();
    const again = await startHub(settings(port), logger);
    try {
      expect(again.page).toBeNull();
      expect(
        lines.some((l) => l.msg.includes("could not start") && String(l.err).includes("EADDRINUSE")),
      ).toBe(true);
      // The hub's store is open and answering: ingest goes on without the page.
      expect(await again.store.query("SELECT count(*)::int AS n FROM hub_events")).toEqual([{ n: 0 }]);
    } finally {
      await again.stop();
      taken.close();
    }
  });
});

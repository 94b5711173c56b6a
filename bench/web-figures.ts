// Figures for the admin page: first-load weight, time to first render (also with the CPU
// throttled 4× as a stand-in for a Pi), and the controller memory the web server adds.
// Run: node --import tsx bench/web-figures.ts   (needs /usr/bin/chromium)
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { addAdmin, startControllerProcess, writeConfig } from "../test/e2e/controller-process.js";

const rssKb = (pid: number) =>
  Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1]);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

/** RSS of `doorward start --simulate` after it settles; the panel is off in both runs so only the admin server differs. */
async function controllerRss(webEnabled: boolean): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), "doorward-bench-"));
  const c = await startControllerProcess(
    writeConfig(dir, `web: {enabled: ${webEnabled}, port: 0}\nsimulator_panel: {enabled: false}\n`),
  );
  await sleep(3000);
  const kb = rssKb(c.pid);
  await c.stop();
  return kb;
}

async function main(): Promise<void> {
  const off: number[] = [];
  const on: number[] = [];
  for (let i = 0; i < 3; i++) {
    off.push(await controllerRss(false));
    on.push(await controllerRss(true));
  }
  console.log(
    `controller RSS (median of 3): without web ${median(off)} kB, with web idle ${median(on)} kB, added ${median(on) - median(off)} kB  [${off}] [${on}]`,
  );

  const dir = mkdtempSync(join(tmpdir(), "doorward-bench-"));
  const config = writeConfig(dir);
  addAdmin(config, "ada", "correct horse battery");
  const c = await startControllerProcess(config);
  const { chromium } = await import("playwright-core");
  const browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  for (const throttle of [1, 4]) {
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send("Emulation.setCPUThrottlingRate", { rate: throttle });
    let bytes = 0;
    cdp.on("Network.loadingFinished", (e: { encodedDataLength: number }) => {
      bytes += e.encodedDataLength;
    });
    await cdp.send("Network.enable");
    await page.goto(c.adminUrl, { waitUntil: "networkidle" });
    const fcp = await page.evaluate(
      () => performance.getEntriesByName("first-contentful-paint")[0]?.startTime ?? -1,
    );
    const firstLoad = bytes;
    await page.fill("#login-name", "ada");
    await page.fill("#login-password", "correct horse battery");
    await page.click("#login-form button[type=submit]");
    await page.locator("#status").waitFor({ state: "visible" });
    await sleep(500);
    console.log(
      `CPU ×${throttle}: first load ${firstLoad} bytes on the wire incl. headers; first contentful paint ${fcp.toFixed(0)} ms; +login and first data ${bytes - firstLoad} bytes`,
    );
    await context.close();
  }
  console.log(`controller RSS with a browser logged in and the SSE feed open: ${rssKb(c.pid)} kB`);
  await browser.close();
  await c.stop();
}

await main();

import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SecretKey } from "../../devices/osdp/secure-channel.js";
import { OsdpKeyStore } from "../../src/osdp/osdp-key-store.js";
import { doorEntry, osdpReader } from "../helpers/doors.js";
import { type Browser, hasChromium, launchChromium, logInToAdminPage } from "./chromium.js";
import {
  addAdmin,
  type ControllerProcess,
  startControllerProcess,
  writeConfig,
} from "./controller-process.js";

/**
 * Issue 13: the admin page shows each reader with the identity the OSDP reader reported and its
 * Secure Channel state, and warns visibly about a `secure: false` reader and one with no key.
 * A real `doorward start --simulate` process with virtual OSDP readers, in Chromium.
 */
describe.skipIf(!hasChromium)("OSDP readers on the admin page", { timeout: 60_000 }, () => {
  let controller: ControllerProcess;
  let browser: Browser;

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), "doorward-e2e-osdp-"));
    const data = join(dir, "data");
    mkdirSync(data, { mode: 0o700 });
    // As after `doorward osdp install outer-in`: the simulator's reader holds the same key.
    new OsdpKeyStore(data).set("outer-in", new SecretKey(randomBytes(16)));
    const doors = [
      doorEntry("outer", 4, [
        osdpReader("outer-in", 0),
        osdpReader("outer-out", 1, { direction: "out", secure: false }),
        osdpReader("outer-spare", 2),
      ]),
    ];
    const config = writeConfig(
      dir,
      `web: {port: 0}\nsimulator_panel: {port: 0}\ndoors: ${JSON.stringify(doors)}\n`,
    );
    controller = await startControllerProcess(config);
    addAdmin(config, "ada", "correct horse battery");
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await controller?.stop();
  });

  it("shows the reader's identity and Secure Channel, and warns about secure: false and a missing key", async () => {
    const page = await logInToAdminPage(browser, controller.adminUrl, "ada", "correct horse battery");

    const row = (id: string) => page.locator(`#reader-rows tr[data-reader="${id}"]`);
    const cell = (id: string, h: string) => row(id).locator(`td[data-h="${h}"]`);
    await expect
      .poll(() => cell("outer-in", "Identity").textContent(), { timeout: 10_000 })
      .toBe("vendor 0a1b2c model 1 v1, serial 0x00001000, firmware 2.1.0");
    expect(await cell("outer-in", "Secure Channel").textContent()).toBe("up");
    expect(await cell("outer-in", "Online").textContent()).toMatch(/^online since /);
    expect(await cell("outer-in", "Direction").textContent()).toBe("in");
    expect(await cell("outer-out", "Direction").textContent()).toBe("out");
    expect(await cell("outer-out", "Secure Channel").textContent()).toBe("off (secure: false)");
    expect(await cell("outer-spare", "Identity").textContent()).toBe("never identified");
    expect(await cell("outer-spare", "Secure Channel").textContent()).toMatch(/^failed: no key stored/);

    // The warnings are an alert the admin sees on the status view, not a detail in a table.
    const warnings = page.getByRole("alert", { name: "Reader warnings" });
    expect(await warnings.isVisible()).toBe(true);
    const items = warnings.getByRole("listitem");
    expect(await items.allTextContents()).toEqual([
      expect.stringMatching(/^Reader outer-out \(door outer\): Secure Channel is off \(secure: false\)/),
      expect.stringMatching(/^Reader outer-spare \(door outer\): No Secure Channel key stored/),
    ]);
    expect(await items.first().isVisible()).toBe(true);
    await page.context().close();
  });
});

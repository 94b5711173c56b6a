import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { doorsConfig } from "../helpers/doors.js";
import {
  addAdmin,
  type ControllerProcess,
  startControllerProcess,
  writeConfig,
} from "./controller-process.js";

const CHROMIUM = "/usr/bin/chromium";

type Browser = import("playwright-core").Browser;

describe.skipIf(!existsSync(CHROMIUM))(
  "two doors in the admin page and the panel",
  { timeout: 60_000 },
  () => {
    let controller: ControllerProcess;
    let browser: Browser;

    beforeAll(async () => {
      const dir = mkdtempSync(join(tmpdir(), "doorward-e2e-doors-"));
      const config = writeConfig(
        dir,
        `web: {port: 0}\nsimulator_panel: {port: 0}\ndoors: ${JSON.stringify(doorsConfig(2))}\n`,
      );
      controller = await startControllerProcess(config);
      addAdmin(config, "ada", "correct horse battery");
      const { chromium } = await import("playwright-core");
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        headless: true,
        args: ["--no-sandbox", "--disable-gpu"],
      });
    }, 60_000);

    afterAll(async () => {
      await browser?.close();
      await controller?.stop();
    });

    it("the page picks a door and unlocks that one; the panel draws both doors", async () => {
      const context = await browser.newContext({ ignoreHTTPSErrors: true });
      const admin = await context.newPage();
      await admin.goto(controller.adminUrl);
      await admin.getByLabel("Admin name").fill("ada");
      await admin.getByLabel("Password").fill("correct horse battery");
      await admin.getByRole("button", { name: "Log in" }).click();
      const select = admin.locator("#door-select");
      await expect.poll(() => select.isVisible()).toBe(true);
      await select.selectOption("d1");
      await admin.getByRole("button", { name: "Unlock once…" }).click();
      await admin.getByRole("button", { name: "Confirm" }).click();

      const panel = await context.newPage();
      await panel.goto(controller.panelUrl);
      await expect.poll(() => panel.locator("#door-d1-bolt-text").textContent()).toBe("released");
      expect(await panel.locator("#bolt-text").textContent()).toBe("thrown");
      expect(await panel.getByRole("heading", { name: "Door d0" }).isVisible()).toBe(true);
      await expect.poll(() => admin.locator("#st-lock").textContent()).toBe("unlocked");
      await context.close();
    });
  },
);

import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PAGE_STATE } from "./chromium.js";
import {
  addAdmin,
  type ControllerProcess,
  runCli,
  startControllerProcess,
  writeConfig,
} from "./controller-process.js";

const CHROMIUM = "/usr/bin/chromium";
type Browser = import("playwright-core").Browser;
type Page = import("playwright-core").Page;

/** Issue 11 items 11-14: what a new admin trips over on the page. */
describe.skipIf(!existsSync(CHROMIUM))("admin page for a new admin, in Chromium", { timeout: 60_000 }, () => {
  let controller: ControllerProcess;
  let browser: Browser;
  let page: Page;
  let config: string;

  beforeAll(async () => {
    config = writeConfig(mkdtempSync(join(tmpdir(), "doorward-e2e-ux-")));
    controller = await startControllerProcess(config);
    const { chromium } = await import("playwright-core");
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
    });
    page = await (await browser.newContext({ ignoreHTTPSErrors: true })).newPage();
  }, 120_000); // an upper bound: controller start (up to 45 s under load), Chromium

  afterAll(async () => {
    await browser?.close();
    await controller?.stop();
  });

  it("logged out, the navigation is hidden", async () => {
    await page.goto(controller.adminUrl);
    await page.locator("#login-view").waitFor();
    expect(await page.locator("nav").isVisible()).toBe(false);
  });

  it("before any admin exists, the login page says so and shows the command to create one", async () => {
    try {
      await page.locator("#login-setup").waitFor(PAGE_STATE);
      expect(await page.locator("#login-setup").textContent()).toContain("No admin account exists yet");
      expect(await page.locator("#login-setup-command").textContent()).toBe("doorward admin add NAME");
    } finally {
      addAdmin(config, "ada", "correct horse battery"); // the following tests log in
    }
    await page.reload();
    await page.locator("#login-view").waitFor();
    await expect.poll(() => page.locator("#login-setup").isVisible(), PAGE_STATE).toBe(false);
    expect(await page.locator("nav").isVisible()).toBe(false);
  });

  it("the live feed opens with the latest 20 events, names instead of codes, readable text", async () => {
    await page.getByLabel("Admin name").fill("ada");
    await page.getByLabel("Password").fill("correct horse battery");
    await page.getByRole("button", { name: "Log in" }).click();
    await page.locator("#status").waitFor({ state: "visible" });
    expect(await page.locator("nav").isVisible()).toBe(true);
    // The demo people were seeded (audited) before the page opened: their rows (8) and the
    // admin's are there at once, up to the latest 20.
    await expect.poll(() => page.locator("#feed li").count(), PAGE_STATE).toBeGreaterThanOrEqual(10);
    expect(await page.locator("#feed li").count()).toBeLessThanOrEqual(21);
    expect(await page.locator('#feed li[data-reason="fingerprint_enrolled"]').count()).toBe(2);
    const seeded = page.locator('#feed li[data-reason="badge_set"]').first();
    expect(await seeded.textContent()).toMatch(/Badge set by os:\S+ – (alice|bob) \(u-/);

    // A person added elsewhere (another admin's tab) while this one shows the status: the feed
    // line names them, not a bare code.
    await page.evaluate(async () => {
      const { csrf_token } = await (await fetch("/api/session")).json();
      await fetch("/api/users", {
        method: "POST",
        headers: { "content-type": "application/json", "x-csrf-token": csrf_token },
        body: JSON.stringify({ name: "Hedy Lamarr" }),
      });
    });
    const line = page.locator('#feed li[data-reason="user_added"]').first();
    await expect
      .poll(() => line.textContent(), PAGE_STATE)
      .toMatch(/User added by web:ada – Hedy Lamarr \(u-/);

    // The page's own wording functions (globals of its scripts).
    expect(
      await page.evaluate(`[
        describe({ reason: "granted", outcome: "granted", credential: "pin" }),
        describe({ reason: "unknown_credential", outcome: "denied", credential: "badge" }),
        failuresText(1),
      ]`),
    ).toEqual(["Granted (PIN)", "Denied: unknown credential (badge)", "1 recent failure"]);
  });

  it("the log's Detail column is fields, not JSON", async () => {
    await page.getByRole("link", { name: "Log" }).click();
    await page.getByLabel("Reason").fill("fingerprint_enrolled");
    await page.getByRole("button", { name: "Show" }).click();
    const detail = page.locator('#log-rows td[data-h="Detail"]').first();
    await detail.locator("dl.detail").waitFor();
    expect(await detail.locator("dt").allTextContents()).toEqual(["slot"]);
    expect(await detail.locator("dd").allTextContents()).toEqual([expect.stringMatching(/^[12]$/)]);
    expect(await page.locator("#log-rows").textContent()).not.toContain("{");
  });

  it("in lockdown, Unlock once is disabled with the reason; emergency unlock takes one confirmation", async () => {
    const dialogs: string[] = [];
    page.on("dialog", (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await page.getByRole("link", { name: "Status" }).click();
    await page.getByRole("button", { name: "Lockdown on…" }).click();
    await page.getByRole("button", { name: "Confirm" }).click();
    await expect.poll(() => page.locator("#st-mode").textContent(), PAGE_STATE).toMatch(/^LOCKDOWN/);
    expect(await page.getByRole("button", { name: "Unlock once…" }).isDisabled()).toBe(true);
    expect(await page.locator("#controls-note").textContent()).toMatch(/Unlock once is off during lockdown/);

    const emergency = page.getByRole("button", { name: "Emergency unlock on…" });
    expect(await emergency.isEnabled()).toBe(true);
    await emergency.click();
    expect(await page.locator("#confirm-text").textContent()).toMatch(/This ends the lockdown/);
    await page.getByRole("button", { name: "Confirm" }).click();
    await expect.poll(() => page.locator("#st-mode").textContent(), PAGE_STATE).toMatch(/^EMERGENCY UNLOCK/);
    expect(await page.locator("#confirm").isVisible()).toBe(false);
    await expect.poll(() => page.locator("#st-lock").textContent(), PAGE_STATE).toBe("unlocked");

    await page.getByRole("button", { name: "End emergency unlock…" }).click();
    await page.getByRole("button", { name: "Confirm" }).click();
    await expect.poll(() => page.locator("#st-mode").textContent(), PAGE_STATE).toBe("normal");
    expect(await page.getByRole("button", { name: "Unlock once…" }).isEnabled()).toBe(true);
    expect(dialogs).toEqual([]);
  });

  it("a refused change is said on the page, in the section's message area, never in an alert() dialog", async () => {
    const dialogs: string[] = [];
    page.removeAllListeners("dialog"); // an earlier test's listener would dismiss the same dialog
    page.on("dialog", (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    runCli(config, ["user", "add", "Rosalind Quist"]);
    await page.getByRole("link", { name: "People" }).click();
    const row = page.locator("#people-rows tr", { hasText: "Rosalind Quist" });
    await row.waitFor();
    // Removed from the console while the page still lists her: the page's next change is refused.
    runCli(config, ["user", "remove", "Rosalind Quist"]);
    await row.getByRole("button", { name: "Disable" }).click();
    await expect
      .poll(() => page.locator("#people-error").textContent({ timeout: 5000 }), PAGE_STATE)
      .toMatch(/no such|not found/i);
    expect(await page.locator("#people-error").getAttribute("role")).toBe("alert");
    await expect.poll(() => row.count(), PAGE_STATE).toBe(0); // the list is read again
    expect(dialogs).toEqual([]);
  });
});

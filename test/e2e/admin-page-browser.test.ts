import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
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
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium)
  console.warn(
    `browser tests skipped: ${CHROMIUM} is missing (apt-get install chromium; .ci/run installs it)`,
  );
const DOCS = join(import.meta.dirname, "../../docs");
/**
 * The README's screenshots are refreshed only on request (DOORWARD_SCREENSHOTS=1 npm test), so
 * an ordinary test run never rewrites tracked files.
 */
async function saveScreenshot(page: Page, file: string, fullPage = false): Promise<void> {
  if (process.env.DOORWARD_SCREENSHOTS === "1") await page.screenshot({ path: join(DOCS, file), fullPage });
}

type Browser = import("playwright-core").Browser;
type Page = import("playwright-core").Page;

describe.skipIf(!haveChromium)("admin page and simulator panel in Chromium", { timeout: 60_000 }, () => {
  let controller: ControllerProcess;
  let browser: Browser;
  let admin: Page;
  let dir: string;
  let config: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "doorward-e2e-"));
    config = writeConfig(dir);
    // The first start creates the database; accounts are added next to the running service.
    controller = await startControllerProcess(config);
    addAdmin(config, "ada", "correct horse battery");
    addAdmin(config, "lockme", "another long password");
    const { chromium } = await import("playwright-core");
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
      // launch() always gives Chromium a fresh temporary profile (it refuses --user-data-dir).
    });
    const context = await browser.newContext({
      ignoreHTTPSErrors: true,
      acceptDownloads: true,
      viewport: { width: 1100, height: 800 },
    });
    admin = await context.newPage();
  }, 120_000); // an upper bound: controller start (up to 45 s under load), accounts, Chromium

  afterAll(async () => {
    await browser?.close();
    await controller?.stop();
  });

  it("refuses a wrong password, then logs in", async () => {
    await admin.goto(controller.adminUrl);
    await admin.getByLabel("Admin name").fill("ada");
    await admin.getByLabel("Password").fill("wrong password");
    await admin.getByRole("button", { name: "Log in" }).click();
    await expect
      .poll(() => admin.locator("#login-error").textContent(), PAGE_STATE)
      .toBe("wrong name or password");
    await admin.getByLabel("Password").fill("");
    await saveScreenshot(admin, "web-login.png");
    await admin.getByLabel("Password").fill("correct horse battery");
    await admin.getByRole("button", { name: "Log in" }).click();
    await admin.locator("#status").waitFor({ state: "visible" });
    await expect.poll(() => admin.locator("#st-lock").textContent(), PAGE_STATE).toBe("locked");
  });

  it("throttles a name from this address after repeated wrong passwords", async () => {
    const page = await (await browser.newContext({ ignoreHTTPSErrors: true })).newPage();
    await page.goto(controller.adminUrl);
    await page.getByLabel("Admin name").fill("lockme");
    for (let i = 0; i < 5; i++) {
      await page.getByLabel("Password").fill(`wrong ${i}`);
      await page.getByRole("button", { name: "Log in" }).click();
      await expect
        .poll(() => page.locator("#login-error").textContent(), PAGE_STATE)
        .toBe("wrong name or password");
      await page.locator("#login-error").evaluate((e) => (e.textContent = ""));
    }
    await page.getByLabel("Password").fill("another long password");
    await page.getByRole("button", { name: "Log in" }).click();
    await expect
      .poll(() => page.locator("#login-error").textContent(), PAGE_STATE)
      .toMatch(/too many wrong passwords for this name from your address/);
    await page.close();
  });

  it("shows that the session ended when the admin is removed from the CLI while the page is open", async () => {
    addAdmin(config, "victim", "victim long password");
    const page = await (await browser.newContext({ ignoreHTTPSErrors: true })).newPage();
    await page.goto(controller.adminUrl);
    await page.getByLabel("Admin name").fill("victim");
    await page.getByLabel("Password").fill("victim long password");
    await page.getByRole("button", { name: "Log in" }).click();
    await page.locator("#me").filter({ hasText: "victim" }).waitFor();
    runCli(config, ["admin", "remove", "victim"]);
    await expect
      .poll(() => page.locator("#login-error").textContent(), PAGE_STATE)
      .toMatch(/session was ended/);
    expect(await page.locator("#login-view").isVisible()).toBe(true);
    await page.close();
  });

  it("adds a person with a PIN; typing it on the simulator panel opens the door and the event appears in both feeds", async () => {
    await admin.getByRole("link", { name: "People" }).click();
    await admin.getByLabel("Name", { exact: true }).fill("Grace");
    await admin.getByLabel("PIN (optional)").fill("4711");
    await admin.getByRole("button", { name: "Add person" }).click();
    await admin.getByRole("cell", { name: "Grace", exact: true }).waitFor();

    const panel = await browser.newPage();
    await panel.goto(controller.panelUrl);
    for (const key of ["4", "7", "1", "1"])
      await panel
        .getByRole("group", { name: "Keypad" })
        .getByRole("button", { name: key, exact: true })
        .click();
    await panel.getByRole("button", { name: "hash (enter)" }).click();
    await expect.poll(() => panel.locator("#bolt-text").textContent(), PAGE_STATE).toBe("released");
    await panel.locator('#feed li[data-reason="granted"]').first().waitFor();
    await panel.getByRole("button", { name: "Push door" }).click();
    await expect.poll(() => panel.locator("#door").getAttribute("aria-label"), PAGE_STATE).toBe("door open");
    await panel.locator('#feed li[data-reason="door_opened"]').first().waitFor();
    await panel.getByRole("button", { name: "Let go" }).click();
    await panel.close();

    await admin.getByRole("link", { name: "Status" }).click();
    const granted = admin.locator('#feed li[data-reason="granted"]').first();
    await granted.waitFor();
    expect(await granted.textContent()).toContain("Grace");
  });

  it("enrols a fingerprint from the page with the sensor's prompts; placing it on the panel opens the door", async () => {
    const panel = await browser.newPage();
    await panel.goto(controller.panelUrl);
    const finger = (name: string) => panel.getByRole("button", { name, exact: true }).click();
    await admin.getByRole("link", { name: "People" }).click();
    await admin.getByRole("button", { name: "Enrol finger Grace" }).click();
    const prompt = (p: string) => admin.locator(`#enrol-prompts li[data-prompt="${p}"]`).last().waitFor();
    await prompt("place_finger");
    expect(await admin.locator("#enrol-prompts li").first().textContent()).toBe(
      "Place the finger on the sensor.",
    );
    await finger("Place a new finger");
    await prompt("lift_finger");
    await finger("Lift finger");
    await prompt("place_again");
    await finger("Place a new finger");
    await prompt("stored");
    await finger("Lift finger");
    await expect
      .poll(() => admin.locator("#enrol-state").textContent(), PAGE_STATE)
      .toMatch(/^Enrolled in sensor slot \d+\.$/);
    await admin.getByRole("button", { name: "Close" }).click();
    await admin
      .getByRole("cell", { name: /fingerprint/ })
      .first()
      .waitFor();

    // As a person would: the sensor must see the finger lifted (it polls every 200 ms) before
    // the next touch counts as a new one. The panel shows what the sensor last reported.
    await expect
      .poll(() => panel.locator("#state-fingerprint").textContent(), PAGE_STATE)
      .toContain("sensor sees: no finger");
    await finger("Place Grace's finger");
    const granted = panel.locator('#feed li[data-reason="granted"]', { hasText: "via fingerprint" }).first();
    await granted.waitFor();
    await expect.poll(() => panel.locator("#bolt-text").textContent(), PAGE_STATE).toBe("released");
    await finger("Lift finger");
    await panel.getByLabel("Badge number").fill("12345678");
    await saveScreenshot(panel, "simulator-panel.png", true);
    await panel.close();

    await admin.getByRole("link", { name: "Status" }).click();
    const event = admin.locator('#feed li[data-reason="granted"]', { hasText: "(fingerprint)" }).first();
    await event.waitFor();
    expect(await event.textContent()).toContain("Grace");
  });

  it("checks the fingerprint sensor against the allowlist from the page and names a missing template", async () => {
    await admin.getByRole("link", { name: "Status" }).click();
    const check = admin.getByRole("button", { name: "Check the sensor against the allowlist" });
    await check.click();
    await expect
      .poll(() => admin.locator("#sensor-verdict").textContent(), PAGE_STATE)
      .toMatch(/^Consistent: the sensor holds \d+ template\(s\) of \d+ slots\.$/);
    // A slot mapped to Grace that holds no template, written by another process as the CLI would.
    const db = new Database(join(dir, "data", "doorward.db"));
    try {
      db.prepare(
        "INSERT INTO credentials (user_id, kind, lookup, created_ms) SELECT id, 'fingerprint', '42', 0 FROM users WHERE name = 'Grace'",
      ).run();
    } finally {
      db.close();
    }
    await check.click();
    await expect
      .poll(() => admin.locator("#sensor-verdict").textContent(), PAGE_STATE)
      .toMatch(/^Inconsistent:/);
    expect(await admin.locator('#sensor-result li[data-kind="missing"]').textContent()).toMatch(
      /^Slot 42: Grace \([^)]+\) has no template on the sensor/,
    );
  });

  it("lockdown from the page (after a confirmation): Grace's PIN is then denied with reason lockdown", async () => {
    await admin.getByRole("link", { name: "Status" }).click();
    await admin.getByRole("button", { name: "Lockdown on…" }).click();
    await admin.getByRole("button", { name: "Confirm" }).click();
    await expect
      .poll(() => admin.locator("#st-mode").textContent(), PAGE_STATE)
      .toMatch(/^LOCKDOWN since .* by web:ada$/);
    const panel = await browser.newPage();
    await panel.goto(controller.panelUrl);
    // The fingerprint grant before may still hold the strike released for its unlock time.
    await expect.poll(() => panel.locator("#bolt-text").textContent(), PAGE_STATE).toBe("thrown");
    for (const key of ["4", "7", "1", "1", "hash (enter)"])
      await panel
        .getByRole("group", { name: "Keypad" })
        .getByRole("button", { name: key, exact: true })
        .click();
    await panel.locator('#feed li[data-reason="lockdown"]').first().waitFor();
    expect(await panel.locator("#bolt-text").textContent()).toBe("thrown");
    await panel.close();
    const denied = admin.locator('#feed li[data-reason="lockdown"]').first();
    await denied.waitFor();
    expect(await denied.textContent()).toContain("Denied: lockdown (PIN)");
    await admin.locator("#verify").click();
    await expect.poll(() => admin.locator("#st-verify").textContent(), PAGE_STATE).toMatch(/^intact/);
    await saveScreenshot(admin, "web-status.png", true);
    await admin.getByRole("button", { name: "End lockdown…" }).click();
    await admin.getByRole("button", { name: "Confirm" }).click();
    await expect.poll(() => admin.locator("#st-mode").textContent(), PAGE_STATE).toBe("normal");
  });

  it("adds a schedule and a holiday, and assigns the schedule to a person", async () => {
    await admin.getByRole("link", { name: "Schedules" }).click();
    await admin.getByLabel("Schedule name").fill("office");
    await admin.getByLabel("Windows, one per line").fill("someday 8-9");
    await admin.getByRole("button", { name: "Add schedule" }).click();
    await expect
      .poll(() => admin.locator("#sched-error").textContent(), PAGE_STATE)
      .toMatch(/expected a window/);
    await admin.getByLabel("Windows, one per line").fill("mon-fri 07:00-19:00\nsat 09:00-13:00");
    await admin.getByRole("button", { name: "Add schedule" }).click();
    await admin.getByRole("cell", { name: "office", exact: true }).waitFor();
    await admin.getByLabel("Date").fill("2030-12-25");
    await admin.getByLabel("Holiday name").fill("Christmas");
    await admin.getByRole("button", { name: "Add holiday" }).click();
    await admin.getByRole("cell", { name: "Christmas" }).waitFor();
    await saveScreenshot(admin, "web-schedules.png", true);
    await admin.getByRole("link", { name: "People" }).click();
    await admin.getByRole("button", { name: "Edit Grace" }).click();
    await admin.getByRole("checkbox", { name: /office/ }).check();
    await admin.getByLabel("Agreement signed until").fill("2031-06-30");
    await admin.getByRole("button", { name: "Save" }).click();
    await admin.getByRole("cell", { name: /office; agreement until 2031-06-30/ }).waitFor();
    await saveScreenshot(admin, "web-people.png", true);
  });

  it("edits a schedule's windows in place: a bad line is named, Grace keeps the schedule", async () => {
    await admin.getByRole("link", { name: "Schedules" }).click();
    await admin.getByRole("button", { name: "Edit schedule office" }).click();
    const windows = admin.getByLabel("The windows (one per line) replace the current ones");
    await windows.fill("mon-fri 07:00-19:00\nsomeday 8-9");
    await admin.getByRole("button", { name: "Save windows" }).click();
    await expect
      .poll(() => admin.locator("#sched-edit-error").textContent(), PAGE_STATE)
      .toMatch(/^line 2 \(someday 8-9\)/);
    await windows.fill("mon-sun 06:00-22:00");
    await admin.getByRole("button", { name: "Save windows" }).click();
    const row = admin.locator("#sched-rows tr", { hasText: "office" });
    await expect
      .poll(() => row.locator('td[data-h="Windows"]').textContent(), PAGE_STATE)
      .toMatch(/^mon 06:00-22:00/);
    expect(await row.locator('td[data-h="People"]').textContent()).toBe("1");
  });

  it("generates a random PIN for Grace and shows it once in the dialog", async () => {
    await admin.getByRole("link", { name: "People" }).click();
    await admin
      .getByRole("row")
      .filter({ hasText: "Grace" })
      .getByRole("button", { name: "Set PIN" })
      .click();
    await admin.getByRole("button", { name: "Generate a random PIN" }).click();
    await expect
      .poll(() => admin.locator("#pin-shown").textContent(), PAGE_STATE)
      .toMatch(/^New PIN: [0-9]{6}\./);
    await admin.getByRole("button", { name: "Close" }).click();
    // The dialog's close event is a task of its own: wait for it rather than race it.
    await expect.poll(() => admin.locator("#pin-shown").textContent(), PAGE_STATE).toBe("");
  });

  it("unlocks once only after a confirmation", async () => {
    await admin.getByRole("link", { name: "Status" }).click();
    await admin.getByRole("button", { name: "Unlock once…" }).click();
    await admin.getByRole("button", { name: "Cancel" }).click();
    await admin.getByRole("button", { name: "Unlock once…" }).click();
    await admin.getByRole("button", { name: "Confirm" }).click();
    await admin.locator('#feed li[data-reason="remote_unlock"]').first().waitFor();
    expect(await admin.locator('#feed li[data-reason="remote_unlock"]').count()).toBe(1);
    expect(await admin.locator('#feed li[data-reason="remote_unlock"]').first().textContent()).toContain(
      "web:ada",
    );
  });

  it("filters the log and exports it as CSV", async () => {
    await admin.getByRole("link", { name: "Log" }).click();
    await admin.getByLabel("Outcome").selectOption("granted");
    await admin.getByRole("button", { name: "Show" }).click();
    await expect.poll(() => admin.locator("#log-rows tr").count(), PAGE_STATE).toBeGreaterThan(0);
    await saveScreenshot(admin, "web-log.png", true);
    const [download] = await Promise.all([
      admin.waitForEvent("download"),
      admin.getByRole("link", { name: "Export CSV" }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^doorward-log-.*\.csv$/);
    const csv = readFileSync(await download.path(), "utf8")
      .trim()
      .split("\r\n");
    expect(csv[0]).toBe("ts,seq,door,kind,credential,outcome,reason,user_code,detail,hash");
    expect(csv.slice(1).every((line) => line.includes(",granted,"))).toBe(true);
    expect(csv.some((line) => line.includes(",remote_unlock,"))).toBe(true);
    expect(csv.join("\n")).not.toContain("Grace");
  });

  it("fits a phone screen", async () => {
    await admin.setViewportSize({ width: 390, height: 844 });
    await admin.getByRole("link", { name: "People" }).click();
    await admin.locator("#people-rows td", { hasText: "Grace" }).first().waitFor();
    const overflow = await admin.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await saveScreenshot(admin, "web-people-phone.png");
  });
});

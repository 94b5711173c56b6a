import { existsSync } from "node:fs";

/** Debian's Chromium, driven by playwright-core (no browser download); tests skip without it. */
export const CHROMIUM = "/usr/bin/chromium";
export const hasChromium = existsSync(CHROMIUM);

/**
 * Options for `expect.poll` on a page's state. An upper bound only: the poll ends as soon as the
 * state holds. Vitest's 1 s default ran out at load 15-19 on two cores, where a login (scrypt) or
 * a single round trip to Chromium took longer than that.
 */
export const PAGE_STATE = { timeout: 15_000 } as const;

export type Browser = import("playwright-core").Browser;
export type Page = import("playwright-core").Page;

export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import("playwright-core");
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu"],
  });
}

/** Opens the admin page in a fresh context (the certificate is self-signed) and logs in. */
export async function logInToAdminPage(
  browser: Browser,
  url: string,
  name: string,
  password: string,
): Promise<Page> {
  const context = await browser.newContext({ ignoreHTTPSErrors: true });
  const page = await context.newPage();
  await page.goto(url);
  await page.getByLabel("Admin name").fill(name);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Log in" }).click();
  return page;
}

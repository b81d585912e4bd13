import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { type Browser, type BrowserContext, chromium, type Locator, type Page } from "playwright-core";
import type { ChatPerson } from "./chat-server.ts";

export const CHROMIUM = "/usr/bin/chromium";
export const ARTIFACTS = join(import.meta.dir, "..", "..", "test-artifacts", "web");

/**
 * Debian's chromium, headless, with a fresh profile (Playwright makes one per launch) and nothing
 * that reaches out to the network on its own. Never a downloaded browser.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

export interface PersonTab {
  context: BrowserContext;
  page: Page;
  /** Console errors and page errors seen so far (CSP violations land here). */
  problems: string[];
}

/** A browser context signed in as `who` (their session token as the gateway's cookie). */
export async function signedInContext(
  browser: Browser,
  base: string,
  who: ChatPerson,
  options: {
    colorScheme?: "light" | "dark";
    viewport?: { width: number; height: number };
    /** The browser's time zone (IANA), for what the page reads in local time. */
    timezoneId?: string;
  } = {},
): Promise<BrowserContext> {
  const context = await browser.newContext({
    colorScheme: options.colorScheme ?? "light",
    viewport: options.viewport ?? { width: 1280, height: 800 },
    ...(options.timezoneId ? { timezoneId: options.timezoneId } : {}),
  });
  const url = new URL(base);
  await context.addCookies([
    {
      name: "ajet_session",
      value: who.token,
      domain: url.hostname,
      path: "/",
      httpOnly: true,
      sameSite: "Strict",
    },
  ]);
  return context;
}

/** A new tab in the context that records what went wrong in it. */
export async function openTab(context: BrowserContext, url: string): Promise<PersonTab> {
  const page = await context.newPage();
  const problems: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(m.text());
  });
  page.on("pageerror", (e) => problems.push(String(e)));
  page.on("dialog", (d) => {
    problems.push(`dialog: ${d.message()}`);
    void d.dismiss();
  });
  await page.goto(url);
  await page.waitForSelector("body[data-live=up]", { timeout: 10_000 });
  return { context, page, problems };
}

export async function screenshot(page: Page, name: string) {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
}

/** Polls `read` until `ok` holds; fails with what it saw last. */
export async function until<T>(
  read: () => Promise<T>,
  ok: (v: T) => boolean,
  what: string,
  timeoutMs = 10_000,
) {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await read();
      if (ok(value)) return value;
      last = value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(`${what}: still ${last instanceof Error ? last.message : JSON.stringify(last)}`);
    await Bun.sleep(50);
  }
}

const textNow = (l: Locator) =>
  l.count().then((n) =>
    n
      ? l
          .first()
          .textContent({ timeout: 500 })
          .then((t) => (t ?? "").trim())
      : null,
  );

/** Waits until the first match's text is `text` (or contains it, with `contains`). */
export const untilText = (l: Locator, text: string, how: "is" | "contains" = "is", timeoutMs?: number) =>
  until(
    () => textNow(l),
    (t) => t !== null && (how === "is" ? t === text : t.includes(text)),
    `text of ${l}`,
    timeoutMs,
  );

export const untilCount = (l: Locator, n: number, timeoutMs?: number) =>
  until(
    () => l.count(),
    (c) => c === n,
    `count of ${l}`,
    timeoutMs,
  );

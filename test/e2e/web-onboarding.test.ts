import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { launchChromium, screenshot } from "../support/browser-chat.ts";
import { freePort, waitFor } from "../support/ports.ts";
import { type Child, spawnChild, waitUntilReady } from "../support/process.ts";

// A fresh clone with no configuration, tried as a new user would: start, open the printed setup
// link in a browser, create the community, make an invite, open it in a second browser profile.
const dir = mkdtempSync(join(tmpdir(), "ajet-onboard-"));
const port = freePort();
const base = `http://127.0.0.1:${port}`;
let server: Child;
let browser: Browser;

beforeAll(async () => {
  server = spawnChild(["bun", "run", "start"], {
    AJET_DATA_DIR: join(dir, "data"),
    AJET_PORT: String(port),
    AJET_API_PORT: String(freePort()),
    AJET_WEB_PORT: String(freePort()),
    AJET_TUI_PORT: String(freePort()),
  });
  await waitUntilReady(server, `${base}/readyz`);
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.stop("SIGTERM");
  rmSync(dir, { recursive: true, force: true });
});

describe("getting a team in, in the browser", () => {
  let inviteUrl = "";

  test("the setup link signs in the first person, who creates the community and lands in #general", async () => {
    const link = await waitFor(() => {
      const line = server
        .stdout()
        .split("\n")
        .find((l) => l.startsWith("setup link: "));
      if (!line) throw new Error("no setup link yet");
      return line.slice("setup link: ".length);
    });
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(link);
    await page.fill("#username", "alice");
    await page.fill("#display_name", "Alice Liddell");
    await page.click("button[type=submit]");
    await page.waitForSelector("form[action='/communities']");
    await page.fill("#name", "Wonderland");
    await page.fill("#slug", "wonderland");
    await page.click("button[type=submit]");
    await page.waitForURL(/\/c\/wonderland\/channels\/general/);
    await page.waitForSelector("body[data-live=up]");

    await page.click("text=Invite people");
    await page.fill("#max_uses", "1");
    await page.click("#invites button[type=submit]");
    inviteUrl = await page.inputValue("input.invite-url");
    expect(inviteUrl).toStartWith(`${base}/invite/aji_`);
    await screenshot(page, "onboarding-invite");

    // The setup link is spent.
    const again = await context.newPage();
    const res = await again.goto(link);
    expect(res?.status()).toBe(404);
    await context.close();
  });

  test("the invite, opened in a second browser profile, signs the new person in to the same community", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(inviteUrl);
    await expect(page.textContent("h1")).resolves.toContain("Wonderland");
    await page.fill("#username", "bob");
    await page.fill("#display_name", "Bob");
    await page.click("button[type=submit]");
    await page.waitForURL(/\/c\/wonderland/);
    await page.waitForSelector("body[data-live=up]");
    const cookies = await context.cookies();
    const session = cookies.find((c) => c.name === "ajet_session");
    expect(session).toMatchObject({ httpOnly: true, sameSite: "Strict" });
    const me = await fetch(`${base}/api/me`, { headers: { authorization: `Bearer ${session?.value}` } });
    expect(((await me.json()) as { username: string }).username).toBe("bob");
    const members = await fetch(`${base}/api/communities/wonderland/members`, {
      headers: { authorization: `Bearer ${session?.value}` },
    });
    expect(members.status).toBe(200);

    // Used up: the next visitor is turned away.
    const third = await browser.newContext();
    const spent = await (await third.newPage()).goto(inviteUrl);
    expect(spent?.status()).toBe(404);
    await third.close();
    await context.close();
  });
});

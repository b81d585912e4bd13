import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Browser } from "playwright-core";
import { launchChromium, screenshot } from "../support/browser-chat.ts";
import { type FreshServer, startFreshServer } from "../support/chat-server.ts";

// A fresh clone with no configuration, tried as a new user would: start, open the printed setup
// link in a browser, create the community, make an invite, open it in a second browser profile.
let server: FreshServer;
let base = "";
let browser: Browser;

beforeAll(async () => {
  server = await startFreshServer();
  base = server.base;
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe("getting a team in, in the browser", () => {
  let inviteUrl = "";

  test("the setup link signs in the first person, who creates the community and lands in #general", async () => {
    const link = await server.setupLink();
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

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Browser } from "playwright-core";
import { launchChromium, screenshot } from "../support/browser-chat.ts";
import { startChatServer, startFreshServer } from "../support/chat-server.ts";

// A fresh clone with no configuration, tried as a new user would: start, open the printed setup
// link in a browser, create the community, make an invite, open it in a second browser profile.
// Each test starts the chat it needs.
let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
});

describe("getting a team in, in the browser", () => {
  test("the setup link signs in the first person, who creates the community and lands in #general", async () => {
    const server = await startFreshServer();
    const { base } = server;
    try {
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
      const inviteUrl = await page.inputValue("input.invite-url");
      expect(inviteUrl).toStartWith(`${base}/invite/aji_`);
      await screenshot(page, "onboarding-invite");

      // The setup link is spent.
      const again = await context.newPage();
      const res = await again.goto(link);
      expect(res?.status()).toBe(404);
      await context.close();
    } finally {
      await server.stop();
    }
  });

  test("the invite, opened in a second browser profile, signs the new person in to the same community", async () => {
    // A chat of its own, already set up by alice, whose one-use invite bob opens.
    const chat = await startChatServer();
    try {
      const { url: inviteUrl } = await chat.api<{ url: string }>(
        chat.owner,
        "POST",
        "/api/communities/acme/invites",
        {
          max_uses: 1,
        },
      );
      await joinsByInvite(chat.base, inviteUrl);
    } finally {
      await chat.stop();
    }
  });
});

/** bob opens the invite in a fresh profile, signs up, and is in acme with a session cookie; the invite is then spent. */
async function joinsByInvite(base: string, inviteUrl: string) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(inviteUrl);
  await expect(page.textContent("h1")).resolves.toContain("Acme");
  await page.fill("#username", "bob");
  await page.fill("#display_name", "Bob");
  await page.click("button[type=submit]");
  await page.waitForURL(/\/c\/acme/);
  await page.waitForSelector("body[data-live=up]");
  const cookies = await context.cookies();
  const session = cookies.find((c) => c.name === "ajet_session");
  expect(session).toMatchObject({ httpOnly: true, sameSite: "Strict" });
  const me = await fetch(`${base}/api/me`, { headers: { authorization: `Bearer ${session?.value}` } });
  expect(((await me.json()) as { username: string }).username).toBe("bob");
  const members = await fetch(`${base}/api/communities/acme/members`, {
    headers: { authorization: `Bearer ${session?.value}` },
  });
  expect(members.status).toBe(200);

  // Used up: the next visitor is turned away.
  const third = await browser.newContext();
  const spent = await (await third.newPage()).goto(inviteUrl);
  expect(spent?.status()).toBe(404);
  await third.close();
  await context.close();
}

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Browser } from "playwright-core";
import {
  launchChromium,
  openTab,
  type PersonTab,
  signedInContext,
  untilText,
} from "../support/browser-chat.ts";
import { type ChatPerson, type ChatServer, startChatServer } from "../support/chat-server.ts";

// Group DMs, pins, saved items, permalinks and notification settings in real browsers.
let server: ChatServer;
let browser: Browser;
let alice: ChatPerson;
let bob: ChatPerson;
let carol: ChatPerson;
let aliceTab: PersonTab;
let bobTab: PersonTab;

const chan = (name: string) => `${server.base}/c/acme/channels/${name}`;

beforeAll(async () => {
  server = await startChatServer();
  alice = server.owner;
  bob = await server.invite("bob");
  carol = await server.invite("carol");
  browser = await launchChromium();
  aliceTab = await openTab(await signedInContext(browser, server.base, alice), chan("general"));
  bobTab = await openTab(await signedInContext(browser, server.base, bob), chan("general"));
});
afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe("conversations in the browser", () => {
  test("New message: alice ticks bob and carol, says hello, and lands in their group DM, which bob's sidebar gains live", async () => {
    const page = aliceTab.page;
    await page.click("a.new-message");
    await page.fill(".people-filter", "car");
    await page.locator(".people li", { hasText: "@bob" }).waitFor({ state: "hidden" });
    expect(await page.locator(".people li", { hasText: "@carol" }).isVisible()).toBe(true);
    await page.fill(".people-filter", "");
    await page.check(`input[name="user:${bob.id}"]`);
    await page.check(`input[name="user:${carol.id}"]`);
    await page.fill("#first-message", "planning the offsite");
    await page.click(".people-picker button[type=submit]");
    await page.waitForURL(/\/dm\//);
    await page.locator("#messages .msg", { hasText: "planning the offsite" }).waitFor();
    await bobTab.page.locator("#sidebar .dms a", { hasText: "carol" }).waitFor();
    const dms = await server.api<{ items: { members: { username: string }[] }[] }>(carol, "GET", "/api/dm");
    expect(dms.items[0]?.members.map((m) => m.username).sort()).toEqual(["alice", "bob", "carol"]);
  });

  test("/dm @bob @carol typed in a channel opens their group DM in the same tab", async () => {
    const page = aliceTab.page;
    await page.goto(chan("general"));
    await page.fill("#composer-input", "/dm @bob @carol from the composer");
    await page.press("#composer-input", "Enter");
    await page.waitForURL(/\/dm\//);
    await page.locator("#messages .msg", { hasText: "from the composer" }).waitFor();
  });

  test("a pin shows in the other reader's open pins panel live; save puts it on the Saved page; its link opens it in context", async () => {
    const m = await server.api<{ id: string }>(alice, "POST", `/api/channels/${await general()}/messages`, {
      body_md: "the wifi password is on the fridge",
    });
    await aliceTab.page.goto(chan("general"));
    await bobTab.page.goto(chan("general"));
    await bobTab.page.click(".pins-open");
    await bobTab.page.locator("#pins-panel", { hasText: "Nothing pinned yet" }).waitFor();
    const item = aliceTab.page.locator(`#msg-${m.id}`);
    await item.waitFor();
    await item.hover();
    await item.locator(".msg-actions .pin").click();
    await bobTab.page.locator("#pins-panel", { hasText: "the wifi password" }).waitFor();

    await item.hover();
    const saving = aliceTab.page.waitForResponse((r) => r.url().endsWith(`/web/messages/${m.id}/save`));
    await item.locator(".msg-actions .save").click();
    expect((await saving).status()).toBe(204);
    await aliceTab.page.goto(`${server.base}/saved`);
    await aliceTab.page.locator(".saved-list", { hasText: "the wifi password" }).waitFor();
    const bobSaved = await server.api<{ items: unknown[] }>(bob, "GET", "/api/saved");
    expect(bobSaved.items).toEqual([]);

    await bobTab.page.goto(`${server.base}/m/${m.id}`);
    await bobTab.page.waitForURL(
      (url) => url.pathname === "/c/acme/channels/general" && url.search.includes(m.id),
    );
    await bobTab.page.locator(`#msg-${m.id}`).waitFor();
  });

  test("settings mute a channel: its sidebar entry dims and its unread weighs nothing; a notification says why", async () => {
    const page = bobTab.page;
    await page.goto(`${server.base}/settings?community=acme`);
    const row = page.locator(".notify-row", { hasText: "#general" });
    await row.locator("input[name=muted]").check();
    await row.locator("button[type=submit]").click();
    await page.locator(`#chan-${await general()}.muted`).waitFor();
    await server.api(alice, "POST", `/api/channels/${await general()}/messages`, {
      body_md: "@bob ping while muted",
    });
    await page.goto(`${server.base}/notifications`);
    await page
      .locator(".notif", { hasText: "ping while muted" })
      .locator(".why", { hasText: "you were mentioned" })
      .waitFor();
    const channels = await server.api<{ items: { name: string; unread_count: number; muted: boolean }[] }>(
      bob,
      "GET",
      "/api/communities/acme/channels",
    );
    expect(channels.items.find((c) => c.name === "general")).toMatchObject({ muted: true, unread_count: 0 });
  });
});

describe("getting attention while the tab is hidden", () => {
  test("a mention pops one desktop notification and the title counts it; a muted channel's mention pops none", async () => {
    const page = bobTab.page;
    await page.goto(chan("general"));
    const room = await server.api<{ id: string }>(alice, "POST", "/api/communities/acme/channels", {
      name: "alerts",
    });
    await server.api(bob, "POST", `/api/channels/${room.id}/join`);
    await server.api(bob, "PUT", `/api/channels/${await general()}/notifications`, { muted: false });
    await server.api(alice, "POST", "/api/notifications/read", { all: true });
    await server.api(bob, "POST", "/api/notifications/read", { all: true });
    await page.reload();
    // The page as a hidden tab with permission granted; the browser's own notification centre is
    // not there headless, so what the page hands it is recorded instead.
    await page.evaluate(`
      Object.defineProperty(document, "visibilityState", { get: () => "hidden" });
      window.shown = [];
      window.Notification = class {
        static permission = "granted";
        constructor(title, opts) { window.shown.push({ title, body: opts.body }); }
        close() {}
      };
    `);
    // The reloaded page's stream is up, so nothing posted below can slip in before it.
    await page.locator("body[data-live=up]").waitFor({ state: "attached" });
    await server.api(bob, "PUT", `/api/channels/${room.id}/notifications`, { muted: true });
    await server.api(alice, "POST", `/api/channels/${room.id}/messages`, { body_md: "@bob muted ping" });
    await server.api(alice, "POST", `/api/channels/${await general()}/messages`, {
      body_md: "@bob deploy is red",
    });
    type Page = { shown: unknown[]; document: { title: string } };
    await page.waitForFunction(() => (globalThis as unknown as Page).shown.length > 0);
    await page.waitForFunction(() => (globalThis as unknown as Page).document.title.startsWith("(2)"));
    const shown = await page.evaluate("window.shown");
    expect(shown).toEqual([{ title: "alice mentioned you in #general", body: "@bob deploy is red" }]);
  });
});

describe("asking for desktop notifications", () => {
  test("the settings button asks the browser, and says the answer", async () => {
    await aliceTab.context.grantPermissions(["notifications"], { origin: server.base });
    await aliceTab.page.goto(`${server.base}/settings`);
    const button = aliceTab.page.locator(".enable-desktop");
    await button.click();
    await untilText(button, "Desktop notifications are on");
  });
});

describe("profiles in the browser", () => {
  test("clicking an author's name opens their profile with their status and a way to message them", async () => {
    await server.api(carol, "PUT", "/api/me/dnd", { minutes: 30 });
    const m = await server.api<{ id: string }>(carol, "POST", `/api/channels/${await general()}/messages`, {
      body_md: "who am I?",
    });
    await bobTab.page.goto(chan("general"));
    await bobTab.page.locator(`#msg-${m.id} .author-link`).click();
    const pop = bobTab.page.locator("#profile-pop");
    await pop.waitFor();
    expect(await pop.locator(".handle").textContent()).toBe("@carol");
    expect(await pop.locator(".profile-status").textContent()).toContain("Do not disturb until");
    expect(await pop.locator("button", { hasText: "Message" }).count()).toBe(1);
    await bobTab.page.keyboard.press("Escape");
    await pop.waitFor({ state: "detached" });
    // A click beside it closes it too; inside it, it stays.
    await bobTab.page.locator(`#msg-${m.id} .author-link`).click();
    await pop.locator(".handle").click();
    expect(await pop.isVisible()).toBe(true);
    await bobTab.page.locator("#channel-topic").click();
    await pop.waitFor({ state: "detached" });
  });
});

async function general() {
  const list = await server.api<{ items: { id: string; name: string }[] }>(
    alice,
    "GET",
    "/api/communities/acme/channels",
  );
  return list.items.find((c) => c.name === "general")?.id as string;
}

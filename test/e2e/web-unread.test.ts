import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Page } from "playwright-core";
import { openTab, signedInContext, until, untilCount, untilText } from "../support/browser-chat.ts";
import { startWebTeam, type WebTeam } from "../support/web-team.ts";

let team: WebTeam;
beforeAll(async () => {
  team = await startWebTeam(["random"]);
});
afterAll(() => team?.stop());

/**
 * Records, from now on, the text of every badge that appears on a channel's sidebar entry, however
 * briefly: a badge added, one whose text changes, or an entry that comes in (a refetched sidebar)
 * already wearing one. A final look at the page would miss a badge that came and went.
 */
async function watchBadges(page: Page, channelId: string) {
  await page.evaluate(`(() => {
    const entry = "#chan-${channelId}";
    const seen = (window.badgesSeen = []);
    const now = document.querySelector(entry + " .badge");
    if (now) seen.push(now.textContent);
    new MutationObserver((records) => {
      for (const r of records) {
        const at = r.target instanceof Element ? r.target : r.target.parentElement;
        const inEntry = Boolean(at && at.closest(entry));
        for (const n of r.addedNodes) {
          const el = n instanceof Element ? n : null;
          const badge = inEntry
            ? at.closest(".badge") || (el && (el.matches(".badge") ? el : el.querySelector(".badge")))
            : el && el.querySelector(entry + " .badge");
          if (badge) seen.push(badge.textContent);
        }
      }
    }).observe(document.body, { childList: true, subtree: true, characterData: true });
  })()`);
}

/** bob has read all of a channel (mentions too): each test starts from there. */
async function caughtUp(channelId: string) {
  const { server, bob } = team;
  const { items } = await server.api<{ items: { id: string }[] }>(
    bob,
    "GET",
    `/api/channels/${channelId}/messages?limit=1`,
  );
  if (items[0]) await server.api(bob, "POST", `/api/channels/${channelId}/read`, { message_id: items[0].id });
}

const badgesSeen = (page: Page) => page.evaluate("window.badgesSeen") as Promise<string[]>;

describe("unread badges in the sidebar", () => {
  test("a live message in the channel you look at never shows a badge on it, and your other tab sees it read", async () => {
    const { server, browser, alice, bob } = team;
    const general = team.id("general");
    await caughtUp(general);
    const context = await signedInContext(browser, server.base, bob);
    const elsewhere = await openTab(context, team.url("random"));
    const looking = await openTab(context, team.url("general"));
    await watchBadges(looking.page, general);
    await watchBadges(elsewhere.page, general);
    expect(await badgesSeen(looking.page)).toEqual([]);

    await server.api(alice, "POST", `/api/channels/${general}/messages`, { body_md: "standup moves to 10" });
    await server.api(alice, "POST", `/api/channels/${general}/messages`, { body_md: "@bob are you in?" });
    await looking.page.locator("#messages .msg", { hasText: "are you in?" }).waitFor();

    // The other tab counts them as they come, then clears them when the looking tab has read them.
    await until(
      () => badgesSeen(elsewhere.page),
      (seen) => seen.includes("@1"),
      "the other tab's badges for #general",
    );
    await untilCount(elsewhere.page.locator(`#chan-${general} .badge`), 0);
    const read = await server.api<{ items: { id: string; unread_count: number }[] }>(
      bob,
      "GET",
      "/api/communities/acme/channels",
    );
    expect(read.items.find((c) => c.id === general)?.unread_count).toBe(0);

    // Something else makes the looking tab redraw its sidebar: #general stays read there too.
    await looking.page.locator("#sidebar").evaluate((el) => el.setAttribute("data-old", ""));
    await server.api(alice, "PATCH", `/api/channels/${team.id("random")}`, { topic: "anything goes" });
    await looking.page.waitForSelector("#sidebar:not([data-old])");
    expect(await badgesSeen(looking.page)).toEqual([]);
    expect(await looking.page.locator(`#chan-${general} .badge`).count()).toBe(0);
    expect(looking.problems).toEqual([]);
    expect(elsewhere.problems).toEqual([]);
    await context.close();
  });

  test("a sidebar redrawn while its channel is still unread (a tab in the background) draws that channel read", async () => {
    const { server, browser, alice, bob } = team;
    const general = team.id("general");
    await caughtUp(general);
    const context = await signedInContext(browser, server.base, bob);
    const looking = await openTab(context, team.url("general"));
    // In the background the page reads nothing, so the API keeps #general unread.
    await looking.page.evaluate(
      "Object.defineProperty(document, 'visibilityState', { get: () => 'hidden' })",
    );
    await watchBadges(looking.page, general);
    await server.api(alice, "POST", `/api/channels/${general}/messages`, {
      body_md: "@bob while you were away",
    });
    await looking.page.locator("#messages .msg", { hasText: "while you were away" }).waitFor();
    const counts = await server.api<{ items: { id: string; unread_count: number; mention_count: number }[] }>(
      bob,
      "GET",
      "/api/communities/acme/channels",
    );
    expect(counts.items.find((c) => c.id === general)).toMatchObject({ unread_count: 1, mention_count: 1 });

    await looking.page.locator("#sidebar").evaluate((el) => el.setAttribute("data-old", ""));
    await server.api(alice, "PATCH", `/api/channels/${team.id("random")}`, { topic: "redraw, please" });
    await looking.page.waitForSelector("#sidebar:not([data-old])");
    expect(await badgesSeen(looking.page)).toEqual([]);
    expect(await looking.page.locator(`#chan-${general} .badge`).count()).toBe(0);
    await context.close();
  });

  test("reading your notifications on another client takes the mention badge away, not the unread count", async () => {
    const { server, browser, alice, bob } = team;
    const general = team.id("general");
    await caughtUp(general);
    const context = await signedInContext(browser, server.base, bob);
    const tab = await openTab(context, team.url("random"));
    const entry = tab.page.locator(`#chan-${general}`);
    await server.api(alice, "POST", `/api/channels/${general}/messages`, { body_md: "@bob one more thing" });
    await untilText(entry.locator(".badge.mention"), "@1");
    await untilText(entry.locator(".badge.unread"), "1");
    await untilText(tab.page.locator("#bell-count"), "1");

    await server.api(bob, "POST", "/api/notifications/read", { all: true });
    await untilCount(entry.locator(".badge.mention"), 0);
    await untilText(tab.page.locator("#bell-count"), "0");
    expect(await entry.locator(".badge.unread").textContent()).toBe("1");
    expect(tab.problems).toEqual([]);
    await context.close();
  });

  test("the tab's title and icon show a dot for a message elsewhere, the count for a mention, and nothing once read", async () => {
    const { server, browser, alice, bob } = team;
    const general = team.id("general");
    await caughtUp(general);
    await caughtUp(team.id("random"));
    await server.api(bob, "POST", "/api/notifications/read", { all: true });
    const context = await signedInContext(browser, server.base, bob);
    const tab = await openTab(context, team.url("random"));
    await tab.page.waitForSelector("body[data-live=up]");
    // What the tab shows: its title, and the text of its icon (an SVG badge, or none).
    const marks = () =>
      tab.page.evaluate(`(() => {
        const icons = [...document.querySelectorAll("link[rel=icon]")];
        const svg = decodeURIComponent(icons[0].href);
        return { title: document.title, icons: icons.length, icon: svg.match(/<text[^>]*>([^<]*)</)?.[1] ?? null };
      })()`) as Promise<{ title: string; icons: number; icon: string | null }>;
    const base = (await marks()).title;
    expect(await marks()).toEqual({ title: base, icons: 1, icon: null });
    expect(base).toEndWith("· ajet-chat");

    await server.api(alice, "POST", `/api/channels/${general}/messages`, { body_md: "lunch is here" });
    await until(marks, (m) => m.icon === "•", "the dot for #general's unread message");
    expect(await marks()).toEqual({ title: `• ${base}`, icons: 1, icon: "•" });

    await server.api(alice, "POST", `/api/channels/${general}/messages`, {
      body_md: "@bob yours is the veggie one",
    });
    await until(marks, (m) => m.icon === "1", "the count of the mention");
    expect(await marks()).toEqual({ title: `(1) ${base}`, icons: 1, icon: "1" });

    await caughtUp(general);
    await server.api(bob, "POST", "/api/notifications/read", { all: true });
    await until(marks, (m) => m.icon === null, "the marks cleared once bob has read it all");
    expect(await marks()).toEqual({ title: base, icons: 1, icon: null });
    expect(tab.problems).toEqual([]);
    await context.close();
  });
});

import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import type { Browser } from "playwright-core";
import {
  launchChromium,
  openTab,
  type PersonTab,
  screenshot,
  signedInContext,
  until,
  untilCount,
  untilText,
} from "../support/browser-chat.ts";
import type { ChatPerson, ChatServer } from "../support/chat-server.ts";
import { startTeam } from "../support/team.ts";

let server: ChatServer;
let browser: Browser;
let alice: ChatPerson;
let bob: ChatPerson;
let aliceTab: PersonTab;
let bobTab: PersonTab;
let general: string;
let random: string;

const chan = (name: string) => `${server.base}/c/acme/channels/${name}`;
const msg = (tab: PersonTab, text: string) => tab.page.locator("#messages .msg", { hasText: text });

/** A message alice posted (through the API) that both tabs show: a test's own, so it runs alone. */
async function posted(text: string) {
  await server.api(alice, "POST", `/api/channels/${general}/messages`, { body_md: text });
  for (const tab of [aliceTab, bobTab]) await msg(tab, text).waitFor();
  return text;
}

async function send(tab: PersonTab, text: string, input = "#composer-input") {
  await tab.page.fill(input, text);
  await tab.page.press(input, "Enter");
}

beforeAll(async () => {
  const team = await startTeam(["random"]);
  ({ server, alice, bob } = team);
  general = team.id("general");
  random = team.id("random");
  browser = await launchChromium();
  aliceTab = await openTab(await signedInContext(browser, server.base, alice), chan("general"));
  bobTab = await openTab(await signedInContext(browser, server.base, bob), chan("general"));
  // A page that reloads loses this mark: every live change below must keep it.
  await bobTab.page.evaluate("window.__mark = 42");
});

// Nothing goes wrong in either browser (no CSP violation, no script error) during any test.
afterEach(() => {
  const seen = [aliceTab, bobTab].flatMap((tab) =>
    tab.problems.splice(0).filter((p) => !p.includes("favicon")),
  );
  expect(seen).toEqual([]);
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe("two people chatting in browsers", () => {
  test("alice posts and bob sees it live, without a reload", async () => {
    await send(aliceTab, "Morning **team**, standup in 5");
    await untilText(msg(bobTab, "Morning team").locator("strong").first(), "alice");
    await msg(bobTab, "standup in 5").waitFor();
    expect(await bobTab.page.evaluate("window.__mark")).toBe(42);
    expect(await msg(aliceTab, "standup in 5").count()).toBe(1);
  });

  test("in a channel with more than a page of history, a live message goes last, below the load-older marker", async () => {
    for (let i = 1; i <= 55; i++)
      await server.api(alice, "POST", `/api/channels/${random}/messages`, { body_md: `backlog ${i}` });
    const tab = await openTab(await signedInContext(browser, server.base, bob), chan("random"));
    try {
      await tab.page.locator("#messages > #older").waitFor();
      await server.api(alice, "POST", `/api/channels/${random}/messages`, {
        body_md: "fresh after the backlog",
      });
      await msg(tab, "fresh after the backlog").waitFor();
      const order = await tab.page.$$eval("#messages > *", (els) => els.map((e) => e.id || e.className));
      expect(order[0]).toBe("older");
      expect(await tab.page.locator("#messages > .msg").last().textContent()).toContain(
        "fresh after the backlog",
      );
      expect(tab.problems).toEqual([]);
    } finally {
      await tab.page.context().close();
    }
  });

  test("bob reacts and alice sees the count", async () => {
    const text = await posted("lunch at noon?");
    const message = msg(bobTab, text);
    await message.hover();
    await message.locator(".react-open").click();
    await bobTab.page.locator("#react-picker").waitFor();
    await message.locator('#react-picker .pick[data-emoji="👍"]').click();
    const chip = msg(aliceTab, text).locator('.reaction[data-emoji="👍"]');
    await untilText(chip.locator(".count"), "1");
    expect(await chip.getAttribute("data-by")).toBe(bob.id);
    // Toggling it off takes it away everywhere.
    await msg(bobTab, text).locator('.reaction[data-emoji="👍"]').click();
    await untilCount(chip, 0);
  });

  test("a thread reply appears in the panel for both and counts in the pane", async () => {
    const text = await posted("retro notes are up");
    await msg(aliceTab, text).locator(".replies").click();
    await aliceTab.page.waitForSelector("#thread #thread-input");
    // The reply box takes the focus as the thread opens.
    await aliceTab.page.waitForSelector("#thread-input:focus");
    await msg(bobTab, text).locator(".replies").click();
    await bobTab.page.waitForSelector("#thread #thread-input");
    await send(bobTab, "I'll be two minutes late", "#thread-input");
    for (const tab of [aliceTab, bobTab]) {
      await tab.page.locator("#thread .replies-list .msg", { hasText: "two minutes late" }).waitFor();
      await untilText(msg(tab, text).locator(".replies"), "1 reply");
    }
    expect(await msg(aliceTab, "two minutes late").count()).toBe(0);
    await aliceTab.page.keyboard.press("Escape");
    await untilCount(aliceTab.page.locator("#thread"), 0);
    await bobTab.page.locator("#thread .close-panel").click();
  });

  test("typing shows for the other person and clears when the message is sent", async () => {
    await aliceTab.page.fill("#composer-input", "");
    await aliceTab.page.type("#composer-input", "let me th", { delay: 20 });
    const typing = bobTab.page.locator("#typing .typer");
    await untilText(typing, "alice is typing…");
    await aliceTab.page.press("#composer-input", "Enter");
    await untilCount(typing, 0);
  });

  test("emptying the message box stops the typing line too", async () => {
    await aliceTab.page.type("#composer-input", "on second thoughts", { delay: 20 });
    const typing = bobTab.page.locator("#typing .typer");
    await untilText(typing, "alice is typing…");
    await aliceTab.page.fill("#composer-input", "");
    await untilCount(typing, 0);
  });

  test("a mention raises bob's bell, and reading it in another tab clears it here", async () => {
    const random = await openTab(bobTab.context, chan("random"));
    await untilText(random.page.locator("#bell-count"), "0");
    await send(aliceTab, "@bob can you review the deploy?");
    await untilText(random.page.locator("#bell-count"), "1");
    expect(await random.page.locator("#bell-count").isVisible()).toBe(true);
    await untilText(random.page.locator(`#chan-${general} .badge.mention`), "@1");
    // In bob's page his own mention stands out; alice's page draws the same markup plainly.
    const weight = "getComputedStyle(document.querySelector('#messages .mention[data-u=bob]')).fontWeight";
    await bobTab.page.locator("#messages .mention[data-u=bob]").first().waitFor();
    expect(await bobTab.page.evaluate(weight)).toBe("600");
    expect(await aliceTab.page.evaluate(weight)).toBe("400");
    // bob's #general tab is open and visible: it reads the message, which clears it everywhere.
    await bobTab.page.bringToFront();
    await bobTab.page.evaluate("document.dispatchEvent(new Event('visibilitychange'))");
    await untilText(random.page.locator("#bell-count"), "0");
    await untilCount(random.page.locator(`#chan-${general} .badge`), 0);
    await screenshot(random.page, "bell-cleared");
    await random.page.close();
  });

  test("an uploaded image shows in both browsers", async () => {
    const png = Buffer.from(
      "iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAYAAAAf8/9hAAAAHklEQVR4nGNgGAWjYBSMglEwCkbBKBgFo2AUjAIAEAAAAf9ER6GbAAAAAElFTkSuQmCC",
      "base64",
    );
    await aliceTab.page.setInputFiles("#composer .file-input", {
      name: "chart.png",
      mimeType: "image/png",
      buffer: png,
    });
    for (const tab of [aliceTab, bobTab]) {
      const img = tab.page.locator('#messages .msg .file.image > img[alt="chart.png"]');
      await img.waitFor();
      await until(
        () => img.evaluate((el) => (el as unknown as { naturalWidth: number }).naturalWidth),
        (w) => w === 16,
        "image width",
      );
    }
  });

  test("search finds a message and jumps to it in its channel", async () => {
    await server.api(alice, "POST", `/api/channels/${general}/messages`, {
      body_md: "the flamingo budget is approved",
    });
    await bobTab.page.fill(".search-form input[name=q]", "flamingo");
    await bobTab.page.press(".search-form input[name=q]", "Enter");
    const result = bobTab.page.locator(".results .result-link").first();
    await untilText(result.locator("mark"), "flamingo");
    await result.click();
    await bobTab.page.waitForSelector("body[data-live=up]");
    const target = bobTab.page.locator(".msg:target");
    await untilText(target, "flamingo budget", "contains");
    expect(bobTab.page.url()).toContain("/c/acme/channels/general");
  });

  test("a slash command's reply appears only for the person who ran it", async () => {
    await send(aliceTab, "/help topic");
    const reply = aliceTab.page.locator("#ephemeral .ephemeral-reply");
    await untilText(reply, "/topic", "contains");
    await untilText(reply.locator(".only-you"), "Only visible to you");
    await send(aliceTab, "/topic Ship it on Friday");
    await untilText(bobTab.page.locator("#channel-topic"), "Ship it on Friday");
    expect(await bobTab.page.locator("#ephemeral .ephemeral-reply").count()).toBe(0);
    expect(await bobTab.page.locator("#messages", { hasText: "/help" }).count()).toBe(0);
    // Its ✕ takes it away.
    const replies = await aliceTab.page.locator("#ephemeral .ephemeral-reply").count();
    await reply.first().locator(".dismiss").click();
    await untilCount(aliceTab.page.locator("#ephemeral .ephemeral-reply"), replies - 1);
  });
});

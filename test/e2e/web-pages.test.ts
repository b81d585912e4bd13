import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Browser, BrowserContext } from "playwright-core";
import {
  launchChromium,
  openTab,
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
let aliceContext: BrowserContext;
let bobContext: BrowserContext;
let general: string;

const chan = (name: string) => `${server.base}/c/acme/channels/${name}`;
const ids = async () =>
  new Map(
    (
      await server.api<{ items: { id: string; name: string }[] }>(
        alice,
        "GET",
        "/api/communities/acme/channels",
      )
    ).items.map((c) => [c.name, c.id]),
  );

beforeAll(async () => {
  ({ server, alice, bob } = await startTeam());
  browser = await launchChromium();
  await server.api(alice, "POST", "/api/communities/acme/channels", { name: "random" });
  general = (await ids()).get("general") as string;
  await server.api(bob, "POST", `/api/channels/${general}/join`);
  aliceContext = await signedInContext(browser, server.base, alice);
  bobContext = await signedInContext(browser, server.base, bob);
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe("the rest of a working day, in the browser", () => {
  test("a :shortcode: posted through the API shows as its emoji in the channel page, and code keeps it", async () => {
    await server.api(alice, "POST", `/api/channels/${general}/messages`, {
      body_md: "release out :rocket: see `:rocket:`",
    });
    const page = await fetch(chan("general"), { headers: { authorization: `Bearer ${bob.token}` } });
    const html = await page.text();
    expect(html).toContain(
      'release out <span class="emoji" title=":rocket:">🚀</span> see <code>:rocket:</code>',
    );
  });

  test("someone not signed in is sent to sign in and brought back", async () => {
    const res = await fetch(chan("general"), { redirect: "manual" });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/login?next=%2Fc%2Facme%2Fchannels%2Fgeneral");
  });

  test("with the keyboard alone: Enter sends, Alt+↓ changes channel, Esc closes the thread", async () => {
    const tab = await openTab(aliceContext, chan("general"));
    await tab.page.focus("#composer-input");
    await tab.page.keyboard.type("first line");
    await tab.page.keyboard.press("Shift+Enter");
    await tab.page.keyboard.type("second line");
    await tab.page.keyboard.press("Enter");
    const sent = tab.page.locator("#messages .msg", { hasText: "second line" });
    await sent.waitFor();
    expect(await sent.locator(".body").innerHTML()).toContain("first line<br>second line");
    expect(await tab.page.inputValue("#composer-input")).toBe("");
    await sent.locator(".replies").focus();
    await tab.page.keyboard.press("Enter");
    await tab.page.waitForSelector("#thread-input:focus");
    await tab.page.keyboard.press("Escape");
    await untilCount(tab.page.locator("#thread"), 0);
    // The thread's ✕ closes it too, and leaves the focus in the message box.
    await sent.locator(".replies").click();
    await tab.page.waitForSelector("#thread-input:focus");
    await tab.page.click("#thread .close-panel");
    await untilCount(tab.page.locator("#thread"), 0);
    await tab.page.waitForSelector("#composer-input:focus");
    await tab.page.keyboard.press("Alt+ArrowDown");
    await tab.page.waitForURL(chan("random"));
    await tab.page.close();
  });

  test("on a narrow screen ☰ slides the channels over the page, and Esc puts them away", async () => {
    const narrow = await signedInContext(browser, server.base, alice, {
      viewport: { width: 360, height: 740 },
    });
    const tab = await openTab(narrow, chan("general"));
    const sidebarX = async () => (await tab.page.locator("#sidebar").boundingBox())?.x ?? Number.NaN;
    expect(await sidebarX()).toBeLessThan(0);
    await tab.page.click(".nav-toggle");
    await until(sidebarX, (x) => x === 0, "the sidebar slid in");
    await tab.page.keyboard.press("Escape");
    await until(sidebarX, (x) => x < 0, "the sidebar slid away");
    expect(tab.problems).toEqual([]);
    await narrow.close();
  });

  test("a draft stays with its channel while switching", async () => {
    const tab = await openTab(aliceContext, chan("general"));
    await tab.page.fill("#composer-input", "half-written thought");
    await tab.page.dispatchEvent("#composer-input", "input");
    await tab.page.goto(chan("random"));
    expect(await tab.page.inputValue("#composer-input")).toBe("");
    await tab.page.goto(chan("general"));
    expect(await tab.page.inputValue("#composer-input")).toBe("half-written thought");
    await tab.page.fill("#composer-input", "");
    await tab.page.dispatchEvent("#composer-input", "input");
    await tab.page.close();
  });

  test("alice edits then deletes her message, and bob sees both live", async () => {
    const a = await openTab(aliceContext, chan("general"));
    const b = await openTab(bobContext, chan("general"));
    await a.page.fill("#composer-input", "lunch at 12");
    await a.page.press("#composer-input", "Enter");
    const mine = a.page.locator("#messages .msg", { hasText: "lunch at 12" });
    // Cancel puts the message back as it was.
    await mine.hover();
    await mine.locator(".own-actions .edit").click();
    await mine.locator(".edit-form textarea").fill("never mind");
    await mine.locator(".cancel-edit").click();
    await untilCount(mine.locator(".edit-form"), 0);
    expect(await mine.locator(".body").isVisible()).toBe(true);
    await mine.hover();
    await mine.locator(".own-actions .edit").click();
    await mine.locator(".edit-form textarea").fill("lunch at 1, sorry");
    await mine.locator(".edit-form button[type=submit]").click();
    const theirs = b.page.locator("#messages .msg", { hasText: "lunch at 1, sorry" });
    await untilText(theirs.locator(".edited"), "(edited)");
    // The one dialog of the app: "Delete this message?".
    a.page.removeAllListeners("dialog");
    a.page.once("dialog", (d) => void d.accept());
    const edited = a.page.locator("#messages .msg", { hasText: "lunch at 1, sorry" });
    await edited.hover();
    await edited.locator(".own-actions .delete").click();
    await untilCount(b.page.locator("#messages .msg", { hasText: "lunch at 1" }), 0);
    await untilCount(b.page.locator("#messages .msg.deleted"), 1);
    // bob may not edit alice's messages: the buttons are not offered to him.
    expect(await b.page.locator("#messages .msg .own-actions").first().isVisible()).toBe(false);
    await a.page.close();
    await b.page.close();
  });

  test("alice opens a DM from the members list; it appears in bob's sidebar, unread, live", async () => {
    const b = await openTab(bobContext, chan("general"));
    const a = await openTab(aliceContext, `${server.base}/c/acme/members`);
    await untilText(a.page.locator(".members .role-owner"), "owner");
    await a.page.locator(".members tr", { hasText: "@bob" }).locator("button").click();
    await a.page.waitForURL(/\/dm\//);
    await a.page.waitForSelector("body[data-live=up]");
    await a.page.fill("#composer-input", "psst, got a minute?");
    await a.page.press("#composer-input", "Enter");
    const dmLink = b.page.locator(".dms a.chan", { hasText: "alice" });
    await untilText(dmLink.locator(".badge.unread"), "1");
    await dmLink.click();
    await b.page.locator("#messages .msg", { hasText: "psst, got a minute?" }).waitFor();
    await a.page.close();
    await b.page.close();
  });

  test("older messages load when scrolling up", async () => {
    const { random } = Object.fromEntries(await ids()) as Record<string, string>;
    for (let i = 1; i <= 70; i++) {
      await server.api(alice, "POST", `/api/channels/${random}/messages`, { body_md: `backlog ${i}` });
    }
    const tab = await openTab(aliceContext, chan("random"));
    expect(await tab.page.locator("#messages .msg").count()).toBe(50);
    // At the end, "Jump to latest" is not shown; away from it, it is, and takes the reader back.
    const jump = tab.page.locator(".jump-latest");
    expect(await jump.isVisible()).toBe(false);
    await tab.page.locator("#scroller").hover();
    await tab.page.mouse.wheel(0, -1500);
    await jump.waitFor({ state: "visible" });
    await jump.click();
    await jump.waitFor({ state: "hidden" });
    await tab.page.mouse.wheel(0, -100_000);
    await until(
      () => tab.page.locator("#messages .msg").count(),
      (n) => n === 70,
      "older messages",
    );
    const texts = await tab.page.locator("#messages .msg .body").allTextContents();
    expect(texts.map((t) => t.trim())).toEqual(Array.from({ length: 70 }, (_, i) => `backlog ${i + 1}`));
    await tab.page.close();
  });

  test("a new message is followed by a reader at the end, and leaves one who scrolled up where they were", async () => {
    const room = await server.api<{ id: string }>(alice, "POST", "/api/communities/acme/channels", {
      name: "scrollback",
    });
    for (let i = 1; i <= 40; i++) {
      await server.api(alice, "POST", `/api/channels/${room.id}/messages`, { body_md: `line ${i}` });
    }
    const tab = await openTab(aliceContext, chan("scrollback"));
    await tab.page.waitForSelector("body[data-live=up]");
    // What the reader sees: the messages wholly inside the scroller's box.
    const seen = () =>
      tab.page.evaluate(`(() => {
        const box = document.querySelector("#scroller").getBoundingClientRect();
        return [...document.querySelectorAll("#messages .msg")]
          .filter((m) => { const r = m.getBoundingClientRect(); return r.top >= box.top && r.bottom <= box.bottom; })
          .map((m) => m.querySelector(".body").textContent.trim());
      })()`) as Promise<string[]>;
    expect((await seen()).at(-1)).toBe("line 40");

    await server.api(alice, "POST", `/api/channels/${room.id}/messages`, { body_md: "fresh news" });
    await until(seen, (texts) => texts.at(-1) === "fresh news", "the new message in view");

    await tab.page.evaluate(
      `document.querySelector("#scroller").scrollBy({ top: -600, behavior: "instant" })`,
    );
    const before = await seen();
    expect(before).not.toContain("fresh news");
    await server.api(alice, "POST", `/api/channels/${room.id}/messages`, { body_md: "more news" });
    await tab.page.locator("#messages .msg", { hasText: "more news" }).waitFor({ state: "attached" });
    expect(await seen()).toEqual(before);
    expect(tab.problems).toEqual([]);
    await tab.page.close();
  });

  test("alice creates a channel in the browser and bob joins it from the channel browser", async () => {
    const a = await openTab(aliceContext, `${server.base}/c/acme/browse`);
    await a.page.fill("#ch-name", "design");
    await a.page.fill("#ch-topic", "Pixels and prose");
    await a.page.click("form[action='/c/acme/channels'] button[type=submit]");
    await a.page.waitForURL(chan("design"));
    await untilText(a.page.locator("#channel-topic"), "Pixels and prose");
    const b = await openTab(bobContext, `${server.base}/c/acme/browse`);
    await b.page.locator(".browse li", { hasText: "design" }).locator("button").click();
    await b.page.waitForURL(chan("design"));
    await b.page.waitForSelector("#composer-input");
    await a.page.close();
    await b.page.close();
  });

  test("someone in two communities moves between them with the sidebar's picker", async () => {
    await server.api(bob, "POST", "/api/communities", { name: "Initech", slug: "initech" });
    const tab = await openTab(bobContext, chan("general"));
    const picker = tab.page.locator("#sidebar select.community-switch");
    expect(await picker.inputValue()).toBe("acme");
    await picker.selectOption("initech");
    await tab.page.waitForURL(`${server.base}/c/initech/channels/general`);
    await tab.page.waitForSelector("body[data-live=up]");
    expect(await tab.page.locator("#sidebar select.community-switch").inputValue()).toBe("initech");
    await tab.page.locator("#sidebar select.community-switch").selectOption("acme");
    await tab.page.waitForURL(chan("general"));
    expect(tab.problems).toEqual([]);
    await tab.page.close();
  });

  test("someone in no community is offered to create one, and lands in it", async () => {
    const carol = await server.invite("carol");
    await server.api(alice, "POST", "/api/commands", { channel_id: general, text: "/kick @carol" });
    const context = await signedInContext(browser, server.base, carol);
    const page = await context.newPage();
    await page.goto(server.base);
    await page.fill("#name", "Carol's Garden");
    await page.fill("#slug", "garden");
    await page.click("button[type=submit]");
    await page.waitForURL(`${server.base}/c/garden/channels/general`);
    await page.waitForSelector("body[data-live=up]");
    await context.close();
  });
});

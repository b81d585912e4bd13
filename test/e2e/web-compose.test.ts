import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { openTab, signedInContext, until, untilCount, untilText } from "../support/browser-chat.ts";
import type { ChatPerson } from "../support/chat-server.ts";
import { startWebTeam, type WebTeam } from "../support/web-team.ts";

let team: WebTeam;
beforeAll(async () => {
  team = await startWebTeam();
});
afterAll(() => team?.stop());

describe("the message box", () => {
  test("'/' offers the commands your role may run, '@' the people, and Enter takes the one selected", async () => {
    const { server, browser, alice, bob } = team;
    const offersFor = async (who: ChatPerson, typed: string) => {
      const tab = await openTab(await signedInContext(browser, server.base, who), team.url("general"));
      await tab.page.locator("#composer-input").pressSequentially(typed);
      // Offers for shorter words ("/", "/t") may show first; these are the ones for the whole word.
      const offers = await until(
        () => tab.page.locator("#composer .autocomplete li").allTextContents(),
        (list) => list.length > 0 && list.every((o) => o.startsWith(typed)),
        `offers for ${typed}`,
      );
      return { tab, offers };
    };
    // /token is for owners and admins: alice is offered it, bob only /topic.
    const owner = await offersFor(alice, "/to");
    expect(owner.offers.map((o) => o.split(" ")[0])).toEqual(["/topic", "/token", "/token", "/token"]);
    await owner.tab.context.close();
    const { tab, offers } = await offersFor(bob, "/to");
    expect(offers).toEqual([expect.stringMatching(/^\/topic /)]);

    await tab.page.locator("#composer-input").fill("");
    await tab.page.locator("#composer-input").pressSequentially("thanks @al");
    const list = tab.page.locator("#composer .autocomplete li");
    await untilText(list.first(), "@alice — alice");
    await tab.page.keyboard.press("Enter");
    expect(await tab.page.inputValue("#composer-input")).toBe("thanks @alice ");
    await untilCount(list, 0);
    // Taking an offer closed the list: this Enter sends.
    await tab.page.keyboard.press("Enter");
    await tab.page.locator("#messages .msg", { hasText: "thanks @alice" }).waitFor();
    expect(await tab.page.inputValue("#composer-input")).toBe("");
    expect(tab.problems).toEqual([]);
    await tab.context.close();
  });

  test("a message the server refuses keeps its text and says why under the box", async () => {
    const { server, browser, bob } = team;
    const tab = await openTab(await signedInContext(browser, server.base, bob), team.url("general"));
    const tooLong = "x".repeat(40_001);
    await tab.page.fill("#composer-input", tooLong);
    await tab.page.press("#composer-input", "Enter");
    await untilText(tab.page.locator("#composer .composer-error"), "at most 40000 characters", "contains");
    expect(await tab.page.inputValue("#composer-input")).toBe(tooLong);
    expect(await tab.page.locator("#messages .msg", { hasText: "xxxxxxxx" }).count()).toBe(0);
    // The next message goes, and the line clears.
    await tab.page.fill("#composer-input", "short and sweet");
    await tab.page.press("#composer-input", "Enter");
    await tab.page.locator("#messages .msg", { hasText: "short and sweet" }).waitFor();
    expect(await tab.page.locator("#composer .composer-error").textContent()).toBe("");
    await tab.context.close();
  });

  test("a channel that cannot be made shows the channel browser again with the reason", async () => {
    const { server, browser, bob } = team;
    const context = await signedInContext(browser, server.base, bob);
    const page = await context.newPage();
    await page.goto(`${server.base}/c/acme/browse`);
    await page.fill("#ch-name", "general");
    const [answer] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith("/c/acme/channels") && r.request().method() === "POST"),
      page.click("form[action='/c/acme/channels'] button[type=submit]"),
    ]);
    expect(answer.status()).toBe(409);
    await untilText(page.locator(".pane .error[role=alert]"), "already", "contains");
    expect(page.url()).toBe(`${server.base}/c/acme/channels`);
    expect(await page.locator("form[action='/c/acme/channels'] #ch-name").count()).toBe(1);
    await context.close();
  });
});

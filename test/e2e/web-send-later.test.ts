import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { ScheduledJson } from "../../lib/client/views.ts";
import { openTab, signedInContext, untilText } from "../support/browser-chat.ts";
import { startWebTeam, type WebTeam } from "../support/web-team.ts";

let team: WebTeam;
beforeAll(async () => {
  team = await startWebTeam();
});
afterAll(() => team?.stop());

describe("reminders and Send later in the web page", () => {
  test("a time picked in the browser's zone schedules the message for then; Cancel takes it back", async () => {
    const { server, browser, alice } = team;
    const context = await signedInContext(browser, server.base, alice, { timezoneId: "Asia/Tokyo" });
    const tab = await openTab(context, team.url("general"));
    // Two hours from now on a Tokyo clock (UTC+9 all year), to the minute.
    const at = Math.floor((Date.now() + 2 * 3600_000) / 60_000) * 60_000;
    const tokyo = new Date(at)
      .toLocaleString("sv-SE", { timeZone: "Asia/Tokyo" })
      .slice(0, 16)
      .replace(" ", "T");

    await tab.page.click("#send-later summary");
    await tab.page.fill("#send-later input[name=send_at_local]", tokyo);
    await tab.page.fill("#composer-input", "good morning, Tokyo");
    await tab.page.click("#send-later .schedule");
    const reply = tab.page.locator("#ephemeral .ephemeral-reply", { hasText: "Scheduled for" });
    await reply.waitFor();

    const { items } = await server.api<{ items: ScheduledJson[] }>(alice, "GET", "/api/scheduled");
    expect(items.map((i) => [i.body_md, i.send_at, i.state])).toEqual([
      ["good morning, Tokyo", new Date(at).toISOString(), "pending"],
    ]);
    expect(await tab.page.locator("#messages .msg", { hasText: "good morning, Tokyo" }).count()).toBe(0);
    expect(await tab.page.inputValue("#composer-input")).toBe("");
    // The picked time went with it: the next message is sent now.
    expect(await tab.page.inputValue("#send-later input[name=send_at_local]")).toBe("");
    await tab.page.fill("#composer-input", "and this one right away");
    await tab.page.press("#composer-input", "Enter");
    await tab.page.locator("#messages .msg", { hasText: "and this one right away" }).waitFor();

    await reply.locator("button.cancel-scheduled").click();
    await untilText(reply.locator(".body"), "Cancelled.", "contains");
    const after = await server.api<{ items: ScheduledJson[] }>(alice, "GET", "/api/scheduled");
    expect(after.items).toEqual([]);

    // Settings lists what is waiting, each with its Cancel.
    const general = (
      await server.api<{ items: { id: string; name: string }[] }>(
        alice,
        "GET",
        "/api/communities/acme/channels",
      )
    ).items.find((c) => c.name === "general")?.id;
    await server.api(alice, "POST", `/api/channels/${general}/messages`, {
      body_md: "the weekly note",
      send_at: new Date(Date.now() + 86_400_000).toISOString(),
    });
    await server.api(alice, "POST", `/api/channels/${general}/messages`, {
      body_md: "the note taken back elsewhere",
      send_at: new Date(Date.now() + 86_400_000).toISOString(),
    });
    await tab.page.goto(`${server.base}/settings`);
    const item = tab.page.locator("#scheduled li", { hasText: "the weekly note" });
    await item.waitFor();
    expect(await item.textContent()).toContain("#general");
    // One is cancelled from another client while the page shows it: its Cancel says so, and touches nothing else.
    const gone = (await server.api<{ items: ScheduledJson[] }>(alice, "GET", "/api/scheduled")).items.find(
      (j) => j.body_md === "the note taken back elsewhere",
    );
    await server.api(alice, "DELETE", `/api/scheduled/${gone?.id}`);
    const goneItem = tab.page.locator("#scheduled li", { hasText: "the note taken back elsewhere" });
    await goneItem.locator("button.cancel-scheduled").click();
    await untilText(goneItem, "It could not be cancelled (already sent?).", "contains");
    expect((await server.api<{ items: ScheduledJson[] }>(alice, "GET", "/api/scheduled")).items).toHaveLength(
      1,
    );
    await item.locator("button.cancel-scheduled").click();
    await untilText(item, "Cancelled.", "contains");
    expect((await server.api<{ items: ScheduledJson[] }>(alice, "GET", "/api/scheduled")).items).toEqual([]);
    expect(tab.problems).toEqual([]);
    await context.close();
  });

  test("a reminder pops a desktop notification in a hidden tab and is listed with its words", async () => {
    const { server, browser, bob } = team;
    const context = await signedInContext(browser, server.base, bob);
    const tab = await openTab(context, team.url("general"));
    // A hidden tab with permission granted; what the page hands the browser is recorded (headless
    // Chromium has no notification centre).
    await tab.page.evaluate(`
      Object.defineProperty(document, "visibilityState", { get: () => "hidden" });
      window.shown = [];
      window.Notification = class {
        static permission = "granted";
        constructor(title, opts) { window.shown.push({ title, body: opts.body }); }
        close() {}
      };
    `);
    const { items } = await server.api<{ items: { id: string; name: string }[] }>(
      bob,
      "GET",
      "/api/communities/acme/channels",
    );
    const general = items.find((c) => c.name === "general")?.id;
    await server.api(bob, "POST", "/api/commands", {
      channel_id: general,
      text: "/remind me to stretch in 1 second",
    });
    type Shown = { shown: unknown[] };
    await tab.page.waitForFunction(() => (globalThis as unknown as Shown).shown.length > 0, undefined, {
      timeout: 20_000,
    });
    expect(await tab.page.evaluate("window.shown")).toEqual([
      { title: "Reminder", body: "Reminder: stretch" },
    ]);
    await tab.page.goto(`${server.base}/notifications`);
    await tab.page.locator(".notif", { hasText: "Reminder: stretch" }).waitFor();
    expect(tab.problems).toEqual([]);
    await context.close();
  });
});

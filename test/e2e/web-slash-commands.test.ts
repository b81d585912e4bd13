import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHmac } from "node:crypto";
import type { Browser } from "playwright-core";
import {
  launchChromium,
  openTab,
  signedInContext,
  until,
  untilCount,
  untilText,
} from "../support/browser-chat.ts";
import { startTeam, type Team } from "../support/team.ts";

// A custom command in the browser, against the real server process: the app runs on loopback,
// which the operator opened with AJET_OUTBOUND_ALLOW, as a team would for an internal CI box.

/** Slack's documented check, written out here. */
const slackWouldAccept = (secret: string, req: Request, body: string) => {
  const ts = req.headers.get("x-slack-request-timestamp") ?? "";
  const expected = `v0=${createHmac("sha256", secret).update(`v0:${ts}:${body}`).digest("hex")}`;
  return req.headers.get("x-slack-signature") === expected;
};

let team: Team;
let browser: Browser;
let app: ReturnType<typeof Bun.serve>;
let secret = "";
const responseUrls: string[] = [];

beforeAll(async () => {
  app = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(req) {
      const body = await req.text();
      if (!slackWouldAccept(secret, req, body)) return new Response("bad signature", { status: 401 });
      const form = new URLSearchParams(body);
      responseUrls.push(form.get("response_url") as string);
      return Response.json({ text: `Deploying *${form.get("text")}* for ${form.get("user_name")}` });
    },
  });
  team = await startTeam([], { AJET_OUTBOUND_ALLOW: "127.0.0.1/32" });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await team?.server.stop();
  app?.stop(true);
});

describe("custom slash commands in the web page", () => {
  test("an admin adds /deploy in settings; a member completes it, sees the answer, and later ones arrive live", async () => {
    const { server, alice, bob } = team;
    const admin = await openTab(
      await signedInContext(browser, server.base, alice),
      `${server.base}/settings`,
    );
    await admin.page.fill("#slash-name", "/deploy");
    await admin.page.fill("#slash-url", `http://127.0.0.1:${app.port}/deploy`);
    await admin.page.fill("#slash-description", "Deploy a branch");
    await admin.page.fill("#slash-usage", "[env]");
    await admin.page.click("form[action='/settings/slash-commands'] button[type=submit]");
    const shown = await untilText(
      admin.page.locator("#slash-commands [role=status]"),
      "shown only now",
      "contains",
    );
    secret =
      /([0-9a-f]{64})/.exec(
        shown ?? (await admin.page.locator("#slash-commands [role=status]").innerText()),
      )?.[1] ?? "";
    expect(secret).toHaveLength(64);
    // The list on the page names it; reloading never shows the secret again.
    await admin.page.goto(`${server.base}/settings`);
    await untilText(admin.page.locator("#slash-commands"), "/deploy", "contains");
    expect(await admin.page.content()).not.toContain(secret);

    const member = await openTab(await signedInContext(browser, server.base, bob), team.url("general"));
    const watcher = await openTab(await signedInContext(browser, server.base, alice), team.url("general"));
    await member.page.locator("#composer-input").pressSequentially("/dep");
    const offers = await until(
      () => member.page.locator("#composer .autocomplete li").allTextContents(),
      (list) => list.length > 0 && list.every((o) => o.startsWith("/dep")),
      "offers for /dep",
    );
    expect(offers).toEqual(["/deploy [env] — Deploy a branch"]);
    // Enter takes the offer; the next Enter sends.
    await member.page.keyboard.press("Enter");
    expect(await member.page.inputValue("#composer-input")).toBe("/deploy ");
    await untilCount(member.page.locator("#composer .autocomplete li"), 0);
    await member.page.locator("#composer-input").pressSequentially("prod");
    await member.page.keyboard.press("Enter");
    await untilText(member.page.locator("#ephemeral .ephemeral-reply"), "Deploying prod for bob", "contains");

    // Later, through response_url: an ephemeral note for bob only, then the result for everyone.
    const url = responseUrls.at(-1) as string;
    const later = (body: unknown) =>
      fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    expect((await later({ text: "Still _building_" })).status).toBe(200);
    await untilText(member.page.locator("#ephemeral .ephemeral-reply").last(), "Still building", "contains");
    expect((await later({ response_type: "in_channel", text: "prod is *live*" })).status).toBe(200);
    for (const tab of [member, watcher]) {
      await tab.page.locator("#messages .msg", { hasText: "prod is live" }).waitFor();
      expect(await tab.page.locator("#messages .msg", { hasText: "prod is live" }).innerText()).toContain(
        "via /deploy",
      );
    }
    // Alice saw the channel's message, never bob's private answers.
    expect(await watcher.page.locator("#ephemeral").innerText()).toBe("");
    for (const tab of [admin, member, watcher]) {
      expect(tab.problems).toEqual([]);
      await tab.context.close();
    }
  });
});

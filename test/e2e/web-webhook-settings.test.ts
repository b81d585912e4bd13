import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { parse } from "parse5";
import { Browser, overHttp } from "../support/browser.ts";
import { type ChatPerson, type ChatServer, startChatServer } from "../support/chat-server.ts";

interface HtmlNode {
  nodeName: string;
  value?: string;
  attrs?: { name: string; value: string }[];
  childNodes?: HtmlNode[];
}

const textOf = (node: HtmlNode): string =>
  node.nodeName === "#text" ? (node.value ?? "") : (node.childNodes ?? []).map(textOf).join("");

/** The element with this id in a page, as a browser's parser reads it. */
function byId(html: string, id: string): HtmlNode | undefined {
  const find = (node: HtmlNode): HtmlNode | undefined =>
    node.attrs?.some((a) => a.name === "id" && a.value === id)
      ? node
      : (node.childNodes ?? []).map(find).find(Boolean);
  return find(parse(html) as unknown as HtmlNode);
}

/** The cells of each row of a table under `node`. */
function rows(node: HtmlNode): string[][] {
  const out: string[][] = [];
  const walk = (n: HtmlNode) => {
    if (n.nodeName === "tr") {
      const cells = (n.childNodes ?? []).filter((c) => c.nodeName === "td").map((c) => textOf(c).trim());
      if (cells.length) out.push(cells);
    }
    for (const child of n.childNodes ?? []) walk(child);
  };
  walk(node);
  return out;
}

// Web settings: each webhook with its log and a form for its name and overrides, for owners and admins.
describe("webhooks on the web settings page", () => {
  let chat: ChatServer;
  let alice: ChatPerson;
  let bob: ChatPerson;
  let hookId: string;
  let hookUrl: string;

  const settings = async (who: ChatPerson) => {
    const res = await fetch(`${chat.base}/settings?community=acme`, {
      headers: { cookie: `ajet_session=${who.token}` },
    });
    expect(res.status).toBe(200);
    return res.text();
  };

  beforeAll(async () => {
    chat = await startChatServer();
    alice = chat.owner;
    bob = await chat.invite("bob");
    const { items } = await chat.api<{ items: { id: string; name: string }[] }>(
      alice,
      "GET",
      "/api/communities/acme/channels",
    );
    const general = items.find((c) => c.name === "general")?.id;
    const made = await chat.api<{ effects: { url?: string; webhook_id?: string }[] }>(
      alice,
      "POST",
      "/api/commands",
      { channel_id: general, text: "/webhook create #general Nightly build" },
    );
    hookUrl = made.effects[0]?.url as string;
    hookId = made.effects[0]?.webhook_id as string;
  });
  afterAll(async () => {
    await chat?.stop();
  });

  test("the owner sees each webhook's last calls with the reason a call failed", async () => {
    const send = (body: string) =>
      fetch(chat.base + new URL(hookUrl).pathname, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
      });
    expect((await send('{"text": ')).status).toBe(400);
    expect((await send('{"text":"green","parse":"full"}')).status).toBe(200);
    const card = byId(await settings(alice), `webhook-${hookId}`);
    expect(card).toBeDefined();
    const log = rows(card as HtmlNode);
    expect(log.map((r) => [r[1], r[2]])).toEqual([
      ["incoming_webhook", "200"],
      ["incoming_webhook", "400"],
    ]);
    expect(log[0]?.[4]).toContain("warning: `parse` is ignored");
    expect(log[1]?.[4]).toStartWith("body is not JSON: ");
    expect(textOf(card as HtmlNode)).not.toContain("ajw_");
    expect(byId(await settings(bob), `webhook-${hookId}`)).toBeUndefined();
  });

  test("the settings form renames a webhook and turns its overrides off", async () => {
    const browser = new Browser(overHttp(chat.base));
    browser.setCookie("ajet_session", alice.token);
    const res = await browser.postForm(`${chat.base}/settings/webhooks/${hookId}`, {
      community: "acme",
      name: "Nightly",
    });
    expect(res.status).toBe(303);
    const hook = await chat.api<{ name: string; allow_override: boolean }>(
      alice,
      "GET",
      `/api/webhooks/${hookId}`,
    );
    expect(hook).toMatchObject({ name: "Nightly", allow_override: false });

    const intruder = new Browser(overHttp(chat.base));
    intruder.setCookie("ajet_session", bob.token);
    const refused = await intruder.postForm(`${chat.base}/settings/webhooks/${hookId}`, {
      community: "acme",
      name: "Mine",
      allow_override: "1",
    });
    expect(refused.status).toBe(403);
    expect((await chat.api<{ name: string }>(alice, "GET", `/api/webhooks/${hookId}`)).name).toBe("Nightly");
  });
});

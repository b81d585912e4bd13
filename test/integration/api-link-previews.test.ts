import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import sharp from "sharp";
import type { LinkPreviewJson } from "../../lib/client/views.ts";
import { parseOutboundAllow } from "../../lib/outbound/allow-list.ts";
import { acmeWithSecret, DB_KINDS, type Person, startTestApi, type TestApi } from "../support/api.ts";
import { commandOk } from "../support/commands.ts";
import { type OutsideWeb, ogPage, startOutsideWeb } from "../support/outside-web.ts";

interface Msg {
  id: string;
  preview: LinkPreviewJson | null;
}

const pictureBytes = await sharp({
  create: { width: 1200, height: 630, channels: 3, background: "#3366cc" },
})
  .png()
  .toBuffer();

describe.each(DB_KINDS)("link previews (%s)", (kind) => {
  let web: OutsideWeb;
  let t: TestApi;
  let alice: Person;
  let bob: Person;
  let general: string;
  beforeAll(async () => {
    web = startOutsideWeb();
    web.routes["/article"] = () =>
      ogPage(
        {
          "og:title": "Launch day &amp; more",
          "og:description": "We shipped it.",
          "og:site_name": "News",
          "og:image": "/picture.png",
        },
        "ignored when og:title is there",
      );
    web.routes["/other"] = () => ogPage({ "og:title": "The other page", "og:site_name": "Other" }, "");
    web.routes["/plain"] = () =>
      new Response(
        "<html><head><title>Just a title</title></head><body><title>not this</title></body></html>",
        {
          headers: { "content-type": "text/html" },
        },
      );
    web.routes["/escapes"] = () =>
      new Response(`<title>\u001b]0;owned\u0007Clean \u001b[31mtitle</title>`, {
        headers: { "content-type": "text/html" },
      });
    web.routes["/picture.png"] = () =>
      new Response(pictureBytes, { headers: { "content-type": "image/png" } });
    web.routes["/to-internal"] = () => Response.redirect(web.internalUrl("/admin"), 302);
    // The operator opened 127.0.0.1 to integrations; previews must not go there all the same.
    const allow = parseOutboundAllow("127.0.0.1/32");
    if (typeof allow === "string") throw new Error(allow);
    t = await startTestApi(kind, {}, undefined, web.outbound(allow));
    alice = await t.person("alice");
    bob = await t.person("bob");
    ({ general } = await acmeWithSecret(t, alice));
    await t.join(bob, "acme");
  });
  afterAll(async () => {
    await t?.close();
    web?.stop();
  });

  /** The message views pushed live as `message.updated` for one message, in order. */
  const updatesOf = (id: string) =>
    t.events
      .filter((e) => e.event.type === "message.updated")
      .map((e) => e.event.data.message as Msg)
      .filter((m) => m.id === id);

  /** Posts as `who` and answers the message as it is once its preview work is done. */
  async function postAndSettle(who: Person, body: string) {
    const posted = await t.json<Msg>(who, "POST", `/api/channels/${general}/messages`, { body_md: body });
    await t.app.idle();
    return t.json<Msg>(bob, "GET", `/api/messages/${posted.id}`);
  }

  test("a pasted link gets a card with title, description, site and our own copy of its picture, pushed live", async () => {
    const m = await postAndSettle(alice, `look: ${web.url("/article")} and ${web.url("/plain")}`);
    expect(m.preview).toMatchObject({
      url: web.url("/article"),
      title: "Launch day & more",
      description: "We shipped it.",
      site_name: "News",
    });
    expect(m.preview?.image_url).toMatch(/^\/api\/images\/[0-9a-f-]{36}$/);
    expect(updatesOf(m.id).at(-1)?.preview?.title).toBe("Launch day & more");

    const image = await t.call(bob, "GET", m.preview?.image_url ?? "");
    expect(image.status).toBe(200);
    expect(image.headers.get("content-type")).toBe("image/webp");
    expect(image.headers.get("cache-control")).toContain("max-age=31536000");
    expect(image.headers.get("x-content-type-options")).toBe("nosniff");
    const meta = await sharp(new Uint8Array(await image.arrayBuffer())).metadata();
    expect(Math.max(meta.width ?? 0, meta.height ?? 0)).toBeLessThanOrEqual(400);
    expect(await t.call(null, "GET", m.preview?.image_url ?? "").then((r) => r.status)).toBe(401);
  });

  test("a page without Open Graph tags shows its <title>; the same link again is not fetched again", async () => {
    const before = web.publicVisits.filter((v) => v.path === "/plain").length;
    const first = await postAndSettle(alice, web.url("/plain"));
    expect(first.preview).toMatchObject({
      title: "Just a title",
      site_name: "news.example",
      image_url: null,
    });
    const again = await postAndSettle(bob, `again ${web.url("/plain")}`);
    expect(again.preview?.title).toBe("Just a title");
    expect(web.publicVisits.filter((v) => v.path === "/plain").length).toBe(before + 1);
  });

  test("links to internal addresses get no card and are never reached, allow-list or not", async () => {
    for (const body of [
      web.internalUrl("/admin"),
      web.url("/to-internal"),
      `http://[::ffff:127.0.0.1]:${web.internalPort}/admin`,
      "http://169.254.169.254/latest/meta-data/",
    ]) {
      const m = await postAndSettle(alice, body);
      expect(m.preview).toBeNull();
    }
    expect(web.internalVisits).toEqual([]);
  });

  test("a title carrying terminal escape sequences arrives without its control characters", async () => {
    const m = await postAndSettle(alice, web.url("/escapes"));
    expect(m.preview?.title).toBe("]0;ownedClean [31mtitle");
  });

  test("a link in code is not previewed", async () => {
    const m = await postAndSettle(alice, `\`${web.url("/article")}\``);
    expect(m.preview).toBeNull();
  });

  test("the author removes a preview for good; others may not", async () => {
    const m = await postAndSettle(bob, web.url("/article"));
    expect(m.preview).not.toBeNull();
    const other = await t.call((await t.person("carol")).token, "DELETE", `/api/messages/${m.id}/preview`);
    expect(other.status).toBe(404);
    const removed = await t.json<Msg>(bob, "DELETE", `/api/messages/${m.id}/preview`);
    expect(removed.preview).toBeNull();
    expect(updatesOf(m.id).at(-1)).toMatchObject({ preview: null });
    await t.json(bob, "PATCH", `/api/messages/${m.id}`, { body_md: `edited ${web.url("/article")}` });
    await t.app.idle();
    expect((await t.json<Msg>(bob, "GET", `/api/messages/${m.id}`)).preview).toBeNull();
  });

  test("a member who is not the author gets 403 removing a preview", async () => {
    const m = await postAndSettle(alice, web.url("/article"));
    const res = await t.call(bob, "DELETE", `/api/messages/${m.id}/preview`);
    expect(res.status).toBe(403);
    expect((await t.json<Msg>(bob, "GET", `/api/messages/${m.id}`)).preview).not.toBeNull();
  });

  test("an admin turns previews off for the community; a member cannot", async () => {
    expect((await t.call(bob, "PATCH", "/api/communities/acme", { unfurl_links: false })).status).toBe(403);
    const off = await t.json<{ unfurl_links: boolean }>(alice, "PATCH", "/api/communities/acme", {
      unfurl_links: false,
    });
    expect(off.unfurl_links).toBe(false);
    const m = await postAndSettle(alice, web.url("/article"));
    expect(m.preview).toBeNull();
    await t.json(alice, "PATCH", "/api/communities/acme", { unfurl_links: true });
  });

  test("an edit that adds a link gets its card, pushed live; one that keeps the link keeps the card", async () => {
    const m = await postAndSettle(alice, "no link yet");
    expect(m.preview).toBeNull();
    await t.json(alice, "PATCH", `/api/messages/${m.id}`, { body_md: `now with ${web.url("/article")}` });
    await t.app.idle();
    const edited = await t.json<Msg>(bob, "GET", `/api/messages/${m.id}`);
    expect(edited.preview?.title).toBe("Launch day & more");
    expect(updatesOf(m.id).at(-1)?.preview?.title).toBe("Launch day & more");

    const visits = web.publicVisits.length;
    await t.json(alice, "PATCH", `/api/messages/${m.id}`, { body_md: `typo fixed, ${web.url("/article")}` });
    await t.app.idle();
    expect((await t.json<Msg>(bob, "GET", `/api/messages/${m.id}`)).preview?.title).toBe("Launch day & more");
    expect(web.publicVisits.length).toBe(visits);
  });

  test("an edit that changes the link swaps the card; one that removes it drops the card", async () => {
    const m = await postAndSettle(alice, web.url("/article"));
    expect(m.preview?.title).toBe("Launch day & more");
    const swapped = await t.json<Msg>(alice, "PATCH", `/api/messages/${m.id}`, {
      body_md: `moved to ${web.url("/other")}`,
    });
    // The old card is gone at once, not shown beside the new link until the new one arrives.
    expect(swapped.preview).toBeNull();
    await t.app.idle();
    const after = await t.json<Msg>(bob, "GET", `/api/messages/${m.id}`);
    expect(after.preview).toMatchObject({ url: web.url("/other"), title: "The other page" });

    const dropped = await t.json<Msg>(alice, "PATCH", `/api/messages/${m.id}`, {
      body_md: "no link after all",
    });
    expect(dropped.preview).toBeNull();
    await t.app.idle();
    expect((await t.json<Msg>(bob, "GET", `/api/messages/${m.id}`)).preview).toBeNull();
    expect(updatesOf(m.id).at(-1)).toMatchObject({ preview: null });
  });

  test("an edit to an internal address drops the old card and makes none", async () => {
    const m = await postAndSettle(alice, web.url("/article"));
    await t.json(alice, "PATCH", `/api/messages/${m.id}`, { body_md: web.internalUrl("/admin") });
    await t.app.idle();
    expect((await t.json<Msg>(bob, "GET", `/api/messages/${m.id}`)).preview).toBeNull();
    expect(web.internalVisits).toEqual([]);
  });

  test("an incoming webhook's post gets a card; a keyed update with a new link gets the new one", async () => {
    const reply = await commandOk(t, alice, general, "/webhook create #general Newsfeed");
    const path = new URL(reply.effects[0]?.url as string).pathname;
    const hook = (body: unknown) => t.call(null, "POST", path, body);
    expect((await hook({ text: `Read ${web.url("/article")}`, key: "daily" })).status).toBe(200);
    await t.app.idle();
    const page = await t.json<{ items: (Msg & { body_md: string })[] }>(
      bob,
      "GET",
      `/api/channels/${general}/messages?limit=1`,
    );
    const posted = page.items[0] as Msg & { body_md: string };
    expect(posted.body_md).toBe(`Read ${web.url("/article")}`);
    expect(posted.preview?.title).toBe("Launch day & more");

    expect((await hook({ text: `Read ${web.url("/other")}`, key: "daily" })).status).toBe(200);
    await t.app.idle();
    const updated = await t.json<Msg>(bob, "GET", `/api/messages/${posted.id}`);
    expect(updated.preview?.title).toBe("The other page");
    expect(updatesOf(posted.id).at(-1)?.preview?.title).toBe("The other page");
  });

  test("a webhook post saying unfurl_links: false gets no card, and its page is not fetched", async () => {
    const reply = await commandOk(t, alice, general, "/webhook create #general Quiet");
    const path = new URL(reply.effects[0]?.url as string).pathname;
    web.routes["/quiet"] = () => ogPage({ "og:title": "Quiet page" }, "");
    const res = await t.call(null, "POST", path, { text: `see ${web.url("/quiet")}`, unfurl_links: false });
    expect(res.status).toBe(200);
    await t.app.idle();
    const page = await t.json<{ items: Msg[] }>(bob, "GET", `/api/channels/${general}/messages?limit=1`);
    expect(page.items[0]?.preview).toBeNull();
    expect(web.publicVisits.filter((v) => v.path === "/quiet")).toEqual([]);
  });
});

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHmac } from "node:crypto";
import { eq } from "drizzle-orm";
import { integrationOutbox, users } from "../../lib/db/schema.ts";
import { acmeWithSecret, DB_KINDS, type Person, startTestApi, type TestApi } from "../support/api.ts";
import { command, commandOk } from "../support/commands.ts";
import { type OutsideWeb, startOutsideWeb } from "../support/outside-web.ts";

interface Msg {
  id: string;
  body_md: string;
  parent_id: string | null;
  author: { id: string | null; display_name: string; is_bot: boolean };
}

/** Slack's documented check, written out here rather than borrowed from the code under test. */
function slackWouldAccept(secret: string, req: Request, body: string) {
  const ts = req.headers.get("x-slack-request-timestamp") ?? "";
  const expected = `v0=${createHmac("sha256", secret).update(`v0:${ts}:${body}`).digest("hex")}`;
  return req.headers.get("x-slack-signature") === expected && Math.abs(Date.now() / 1000 - Number(ts)) < 300;
}

// A Slack-style outgoing-webhook bot, as its authors write one: it checks the token in the form
// (and, here, the signature made with it) and answers with text to post back.
describe.each(DB_KINDS)("outgoing webhooks (%s)", (kind) => {
  let web: OutsideWeb;
  let t: TestApi;
  let alice: Person;
  let bob: Person;
  let general: string;
  let secret: string;
  let random: string;
  let token = "";
  let hookId = "";
  const calls: { form: URLSearchParams; tokenOk: boolean; signed: boolean }[] = [];

  /** Waits until every event so far reached the API's worker and every call it queued was made. */
  async function settle() {
    for (let i = 0; i < 3; i++) {
      await t.delivered();
      await t.app.idle();
    }
  }
  const history = async (channel: string) =>
    (await t.json<{ items: Msg[] }>(alice, "GET", `/api/channels/${channel}/messages?limit=50`)).items;
  const post = (who: Person, channel: string, body: string) =>
    t.json<Msg>(who, "POST", `/api/channels/${channel}/messages`, { body_md: body });

  beforeAll(async () => {
    web = startOutsideWeb();
    web.routes["/bot"] = async (req) => {
      const body = await req.text();
      const form = new URLSearchParams(body);
      calls.push({ form, tokenOk: form.get("token") === token, signed: slackWouldAccept(token, req, body) });
      if (form.get("token") !== token) return new Response("bad token", { status: 403 });
      const text = form.get("text") ?? "";
      if (text.includes("quiet")) return new Response("", { status: 200 });
      return Response.json({
        // Starts with the trigger word itself: only the no-bots rule keeps this from looping.
        text: `!ping back at you, *${form.get("user_name")}*`,
        ...(text.includes("thread") ? { response_type: "comment" } : {}),
      });
    };
    t = await startTestApi(kind, { AJET_OUTBOX_POLL_MS: "50" }, undefined, web.outbound());
    alice = await t.person("alice");
    bob = await t.person("bob");
    ({ general, secret } = await acmeWithSecret(t, alice));
    await t.join(bob, "acme");
    random = (
      await t.json<{ id: string }>(alice, "POST", "/api/communities/acme/channels", { name: "random" })
    ).id;
    const created = await t.call(alice, "POST", "/api/communities/acme/outgoing-webhooks", {
      name: "Pinger",
      url: web.url("/bot"),
      channel_ids: [general],
      trigger_words: ["!ping"],
    });
    expect(created.status).toBe(201);
    const body = (await created.json()) as { webhook: { id: string }; token: string };
    token = body.token;
    hookId = body.webhook.id;
  });
  afterAll(async () => {
    await t?.close();
    web?.stop();
  });

  test("a message starting with a trigger word is POSTed as Slack's form, with the token and a v0 signature", async () => {
    calls.length = 0;
    const sent = await post(bob, general, "!ping hello there");
    await settle();
    expect(calls).toHaveLength(1);
    const [call] = calls;
    expect(call?.tokenOk).toBe(true);
    expect(call?.signed).toBe(true);
    expect(Object.fromEntries(call?.form ?? [])).toMatchObject({
      channel_id: general,
      channel_name: "general",
      team_domain: "acme",
      user_id: bob.id,
      user_name: "bob",
      text: "!ping hello there",
      trigger_word: "!ping",
      post_id: sent.id,
    });
    expect(call?.form.get("timestamp")).toMatch(/^\d+\.\d{6}$/);
  });

  test("the reply is posted into the channel by the webhook's bot, under its name, and does not trigger it again", async () => {
    calls.length = 0;
    await post(bob, general, "!ping once");
    await settle();
    const [reply] = await history(general);
    expect(reply?.body_md).toBe("!ping back at you, **bob**");
    expect(reply?.author).toMatchObject({ display_name: "Pinger", is_bot: true });
    const [bot] = await t.database.db
      .select()
      .from(users)
      .where(eq(users.id, reply?.author.id ?? ""));
    expect(bot?.kind).toBe("bot");
    // The reply starts with the trigger word too, yet only bob's message was sent.
    expect(calls.map((c) => c.form.get("text"))).toEqual(["!ping once"]);
  });

  test("response_type comment answers in the message's thread", async () => {
    const sent = await post(bob, general, "!ping thread please");
    await settle();
    const thread = await t.json<{ items: Msg[] }>(alice, "GET", `/api/messages/${sent.id}/replies`);
    const replies = thread.items.filter((m) => m.id !== sent.id);
    expect(replies.map((m) => [m.body_md, m.parent_id])).toEqual([["!ping back at you, **bob**", sent.id]]);
  });

  test("an empty reply posts nothing", async () => {
    const before = (await history(general)).length;
    await post(bob, general, "!ping quiet");
    await settle();
    expect((await history(general)).length).toBe(before + 1);
  });

  test("messages not starting with a trigger word are not sent", async () => {
    calls.length = 0;
    await post(bob, general, "hello, no trigger here");
    await post(bob, general, "and a later !ping does not count");
    // A message that does match, after them: the ones before were looked at and passed over.
    await post(bob, general, "!ping quiet");
    await settle();
    expect(calls.map((c) => c.form.get("text"))).toEqual(["!ping quiet"]);
  });

  test("messages in channels the webhook was not given are not sent, private ones included", async () => {
    calls.length = 0;
    await post(bob, random, "!ping from random");
    await post(alice, secret, "!ping from secret");
    await post(bob, general, "!ping quiet from general");
    await settle();
    expect(calls.map((c) => c.form.get("channel_name"))).toEqual(["general"]);
    const rows = await t.database.db
      .select()
      .from(integrationOutbox)
      .where(eq(integrationOutbox.targetId, hookId));
    expect(rows.map((r) => String(r.payload.text))).not.toContain("!ping from random");
  });

  test("a webhook set to JSON gets the same fields as JSON, signed, and its reply is posted too", async () => {
    const got: { body: Record<string, string>; signed: boolean }[] = [];
    let jsonToken = "";
    web.routes["/json-bot"] = async (req) => {
      const raw = await req.text();
      got.push({ body: JSON.parse(raw), signed: slackWouldAccept(jsonToken, req, raw) });
      return Response.json({ text: "json ok", username: "Jason" });
    };
    const made = await t.json<{ token: string }>(alice, "POST", "/api/communities/acme/outgoing-webhooks", {
      name: "Json",
      url: web.url("/json-bot"),
      channel_ids: [random],
      trigger_words: ["!json"],
      content_type: "json",
    });
    jsonToken = made.token;
    await post(bob, random, "!json please");
    await settle();
    expect(got).toHaveLength(1);
    expect(got[0]?.signed).toBe(true);
    expect(got[0]?.body).toMatchObject({
      token: jsonToken,
      text: "!json please",
      channel_name: "random",
      user_name: "bob",
    });
    const [reply] = await history(random);
    expect(reply).toMatchObject({ body_md: "json ok", author: { display_name: "Jason", is_bot: true } });
  });

  test("malformed webhooks are refused with the uniform error", async () => {
    for (const body of [
      { name: "x", url: "javascript:alert(1)" },
      { name: "x", url: web.url("/bot"), content_type: "xml" },
      { name: "", url: web.url("/bot") },
      { name: "x", url: web.url("/bot"), channel_ids: [] },
    ]) {
      const res = await t.call(alice, "POST", "/api/communities/acme/outgoing-webhooks", body);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBeString();
    }
  });

  test("each call is in the webhook's delivery log with its token masked", async () => {
    await post(bob, general, "!ping for the log");
    await settle();
    const log = await t.json<{ items: { ok: boolean; status: number; request: string }[] }>(
      alice,
      "GET",
      `/api/communities/acme/outgoing-webhooks/${hookId}/deliveries`,
    );
    expect(log.items.length).toBeGreaterThan(0);
    expect(log.items[0]).toMatchObject({ ok: true, status: 200 });
    expect(JSON.stringify(log.items)).not.toContain(token);
    expect(log.items[0]?.request).toContain("token=[redacted]");
  });

  test("only owners and admins manage outgoing webhooks, and the token is never listed", async () => {
    const refused = await t.call(bob, "POST", "/api/communities/acme/outgoing-webhooks", {
      name: "Mine",
      url: web.url("/bot"),
    });
    expect(refused.status).toBe(403);
    expect((await t.call(bob, "GET", "/api/communities/acme/outgoing-webhooks")).status).toBe(403);
    const listed = await t.json<{ items: { id: string }[] }>(
      alice,
      "GET",
      "/api/communities/acme/outgoing-webhooks",
    );
    expect(listed.items.map((h) => h.id)).toContain(hookId);
    expect(JSON.stringify(listed)).not.toContain(token);
  });

  test("an admin cannot point a webhook at a private channel they cannot read", async () => {
    const carol = await t.person(`carol${kind}`);
    await t.join(carol, "acme", "admin");
    const res = await t.call(carol, "POST", "/api/communities/acme/outgoing-webhooks", {
      name: "Spy",
      url: web.url("/bot"),
      channel_ids: [secret],
    });
    expect(res.status).toBe(404);
    // One made by alice on #secret: carol sees that it exists, not where it listens nor what it sent.
    const made = await t.json<{ webhook: { id: string } }>(
      alice,
      "POST",
      "/api/communities/acme/outgoing-webhooks",
      {
        name: "Secret keeper",
        url: web.url("/bot"),
        channel_ids: [secret],
      },
    );
    const base = `/api/communities/acme/outgoing-webhooks/${made.webhook.id}`;
    const listed = await t.json<{ items: { id: string; channels: string[] }[] }>(
      carol,
      "GET",
      "/api/communities/acme/outgoing-webhooks",
    );
    const seen = listed.items.find((h) => h.id === made.webhook.id);
    expect(seen?.channels).toEqual(["(a private channel)"]);
    expect(JSON.stringify(listed)).not.toContain(secret);
    expect(JSON.stringify(listed)).not.toContain('"secret"');
    for (const path of [`${base}/deliveries`, `${base}/dead-letters`])
      expect((await t.call(carol, "GET", path)).status).toBe(404);
    expect((await t.call(carol, "POST", `${base}/dead-letters/retry`, {})).status).toBe(404);
    expect((await t.call(alice, "GET", `${base}/deliveries`)).status).toBe(200);
    await t.json(alice, "DELETE", base);
  });

  test("/outgoing create shows the token once; list and delete manage it; a deleted webhook is not called", async () => {
    const created = await commandOk(t, alice, general, `/outgoing create #random ${web.url("/bot")} deploy`);
    const effect = created.effects[0] as unknown as { webhook_id: string; token: string };
    expect(created.reply_md).toContain(effect.token);
    expect(created.reply_md).toContain("#random");
    const listed = await commandOk(t, alice, general, "/outgoing list");
    expect(listed.reply_md).toContain(effect.webhook_id);
    expect(listed.reply_md).not.toContain(effect.token);
    await commandOk(t, alice, general, `/outgoing delete ${effect.webhook_id}`);
    calls.length = 0;
    await post(bob, random, "deploy now");
    await settle();
    expect(calls).toHaveLength(0);
  });

  test("a webhook for all channels hears every public channel and no private one", async () => {
    const created = await commandOk(t, alice, general, `/outgoing create all ${web.url("/bot")} quiet`);
    const effect = created.effects[0] as unknown as { webhook_id: string };
    calls.length = 0;
    await post(alice, secret, "quiet in secret");
    await post(bob, random, "quiet in random");
    await settle();
    expect(calls.map((c) => c.form.get("channel_name"))).toEqual(["random"]);
    await commandOk(t, alice, general, `/outgoing delete ${effect.webhook_id}`);
  });

  test("/outgoing refuses malformed input and people who are not admins", async () => {
    const bad = await command(t, alice, general, "/outgoing create #random not-a-url");
    expect(bad.status).toBe(400);
    expect((await command(t, bob, general, "/outgoing list")).status).toBe(403);
  });
});

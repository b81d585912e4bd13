import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  IncomingWebhook,
  type IncomingWebhookHTTPError,
  type IncomingWebhookSendArguments,
} from "@slack/webhook";
import { and, eq } from "drizzle-orm";
import { channels, messages, notifications, webhooks } from "../../lib/db/schema.ts";
import { type Listening, listen } from "../../lib/http/listen.ts";
import { DB_KINDS, type Person, startTestApi, type TestApi } from "../support/api.ts";
import { commandOk } from "../support/commands.ts";
import { gatewayOver } from "../support/gateway.ts";
import { freePort } from "../support/ports.ts";

/** Slack's arguments plus ours: Slack's client sends whatever fields it is given. */
const send = (
  hook: IncomingWebhook,
  args: IncomingWebhookSendArguments & { key?: string; thread_key?: string },
) => hook.send(args);

interface Channel {
  id: string;
  name: string;
}
interface Message {
  id: string;
  body_md: string;
  parent_id: string | null;
  edited_at: string | null;
  embeds: unknown;
  author: { display_name: string; avatar_url: string | null; is_bot: boolean; webhook_id?: string };
  mentions: { type: string; user_id: string | null; username: string | null }[];
}

describe.each(DB_KINDS)("Slack-compatible incoming webhooks over HTTP on %s", (kind) => {
  let t: TestApi;
  let server: Listening;
  let alice: Person;
  let bob: Person;
  let ci: string;
  let base: string;

  const call = <T = Record<string, unknown>>(who: Person, method: string, path: string, body?: unknown) =>
    t.json<T>(who, method, path, body);
  /** A new webhook into #ci, made with the slash command; its URL and id. */
  const newHook = async (name = "CI") => {
    const reply = await commandOk(t, alice, ci, `/webhook create #ci ${name}`);
    return { url: reply.effects[0]?.url as string, id: reply.effects[0]?.webhook_id as string };
  };
  const newest = async () =>
    (await call<{ items: Message[] }>(alice, "GET", `/api/channels/${ci}/messages?limit=1`))
      .items[0] as Message;
  const raw = (url: string, body: string, contentType = "application/json") =>
    fetch(url, { method: "POST", headers: { "content-type": contentType }, body });

  beforeAll(async () => {
    const port = freePort();
    base = `http://127.0.0.1:${port}`;
    t = await startTestApi(kind, { AJET_PUBLIC_URL: base });
    server = listen(gatewayOver(t, { AJET_PUBLIC_URL: base }), {
      host: "127.0.0.1",
      port,
      maxRequestBodySize: 4 * 1024 * 1024,
    });
    [alice, bob] = (await Promise.all(["alice", "bob"].map((n) => t.person(n)))) as [Person, Person];
    await call(alice, "POST", "/api/communities", { name: "Acme", slug: "acme" });
    await t.join(bob, "acme");
    ci = (await call<Channel>(alice, "POST", "/api/communities/acme/channels", { name: "ci" })).id;
    await call(bob, "POST", `/api/channels/${ci}/join`);
  });
  afterAll(async () => {
    await server?.stop(100);
    await t.close();
  });

  test("/webhook create answers the URL once; only the token's hash is stored", async () => {
    const reply = await commandOk(t, alice, ci, "/webhook create #ci Build bot");
    const url = reply.effects[0]?.url as string;
    const id = reply.effects[0]?.webhook_id as string;
    expect(url).toStartWith(`${base}/hook/${id}/ajw_`);
    expect(url.split("/").at(-1)).toMatch(/^ajw_[0-9a-f]{32}\.[A-Za-z0-9_-]{43}$/);
    expect(reply.reply_md).toContain(url);
    const secret = url.split(".").at(-1) as string;
    const [row] = await t.database.db.select().from(webhooks).where(eq(webhooks.id, id));
    expect(row).toMatchObject({ name: "Build bot", channelId: ci, createdBy: alice.id });
    expect(row?.tokenHash).not.toContain(secret);
    const list = await commandOk(t, alice, ci, "/webhook list");
    expect(list.reply_md).toContain(`| \`${row?.id}\` | Build bot | #ci |`);
    expect(list.reply_md).not.toContain(secret);
  });

  test("Slack's own client posts text, and the message shows the webhook's name with the bot marker", async () => {
    const { url, id } = await newHook("Jenkins");
    const hook = new IncomingWebhook(url);
    expect(await hook.send("*Build #41* passed: <https://ci.test/41|details>")).toEqual({ text: "ok" });
    const message = await newest();
    expect(message.body_md).toBe("**Build #41** passed: [details](https://ci.test/41)");
    expect(message.author).toMatchObject({ display_name: "Jenkins", is_bot: true, webhook_id: id });
    expect(message.embeds).toBeNull();
  });

  test("Slack's client sends attachments and blocks; they are kept as structured data", async () => {
    const hook = new IncomingWebhook((await newHook()).url, { username: "deployer", icon_emoji: ":rocket:" });
    await hook.send({
      text: "Deploy *v2* done",
      attachments: [
        {
          color: "good",
          title: "api",
          title_link: "https://ci.test/api",
          fields: [{ title: "Env", value: "prod", short: true }],
          footer: "deploys",
          ts: "1700000000",
        },
      ],
      blocks: [
        { type: "header", text: { type: "plain_text", text: "Deploy v2" } },
        { type: "divider" },
        { type: "section", text: { type: "mrkdwn", text: "_all green_" } },
      ],
    });
    const message = await newest();
    expect(message.body_md).toBe("Deploy **v2** done");
    expect(message.author.display_name).toBe("deployer");
    expect(message.embeds).toEqual({
      body_is_fallback: true,
      icon_emoji: ":rocket:",
      blocks: [
        { type: "header", text: "Deploy v2" },
        { type: "divider" },
        { type: "section", text_md: "_all green_" },
      ],
      attachments: [
        {
          color: "#2eb886",
          title: "api",
          title_link: "https://ci.test/api",
          fields: [{ title: "Env", value_md: "prod", short: true }],
          footer: "deploys",
          ts: 1_700_000_000,
        },
      ],
    });
  });

  test("errors come back to Slack's client as Slack's words", async () => {
    const { url } = await newHook();
    const wrong = new IncomingWebhook(url.replace(/.$/, (c) => (c === "A" ? "B" : "A")));
    const error = (await wrong.send("hi").catch((e: unknown) => e)) as IncomingWebhookHTTPError;
    expect(error.statusCode).toBe(404);
    expect(error.body).toBe("no_service");
  });

  test("the form-encoded payload=<json> variant", async () => {
    const { url } = await newHook();
    const body = new URLSearchParams({
      payload: JSON.stringify({ text: "from a *form*", username: "cron" }),
    });
    const res = await raw(url, body.toString(), "application/x-www-form-urlencoded");
    expect([res.status, await res.text(), res.headers.get("content-type")]).toEqual([
      200,
      "ok",
      "text/plain; charset=utf-8",
    ]);
    const message = await newest();
    expect([message.body_md, message.author.display_name]).toEqual(["from a **form**", "cron"]);
  });

  test("malformed, empty, oversized, wrong token, unknown webhook: Slack's answers, nothing posted", async () => {
    const { url, id } = await newHook();
    const before = (await newest()).id;
    const answers = [
      await raw(url, "{text: nope"),
      await raw(url, '{"text": ""}'),
      await raw(url, '{"text":"x","blocks":[{"type":"section"}]}'),
      await raw(url, JSON.stringify({ text: "x".repeat(1_100_000) })),
      await raw(url.replace(/\/ajw_[0-9a-f]{4}/, "/ajw_0000"), '{"text":"x"}'),
      await raw(`${base}/hook/${id}/not-a-token`, '{"text":"x"}'),
      await raw(`${base}/hook/0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b/${url.split("/").at(-1)}`, '{"text":"x"}'),
    ];
    expect(await Promise.all(answers.map(async (r) => [r.status, await r.text()]))).toEqual([
      [400, "invalid_payload"],
      [400, "no_text"],
      [400, "invalid_blocks"],
      [413, "payload_too_large"],
      [404, "no_service"],
      [404, "no_service"],
      [404, "no_service"],
    ]);
    expect((await newest()).id).toBe(before);
  });

  test("a revoked webhook stops at once", async () => {
    const { url, id } = await newHook();
    expect((await raw(url, '{"text":"before"}')).status).toBe(200);
    expect((await commandOk(t, alice, ci, `/webhook revoke ${id}`)).reply_md).toBe(
      "Revoked webhook **CI**; its URL no longer works.",
    );
    const res = await raw(url, '{"text":"after"}');
    expect([res.status, await res.text()]).toEqual([404, "no_service"]);
    expect((await commandOk(t, alice, ci, "/webhook list")).reply_md).not.toContain(id);
  });

  test("an archived channel answers 410 channel_is_archived", async () => {
    const { id: old } = await call<Channel>(alice, "POST", "/api/communities/acme/channels", { name: "old" });
    const made = await commandOk(t, alice, ci, "/webhook create #old Legacy");
    await t.database.db.update(channels).set({ archivedAt: new Date() }).where(eq(channels.id, old));
    const res = await raw(made.effects[0]?.url as string, '{"text":"x"}');
    expect([res.status, await res.text()]).toEqual([410, "channel_is_archived"]);
  });

  test("a burst past the per-webhook limit gets 429 with Retry-After; other webhooks are unaffected", async () => {
    const { url } = await newHook("Noisy");
    const answers = await Promise.all(
      Array.from({ length: 25 }, (_, i) => raw(url, JSON.stringify({ text: `n${i}` }))),
    );
    const limited = answers.filter((r) => r.status === 429);
    expect(answers.filter((r) => r.status === 200).length).toBeGreaterThanOrEqual(20);
    expect(limited.length).toBeGreaterThanOrEqual(1);
    expect(await limited[0]?.text()).toBe("rate_limited");
    expect(Number(limited[0]?.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect((await raw((await newHook()).url, '{"text":"calm"}')).status).toBe(200);
  });

  test("`key`: a second post with the same key edits the first message and publishes message.updated", async () => {
    const hook = new IncomingWebhook((await newHook()).url);
    await send(hook, { text: "build #42 *running*", key: "build-42" });
    const first = await newest();
    await t.delivered();
    t.events.length = 0;
    await send(hook, {
      text: "build #42 *passed* @bob",
      key: "build-42",
      attachments: [{ color: "good", text: "3m" }],
    });
    await t.delivered();
    expect(t.events.map((e) => e.event.type)).toEqual(["message.updated"]);
    const edited = await newest();
    expect(edited.id).toBe(first.id);
    expect(edited.body_md).toBe("build #42 **passed** @bob");
    expect(edited.edited_at).not.toBeNull();
    expect(edited.mentions).toEqual([
      { type: "user", user_id: bob.id, username: "bob" },
    ] as unknown as Message["mentions"]);
    expect(edited.embeds).toEqual({
      body_is_fallback: false,
      attachments: [{ color: "#2eb886", text_md: "3m" }],
    });
    await send(hook, { text: "build #43 running", key: "build-43" });
    expect((await newest()).id).not.toBe(first.id);
  });

  test("`key` of a deleted message starts a new one", async () => {
    const hook = new IncomingWebhook((await newHook()).url);
    await send(hook, { text: "v1", key: "status" });
    const first = await newest();
    await call(alice, "DELETE", `/api/messages/${first.id}`);
    await send(hook, { text: "v2", key: "status" });
    const second = await newest();
    expect(second.id).not.toBe(first.id);
    expect(second.body_md).toBe("v2");
  });

  test("`thread_key`: the first post starts a thread and later ones reply in it", async () => {
    const hook = new IncomingWebhook((await newHook()).url);
    await send(hook, { text: "PR #7 opened", thread_key: "pr-7" });
    const root = await newest();
    expect(root.parent_id).toBeNull();
    await send(hook, { text: "CI passed", thread_key: "pr-7" });
    await send(hook, { text: "PR #8 opened", thread_key: "pr-8" });
    await send(hook, { text: "merged", thread_key: "pr-7" });
    const replies = await call<{ items: Message[] }>(alice, "GET", `/api/messages/${root.id}/replies`);
    expect(replies.items.map((m) => [m.body_md, m.parent_id])).toEqual([
      ["CI passed", root.id],
      ["merged", root.id],
    ]);
    expect((await newest()).body_md).toBe("PR #8 opened");
    const other = new IncomingWebhook((await newHook()).url);
    await send(other, { text: "same key, other webhook", thread_key: "pr-7" });
    expect((await newest()).parent_id).toBeNull();
  });

  test("mentions in webhook messages notify like any message", async () => {
    const hook = new IncomingWebhook((await newHook()).url);
    await hook.send("deploy needs a look @bob <!channel>");
    const message = await newest();
    expect(message.body_md).toBe("deploy needs a look @bob @channel");
    const told = await t.database.db
      .select()
      .from(notifications)
      .where(eq(notifications.sourceId, message.id));
    expect(told.map((n) => [n.userId, n.type]).sort()).toEqual(
      [
        [alice.id, "mention"],
        [bob.id, "mention"],
      ].sort(),
    );
  });

  test("a webhook's @channel notifies every member of the channel, since a webhook is no one to leave out", async () => {
    const hook = new IncomingWebhook((await newHook()).url);
    await hook.send("<!channel> the release is out");
    const message = await newest();
    const told = await t.database.db
      .select()
      .from(notifications)
      .where(eq(notifications.sourceId, message.id));
    expect(told.map((n) => [n.userId, n.type, n.reason, n.actorId]).sort()).toEqual(
      [
        [alice.id, "mention", "channel", null],
        [bob.id, "mention", "channel", null],
      ].sort(),
    );
  });

  test("a webhook that does not allow overrides keeps its own name and avatar", async () => {
    const { url, id } = await newHook("Strict");
    await t.database.db
      .update(webhooks)
      .set({ allowOverride: false, avatarUrl: "https://x.test/strict.png" })
      .where(eq(webhooks.id, id));
    await new IncomingWebhook(url).send({
      text: "hi",
      username: "impostor",
      icon_url: "https://x.test/fake.png",
    });
    const message = await newest();
    expect(message.author).toMatchObject({ display_name: "Strict", avatar_url: "https://x.test/strict.png" });
    const [row] = await t.database.db
      .select()
      .from(messages)
      .where(and(eq(messages.id, message.id), eq(messages.webhookId, id)));
    expect(row?.authorName).toBeNull();
  });

  test("only POST is a webhook", async () => {
    const { url } = await newHook();
    expect((await fetch(url)).status).toBe(405);
  });
});

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import sharp from "sharp";
import type { DeliveryJson, MessageJson } from "../../lib/client/views.ts";
import { messages } from "../../lib/db/schema.ts";
import { type Listening, listen } from "../../lib/http/listen.ts";
import { messageLines } from "../../lib/terminal/tui/view.ts";
import { messageItem } from "../../services/web-sm/views/message.ts";
import { DB_KINDS, type Person, startTestApi, type TestApi } from "../support/api.ts";
import { command, commandOk } from "../support/commands.ts";
import { gatewayOver } from "../support/gateway.ts";
import { type OutsideWeb, startOutsideWeb } from "../support/outside-web.ts";
import { freePort } from "../support/ports.ts";
import { jsonLines, runCli } from "../support/terminal.ts";

type Delivery = DeliveryJson;
interface DryRun {
  ok: boolean;
  dry_run: boolean;
  action: "post" | "edit";
  message: MessageJson & { body_html: string };
  warnings: string[];
}

const png = () =>
  sharp({ create: { width: 200, height: 200, channels: 3, background: "#3366cc" } })
    .png()
    .toBuffer();
const MAX_BODY = 64 * 1024;

describe.each(DB_KINDS)("the webhook inspector, dry runs and webhook faces (%s)", (kind) => {
  let web: OutsideWeb;
  let t: TestApi;
  let server: Listening;
  let base: string;
  let alice: Person;
  let bob: Person;
  let carol: Person;
  let ci: string;

  const newHook = async (name: string, extra = "") => {
    const reply = await commandOk(t, alice, ci, `/webhook create #ci ${name}${extra}`);
    return { url: reply.effects[0]?.url as string, id: reply.effects[0]?.webhook_id as string };
  };
  const post = (url: string, body: string | object, contentType = "application/json") =>
    fetch(url, {
      method: "POST",
      headers: { "content-type": contentType },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
  const deliveries = async (who: Person, id: string) =>
    (await t.json<{ items: Delivery[] }>(who, "GET", `/api/webhooks/${id}/deliveries`)).items;
  const newest = async () =>
    (await t.json<{ items: MessageJson[] }>(alice, "GET", `/api/channels/${ci}/messages?limit=1`))
      .items[0] as MessageJson;
  const messageCount = async () =>
    (await t.database.db.select({ id: messages.id }).from(messages).where(eq(messages.channelId, ci))).length;

  beforeAll(async () => {
    web = startOutsideWeb();
    for (const path of ["/logo.png", "/jenkins.png"])
      web.routes[path] = async () => new Response(await png(), { headers: { "content-type": "image/png" } });
    const port = freePort();
    base = `http://127.0.0.1:${port}`;
    const env = { AJET_PUBLIC_URL: base, AJET_MAX_BODY_BYTES: String(MAX_BODY) };
    t = await startTestApi(kind, env, undefined, web.outbound());
    server = listen(gatewayOver(t, env), { host: "127.0.0.1", port, maxRequestBodySize: 4 * 1024 * 1024 });
    [alice, bob, carol] = (await Promise.all(["alice", "bob", "carol"].map((n) => t.person(n)))) as [
      Person,
      Person,
      Person,
    ];
    await t.json(alice, "POST", "/api/communities", { name: "Acme", slug: "acme" });
    await t.join(bob, "acme");
    await t.json(carol, "POST", "/api/communities", { name: "Other", slug: "other" });
    ci = (await t.json<{ id: string }>(alice, "POST", "/api/communities/acme/channels", { name: "ci" })).id;
  });
  afterAll(async () => {
    await server?.stop(100);
    await t?.close();
    web?.stop();
  });

  test("a failing webhook's log tells its owner why in one look, through the API and the CLI", async () => {
    const { url, id } = await newHook("Failing");
    const wrongToken = url.replace(/.$/, (c) => (c === "A" ? "B" : "A"));
    const answers = [
      await post(url, "{text: nope"),
      await post(url, { text: "" }),
      await post(url, { text: "x", blocks: [{ type: "section" }] }),
      await post(url, { text: 42 }),
      await post(url, { text: "x".repeat(MAX_BODY) }),
      await post(wrongToken, { text: "from an old URL" }),
      await post(url, { text: "finally", unfurl_links: true }),
    ];
    expect(answers.map((r) => r.status)).toEqual([400, 400, 400, 400, 413, 404, 200]);

    const log = await deliveries(alice, id);
    expect(log.map((d) => [d.kind, d.status, d.ok, d.dry_run])).toEqual([
      ["incoming_webhook", 200, true, false],
      ["incoming_webhook", 404, false, false],
      ["incoming_webhook", 413, false, false],
      ["incoming_webhook", 400, false, false],
      ["incoming_webhook", 400, false, false],
      ["incoming_webhook", 400, false, false],
      ["incoming_webhook", 400, false, false],
    ]);
    const errors = log.map((d) => d.error);
    expect(errors[0]).toBeNull();
    expect(errors[1]).toBe("wrong token: the URL's secret is not this webhook's");
    expect(errors[2]).toBe(`the body is larger than ${MAX_BODY} bytes`);
    expect(errors[3]).toBe("`text`: expected string, received number");
    expect(errors[4]).toBe("a section block is malformed: `blocks[0]`: a section needs text or fields");
    expect(errors[5]).toBe("`text` or `blocks` is required: nothing in the payload has text to show");
    expect(errors[6]).toStartWith("body is not JSON: ");
    expect(log[6]?.request).toBe("{text: nope");
    expect(log[6]?.response).toBe("invalid_payload");
    expect(log[0]?.response).toBe(
      "ok\nwarning: `unfurl_links` is ignored: a link gets a preview unless the community turned them off (`false` turns it off)",
    );
    expect(log.every((d) => d.latency_ms >= 0)).toBe(true);

    const env = { AJET_SERVER: base, AJET_TOKEN: alice.token };
    const cli = await runCli(["webhooks", "log", "Failing", "--community", "acme", "--json"], { env });
    expect([cli.code, cli.stderr]).toEqual([0, ""]);
    expect(jsonLines<Delivery>(cli.stdout)).toEqual(log);
    const plain = await runCli(["webhooks", "log", id, "--community", "acme"], { env });
    expect(plain.stdout).toContain("a section block is malformed");
    expect(plain.stdout).toContain("wrong token");
    const missing = await runCli(["webhooks", "log", "Nope", "--community", "acme"], { env });
    expect([missing.code, missing.stderr.trim()]).toEqual([
      3,
      'ajet-chat: no webhook named "Nope" (webhooks list shows them)',
    ]);
  });

  test("a refused body holding NUL bytes is answered 400 and logged with them escaped", async () => {
    const { url, id } = await newHook("Binary");
    const answers = [
      await post(url, "\u0006\u0000bin", "text/plain"),
      await post(url, '{"text":"a\u0000b"}'),
    ];
    expect(answers.map((r) => r.status)).toEqual([400, 400]);
    const log = await deliveries(alice, id);
    expect(log.map((d) => [d.status, d.request])).toEqual([
      [400, '{"text":"a\\u0000b"}'],
      [400, "\u0006\\u0000bin"],
    ]);
  });

  test("refusals anyone with the id could cause are logged only a few at a time, so the log keeps its calls", async () => {
    const { url, id } = await newHook("Flooded");
    expect((await post(url, { text: "the call that matters" })).status).toBe(200);
    const wrong = url.replace(/.$/, (c) => (c === "A" ? "B" : "A"));
    const answers = await Promise.all(Array.from({ length: 15 }, () => post(wrong, { text: "spam" })));
    expect(answers.every((r) => r.status === 404)).toBe(true);
    const log = await deliveries(alice, id);
    const refusals = log.filter((d) => d.status === 404);
    expect(refusals.length).toBeGreaterThanOrEqual(1);
    expect(refusals.length).toBeLessThanOrEqual(6);
    expect(refusals.every((d) => d.request === "" && d.error?.startsWith("wrong token"))).toBe(true);
    expect(log.at(-1)?.request).toContain("the call that matters");

    const noisy = await newHook("Noisy");
    const burst = await Promise.all(Array.from({ length: 26 }, (_, i) => post(noisy.url, { text: `n${i}` })));
    expect(burst.some((r) => r.status === 429)).toBe(true);
    const limited = (await deliveries(alice, noisy.id)).filter((d) => d.status === 429);
    expect(limited.length).toBeGreaterThanOrEqual(1);
    expect(limited.length).toBeLessThanOrEqual(6);
    expect(limited[0]?.error).toMatch(
      /^rate limited: more than 20 posts at once, then 1 a second; retry after \d+ s$/,
    );

    const gone = await newHook("Gone");
    await commandOk(t, alice, ci, `/webhook revoke ${gone.id}`);
    expect((await post(gone.url, { text: "late" })).status).toBe(404);
    expect((await deliveries(alice, gone.id)).map((d) => d.error)).toEqual(["the webhook is revoked"]);
    expect((await t.call(alice, "PATCH", `/api/webhooks/${gone.id}`, { name: "Back" })).status).toBe(410);
    // An id nobody has is nobody's log: nothing is written for it.
    const unknown = `${base}/hook/0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b/${url.split("/").at(-1)}`;
    expect((await post(unknown, { text: "x" })).status).toBe(404);
    expect(
      (await t.call(alice, "GET", "/api/webhooks/0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b/deliveries")).status,
    ).toBe(404);
  });

  test("secrets in a payload never reach the log", async () => {
    const { url, id } = await newHook("Leaky");
    const botToken = `ajt_${"ab".repeat(16)}.${"S".repeat(43)}`;
    const res = await post(url, {
      text: `deploying with ${botToken} and xoxb-1234-5678-sekrit`,
      token: "legacy-verification-secret",
      response_url: "https://hooks.slack.test/commands/T1/sekrit-path",
      password: "hunter2",
    });
    expect(res.status).toBe(200);
    const [entry] = await deliveries(alice, id);
    const shown = JSON.stringify(entry);
    for (const secret of ["S".repeat(43), "sekrit", "legacy-verification-secret", "hunter2"])
      expect(shown).not.toContain(secret);
    // The URL's own token is not in the log either: only its managers' view of the call is.
    expect(shown).not.toContain(url.split("/").at(-1) as string);
    expect(entry?.request).toContain("deploying with ajt_[redacted]");

    // A parser's complaint quotes what it read: masked too.
    expect((await post(url, `{"text": ${botToken}}`)).status).toBe(400);
    const [unparsed] = await deliveries(alice, id);
    expect(unparsed?.error).toBe(
      'body is not JSON: JSON Parse error: Unexpected identifier "ajt_[redacted]"',
    );
    expect(JSON.stringify(unparsed)).not.toContain("ab".repeat(16));

    // Slack's form variant: the payload JSON inside the form is masked field by field too.
    const form = new URLSearchParams({
      payload: JSON.stringify({ text: "from a form", token: "form-sekrit" }),
    });
    expect((await post(url, form.toString(), "application/x-www-form-urlencoded")).status).toBe(200);
    const [fromForm] = await deliveries(alice, id);
    expect(fromForm?.request).toBe('{"text":"from a form","token":"[redacted]"}');
  });

  test("a dry run answers the message as it would be drawn, with warnings, and posts nothing", async () => {
    const { url, id } = await newHook("Deployer");
    const before = await messageCount();
    await t.delivered();
    const eventsBefore = t.events.length;
    const res = await post(`${url}?dry_run=1`, {
      text: "Deploy *v2* <https://ci.test/2|done>",
      username: "deploy-bot",
      icon_emoji: ":rocket:",
      channel: "#random",
      link_names: 1,
      attachments: [{ color: "good", title: "api", actions: [{ type: "button" }] }],
      blocks: [
        { type: "section", text: { type: "mrkdwn", text: "_all green_" } },
        { type: "actions", elements: [] },
      ],
    });
    expect(res.status).toBe(200);
    const dry = (await res.json()) as DryRun;
    expect(dry).toMatchObject({ ok: true, dry_run: true, action: "post" });
    expect(dry.message).toMatchObject({
      id: null,
      channel_id: ci,
      parent_id: null,
      body_md: "Deploy **v2** [done](https://ci.test/2)",
      author: {
        display_name: "deploy-bot",
        avatar_emoji: "🚀",
        avatar_url: null,
        is_bot: true,
        webhook_id: id,
      },
      embeds: {
        body_is_fallback: true,
        icon_emoji: ":rocket:",
        blocks: [{ type: "section", text_md: "_all green_" }],
        attachments: [{ color: "#2eb886", title: "api" }],
      },
    });
    expect(dry.message.body_html).toContain("<strong>v2</strong>");
    expect(dry.message.body_html).toContain('href="https://ci.test/2"');
    expect(dry.warnings).toEqual([
      "`channel` is ignored: a webhook posts only into its own channel",
      "`link_names` is ignored: @names are always linked",
      "`blocks[1]` of type `actions` is not shown",
      "`attachments[0].actions` is ignored",
    ]);

    const bad = await post(`${url}?dry_run=1`, { text: "" });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({
      error: {
        code: "no_text",
        message: "`text` or `blocks` is required: nothing in the payload has text to show",
      },
    });

    // Why a URL is refused stays in the log: the caller learns only that it is not a live webhook.
    const unknownUrl = `${base}/hook/0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b/${url.split("/").at(-1)}?dry_run=1`;
    const wrongToken = `${url.replace(/.$/, (c) => (c === "A" ? "B" : "A"))}?dry_run=1`;
    for (const target of [wrongToken, unknownUrl]) {
      const refused = await post(target, { text: "x" });
      expect([refused.status, await refused.json()]).toEqual([
        404,
        { error: { code: "no_service", message: "no live webhook at this URL" } },
      ]);
    }

    await t.delivered();
    expect(await messageCount()).toBe(before);
    expect(t.events.length).toBe(eventsBefore);
    const log = await deliveries(alice, id);
    expect(log.map((d) => [d.status, d.dry_run, d.error])).toEqual([
      [404, true, "wrong token: the URL's secret is not this webhook's"],
      [400, true, "`text` or `blocks` is required: nothing in the payload has text to show"],
      [200, true, null],
    ]);
    expect(log[2]?.response).toContain("warning: `channel` is ignored");

    // A dry run with a key that was used says it would edit that message.
    expect((await post(url, { text: "v1", key: "status" })).status).toBe(200);
    const first = await newest();
    const edit = (await (await post(`${url}?dry_run=true`, { text: "v2", key: "status" })).json()) as DryRun;
    expect([edit.action, edit.message.id]).toEqual(["edit", first.id]);
    expect((await newest()).body_md).toBe("v1");
  });

  test("only the webhook's managers read its log or change it", async () => {
    const { id } = await newHook("Guarded");
    const general = (
      await t.json<{ items: { id: string; name: string }[] }>(alice, "GET", "/api/communities/acme/channels")
    ).items.find((c) => c.name === "general")?.id as string;
    await t.json(bob, "POST", `/api/channels/${ci}/join`);
    const asked = async (who: Person, method: string, path: string, body?: unknown) => {
      const res = await t.call(who, method, path, body);
      return [res.status, ((await res.json()) as { error?: { code: string } }).error?.code];
    };
    expect(await asked(bob, "GET", `/api/webhooks/${id}/deliveries`)).toEqual([403, "forbidden"]);
    expect(await asked(bob, "GET", `/api/webhooks/${id}`)).toEqual([403, "forbidden"]);
    expect(await asked(bob, "PATCH", `/api/webhooks/${id}`, { name: "Mine" })).toEqual([403, "forbidden"]);
    expect(await asked(bob, "GET", "/api/communities/acme/webhooks")).toEqual([403, "forbidden"]);
    expect(await asked(carol, "GET", `/api/webhooks/${id}/deliveries`)).toEqual([404, "not_found"]);
    expect(await asked(carol, "PATCH", `/api/webhooks/${id}`, { name: "Mine" })).toEqual([404, "not_found"]);
    expect(await asked(carol, "GET", "/api/communities/acme/webhooks")).toEqual([404, "not_found"]);
    expect((await command(t, bob, general, "/webhook log Guarded")).status).toBe(403);
    expect((await command(t, bob, general, "/webhook test Guarded")).status).toBe(403);
    const cli = await runCli(["webhooks", "log", id, "--community", "acme"], {
      env: { AJET_SERVER: base, AJET_TOKEN: bob.token },
    });
    expect(cli.code).not.toBe(0);
    expect(cli.stdout).toBe("");
    const list = await t.json<{ items: { id: string; name: string }[] }>(
      alice,
      "GET",
      "/api/communities/acme/webhooks",
    );
    expect(list.items.map((w) => w.name)).toContain("Guarded");
    expect(JSON.stringify(list)).not.toContain("ajw_");
  });

  test("an admin outside a private channel cannot read the log of its webhook, which holds what it posted there", async () => {
    const dan = await t.person("dan");
    await t.join(dan, "acme", "admin");
    const ops = (
      await t.json<{ id: string }>(alice, "POST", "/api/communities/acme/channels", {
        name: "ops",
        visibility: "private",
      })
    ).id;
    const made = await commandOk(t, alice, ops, "/webhook create #ops Pager");
    const hook = { url: made.effects[0]?.url as string, id: made.effects[0]?.webhook_id as string };
    expect((await post(hook.url, { text: "PAGER-SECRET-91 is down" })).status).toBe(200);
    expect((await deliveries(alice, hook.id))[0]?.request).toContain("PAGER-SECRET-91");

    const general = (
      await t.json<{ items: { id: string; name: string }[] }>(dan, "GET", "/api/communities/acme/channels")
    ).items.find((c) => c.name === "general")?.id as string;
    const answers = [
      await t.call(dan, "GET", `/api/webhooks/${hook.id}/deliveries`),
      await t.call(dan, "GET", `/api/webhooks/${hook.id}`),
      await t.call(dan, "PATCH", `/api/webhooks/${hook.id}`, { name: "Mine" }),
      await t.call(dan, "GET", "/api/communities/acme/webhooks"),
      await t.call(dan, "POST", "/api/commands", { channel_id: general, text: `/webhook log ${hook.id}` }),
      await t.call(dan, "POST", "/api/commands", { channel_id: general, text: "/webhook test Pager" }),
      await t.call(dan, "POST", "/api/commands", { channel_id: general, text: "/webhook list" }),
      await t.call(dan, "POST", "/api/commands", { channel_id: general, text: `/webhook revoke ${hook.id}` }),
    ];
    expect(answers.map((r) => r.status)).toEqual([404, 404, 404, 200, 404, 404, 200, 404]);
    const texts = await Promise.all(answers.map((r) => r.text()));
    for (const text of texts) expect(text).not.toContain("PAGER-SECRET-91");
    // Beyond quoting back what dan typed, nothing names the webhook or its channel.
    for (const text of [...texts.slice(0, 4), texts[6] as string]) {
      expect(text).not.toContain(hook.id);
      expect(text).not.toContain("Pager");
      expect(text).not.toContain("#ops");
    }
    expect(JSON.parse(texts[5] as string)).toEqual({
      error: { code: "unknown_webhook", message: 'webhook "Pager" not found' },
    });
    // Still live: dan's revoke did nothing.
    expect((await post(hook.url, { text: "still paging" })).status).toBe(200);
    await t.json(alice, "POST", `/api/channels/${ops}/members`, { user_id: dan.id });
    expect((await deliveries(dan, hook.id))[0]?.request).toContain("still paging");
  });

  test("/webhook test posts a sample through the real path, and /webhook log shows it", async () => {
    const { id } = await newHook("Pinger");
    expect((await commandOk(t, alice, ci, "/webhook log Pinger")).reply_md).toBe(
      "No calls of **Pinger** yet; `/webhook test Pinger` sends one.",
    );
    await t.delivered();
    t.events.length = 0;
    const tested = await commandOk(t, alice, ci, "/webhook test Pinger");
    expect(tested.reply_md).toBe("Posted a test message as **Pinger** into #ci.");
    const message = await newest();
    expect(message.author).toMatchObject({ display_name: "Pinger", webhook_id: id, is_bot: true });
    expect(message.body_md).toContain("A test post from `/webhook test`, sent by alice");
    await t.delivered();
    expect(t.events.map((e) => e.event.type)).toContain("message.created");
    const log = (await commandOk(t, alice, ci, "/webhook log Pinger")).reply_md;
    expect(log).toContain("| when | kind | status | ms | what happened |");
    expect(log).toMatch(/\| incoming_webhook \| 200 \| \d+ \| ok \|/);
    expect((await command(t, alice, ci, "/webhook log Nobody")).error).toEqual({
      code: "unknown_webhook",
      message: 'webhook "Nobody" not found',
    });
  });

  test("a webhook's own name and avatar: set at creation, changed later, kept by us", async () => {
    const { url, id } = await newHook("Builder", ` --avatar ${web.url("/logo.png")}`);
    expect((await post(url, { text: "first" })).status).toBe(200);
    const shown = (await newest()).author;
    expect(shown.display_name).toBe("Builder");
    expect(shown.avatar_url).toMatch(/^\/api\/images\/[0-9a-f-]{36}$/);
    expect((await t.call(alice, "GET", shown.avatar_url as string)).headers.get("content-type")).toBe(
      "image/webp",
    );

    const renamed = await t.json<{ name: string; avatar_url: string | null }>(
      alice,
      "PATCH",
      `/api/webhooks/${id}`,
      {
        name: "Build bot",
      },
    );
    expect(renamed).toMatchObject({ name: "Build bot", avatar_url: shown.avatar_url });
    expect((await post(url, { text: "second" })).status).toBe(200);
    expect((await newest()).author.display_name).toBe("Build bot");

    const edited = await commandOk(t, alice, ci, `/webhook edit "Build bot" --avatar none --overrides off`);
    expect(edited.reply_md).toBe(
      "Webhook **Build bot**: avatar none, posts may not choose their own name and icon.",
    );
    const env = { AJET_SERVER: base, AJET_TOKEN: alice.token };
    const cli = await runCli(
      ["webhook", "edit", id, "--name", 'Build "nightly" bot', "--overrides", "on", "--community", "acme"],
      { env },
    );
    expect([cli.code, cli.stderr]).toEqual([0, ""]);
    expect(await t.json(alice, "GET", `/api/webhooks/${id}`)).toMatchObject({
      name: 'Build "nightly" bot',
      avatar_url: null,
      allow_override: true,
    });
    const internal = await t.call(alice, "PATCH", `/api/webhooks/${id}`, {
      avatar_url: web.internalUrl("/icon.png"),
    });
    expect(internal.status).toBe(400);
    expect(web.internalVisits).toEqual([]);
    const audit = await t.json<{ items: { action: string }[] }>(
      alice,
      "GET",
      "/api/communities/acme/audit?what=webhook.",
    );
    expect(audit.items.filter((a) => a.action === "webhook.updated")).toHaveLength(3);
  });

  test("a Slack icon_url is served by us, never hot-linked; icon_emoji is the face in web and TUI", async () => {
    const { url } = await newHook("Jenkins");
    for (const text of ["one", "two"])
      expect((await post(url, { text, icon_url: web.url("/jenkins.png") })).status).toBe(200);
    const iconed = await newest();
    expect(iconed.author.avatar_url).toMatch(/^\/api\/images\/[0-9a-f-]{36}$/);
    expect(JSON.stringify(iconed)).not.toContain("jenkins.png");
    expect(web.publicVisits.filter((v) => v.path === "/jenkins.png")).toHaveLength(1);
    const dry = (await (
      await post(`${url}?dry_run=1`, { text: "x", icon_url: web.url("/jenkins.png") })
    ).json()) as DryRun;
    expect(dry.message.author.avatar_url).toBe(iconed.author.avatar_url as string);

    expect((await post(url, { text: "boo", icon_emoji: ":ghost:" })).status).toBe(200);
    const ghost = await newest();
    expect(ghost.author).toMatchObject({ avatar_emoji: "👻", avatar_url: null });
    const html = messageItem(ghost).toString();
    expect(html).toContain('<span class="avatar emoji-face" aria-hidden="true">👻</span>');
    const header = (messageLines(ghost, 80, false)[0] ?? []).map((span) => span.text).join("");
    expect(header).toContain("👻");

    // A webhook that keeps its own face ignores both, and a dry run says so.
    const strict = await newHook("Strict");
    await t.json(alice, "PATCH", `/api/webhooks/${strict.id}`, { allow_override: false });
    const warned = (await (
      await post(`${strict.url}?dry_run=1`, { text: "x", username: "impostor", icon_emoji: ":ghost:" })
    ).json()) as DryRun;
    expect(warned.message.author).toMatchObject({ display_name: "Strict", avatar_emoji: null });
    expect(warned.warnings).toEqual([
      "`username`, `icon_emoji` ignored: this webhook keeps its own name and avatar (overrides are off)",
    ]);
  });
});

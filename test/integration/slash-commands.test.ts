import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHmac } from "node:crypto";
import { App as BoltApp } from "@slack/bolt";
import { eq } from "drizzle-orm";
import type { AdminDeps } from "../../lib/admin/deps.ts";
import { runAdminCommand } from "../../lib/admin/run.ts";
import {
  auditLog,
  communities,
  integrationDeliveries,
  slashCommandResponses,
  slashCommands,
} from "../../lib/db/schema.ts";
import { type Listening, listen } from "../../lib/http/listen.ts";
import { configureLog } from "../../lib/log.ts";
import { DB_KINDS, type Person, startTestApi, type TestApi } from "../support/api.ts";
import { command, commandOk } from "../support/commands.ts";
import { gatewayOver } from "../support/gateway.ts";
import { type OutsideWeb, startOutsideWeb } from "../support/outside-web.ts";
import { freePort, waitFor } from "../support/ports.ts";

// A community's own slash commands work as Slack's do, so a Slack app answers them unchanged: the
// app below checks every call with Slack's documented algorithm, written out here, not borrowed.

/** Slack's documented check: v0 HMAC-SHA256 of `v0:<timestamp>:<body>`, within five minutes. */
function slackWouldAccept(secret: string, req: Request, body: string) {
  const ts = req.headers.get("x-slack-request-timestamp") ?? "";
  const expected = `v0=${createHmac("sha256", secret).update(`v0:${ts}:${body}`).digest("hex")}`;
  return req.headers.get("x-slack-signature") === expected && Math.abs(Date.now() / 1000 - Number(ts)) < 300;
}

interface Message {
  id: string;
  body_md: string;
  author: { id: string | null; username: string | null };
}

interface Seen {
  form: URLSearchParams;
  signed: boolean;
}

describe.each(DB_KINDS)("custom slash commands on %s", (kind) => {
  let t: TestApi;
  let server: Listening;
  let web: OutsideWeb;
  let base: string;
  let alice: Person;
  let bob: Person;
  let carol: Person;
  let general: string;
  let secrets: Record<string, string>;
  const seen: Seen[] = [];
  /** What the app does after answering, given the call's form (a later answer through response_url). */
  let later: ((form: URLSearchParams) => Promise<void>) | null = null;

  /** A Slack-style app at `/<name>`: checks the signature, then answers what `answer` makes of the form. */
  const slackApp = (name: string, answer: (form: URLSearchParams) => Response | Promise<Response>) => {
    web.routes[`/${name}`] = async (req) => {
      const body = await req.text();
      const form = new URLSearchParams(body);
      const signed = slackWouldAccept(secrets[name] ?? "", req, body);
      seen.push({ form, signed });
      if (!signed) return new Response("invalid signature", { status: 401 });
      await later?.(form);
      return answer(form);
    };
  };
  /** Registers `/name` pointing at the outside web, as alice with the slash command; keeps its secret. */
  const register = async (name: string, extra = "") => {
    const reply = await commandOk(
      t,
      alice,
      general,
      `/command create /${name} ${web.url(`/${name}`)} ${extra}`,
    );
    secrets[name] = /```\n([0-9a-f]{64})\n```/.exec(reply.reply_md)?.[1] ?? "";
    expect(secrets[name]).toHaveLength(64);
    return reply;
  };
  /** Each test registers what it needs, so each passes alone; /deploy always with its description and hint. */
  const ensure = async (name: string) => {
    if (!secrets[name]) await register(name, name === "deploy" ? `"Deploy a branch" "[env]"` : "");
  };
  const history = async () =>
    (await t.json<{ items: Message[] }>(alice, "GET", `/api/channels/${general}/messages?limit=20`)).items;
  const deliveries = (name: string) =>
    t.json<{ items: { ok: boolean; status: number | null; error: string | null; request: string }[] }>(
      alice,
      "GET",
      `/api/communities/acme/commands/${name}/deliveries`,
    );
  const respond = (url: string, body: unknown) =>
    fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });

  beforeAll(async () => {
    web = startOutsideWeb();
    const port = freePort();
    base = `http://127.0.0.1:${port}`;
    t = await startTestApi(kind, { AJET_PUBLIC_URL: base }, undefined, web.outbound());
    server = listen(gatewayOver(t, { AJET_PUBLIC_URL: base }), {
      host: "127.0.0.1",
      port,
      maxRequestBodySize: 4 * 1024 * 1024,
    });
    [alice, bob, carol] = (await Promise.all(["alice", "bob", "carol"].map((n) => t.person(n)))) as [
      Person,
      Person,
      Person,
    ];
    await t.json(alice, "POST", "/api/communities", { name: "Acme", slug: "acme" });
    await t.join(bob, "acme");
    general = (await t.json<{ items: { id: string }[] }>(alice, "GET", "/api/communities/acme/channels"))
      .items[0]?.id as string;
    await t.json(bob, "POST", `/api/channels/${general}/join`);
    secrets = {};
  });
  afterAll(async () => {
    await server?.stop(100);
    await t.close();
    web.stop();
  });

  test("typing /deploy posts Slack's signed form, and an ephemeral answer shows to the typer only", async () => {
    await ensure("deploy");
    slackApp("deploy", (form) => Response.json({ text: `Deploying *${form.get("text")}*` }));
    seen.length = 0;
    const before = t.events.length;
    const answer = await commandOk(t, bob, general, "/deploy prod");
    expect(answer.reply_md).toBe("Deploying **prod**");
    expect(seen).toHaveLength(1);
    const call = seen[0] as Seen;
    expect(call.signed).toBe(true);
    expect(Object.fromEntries(call.form)).toMatchObject({
      team_domain: "acme",
      channel_id: general,
      channel_name: "general",
      user_id: bob.id,
      user_name: "bob",
      command: "/deploy",
      text: "prod",
    });
    for (const field of ["token", "team_id", "api_app_id", "response_url", "trigger_id"])
      expect(call.form.get(field)).toBeTruthy();
    expect(call.form.has("enterprise_id")).toBe(false);
    expect(call.form.get("response_url")).toStartWith(`${base}/commands/respond/ajr_`);
    // Ephemeral: nothing went to the channel.
    await t.delivered();
    expect(t.events.slice(before).filter((e) => e.event.type === "message.created")).toEqual([]);
  });

  test("an in_channel answer is posted as the typer, marked as the command's", async () => {
    await ensure("deploy");
    slackApp("deploy", () =>
      Response.json({ response_type: "in_channel", text: "Deployed *prod* :rocket:" }),
    );
    const answer = await commandOk(t, bob, general, "/deploy prod");
    expect(answer.reply_md).toBe("");
    expect(answer.effects[0]).toMatchObject({ type: "message.posted", channel_id: general });
    const [newest] = await history();
    expect(newest?.id).toBe(answer.effects[0]?.message_id as string);
    expect(newest?.body_md).toBe("Deployed **prod** :rocket:\n\n_via /deploy_");
    expect(newest?.author).toMatchObject({ id: bob.id, username: "bob" });
  });

  test("blocks show their section and context text; other kinds are noted, not dropped silently", async () => {
    await ensure("deploy");
    slackApp("deploy", () =>
      Response.json({
        text: "fallback only",
        blocks: [
          { type: "section", text: { type: "mrkdwn", text: "*Build 7* is green" } },
          { type: "image", image_url: "https://x.test/a.png", alt_text: "chart" },
          { type: "context", elements: [{ type: "mrkdwn", text: "by ci" }] },
        ],
      }),
    );
    const answer = await commandOk(t, bob, general, "/deploy");
    expect(answer.reply_md).toBe("**Build 7** is green\n\n_by ci_\n\n_(1 image block not shown here)_");
    expect(answer.reply_md).not.toContain("fallback only");
  });

  test("a plain-text answer is shown to the typer; an empty 200 shows nothing", async () => {
    await ensure("deploy");
    slackApp("deploy", () => new Response("queued", { headers: { "content-type": "text/plain" } }));
    expect((await commandOk(t, bob, general, "/deploy")).reply_md).toBe("queued");
    slackApp("deploy", () => new Response(""));
    const before = t.events.length;
    const empty = await commandOk(t, bob, general, "/deploy");
    expect(empty).toEqual({ ok: true, reply_md: "", effects: [] });
    await t.delivered();
    expect(t.events.slice(before)).toEqual([]);
  });

  test("a later answer through response_url reaches the typer alone, or the channel", async () => {
    await ensure("deploy");
    slackApp("deploy", () => new Response(""));
    const urls: string[] = [];
    later = async (form) => {
      urls.push(form.get("response_url") as string);
    };
    await commandOk(t, bob, general, "/deploy staging");
    later = null;
    const url = urls[0] as string;
    const before = t.events.length;
    const ephemeral = await respond(url, { text: "Still *building*…" });
    expect([ephemeral.status, await ephemeral.text()]).toEqual([200, "ok"]);
    await t.delivered();
    const events = t.events.slice(before);
    expect(events.map((e) => [e.subject, e.event.type])).toEqual([
      [`chat.notifications.${bob.id}`, "command.replied"],
    ]);
    expect(events[0]?.event).toMatchObject({
      channel_id: general,
      data: { command: "/deploy", reply_md: "Still **building**…" },
    });
    const inChannel = await respond(url, { response_type: "in_channel", text: "staging is live" });
    expect(inChannel.status).toBe(200);
    const [newest] = await history();
    expect(newest?.body_md).toBe("staging is live\n\n_via /deploy_");
    expect(newest?.author.id).toBe(bob.id);
  });

  test("a response_url takes five answers; the sixth is refused as used", async () => {
    await ensure("deploy");
    slackApp("deploy", () => new Response(""));
    const urls: string[] = [];
    later = async (form) => {
      urls.push(form.get("response_url") as string);
    };
    await commandOk(t, bob, general, "/deploy");
    later = null;
    const statuses: number[] = [];
    for (let i = 1; i <= 5; i++)
      statuses.push((await respond(urls[0] as string, { text: `step ${i}` })).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200]);
    const before = t.events.length;
    const sixth = await respond(urls[0] as string, { text: "step 6" });
    expect([sixth.status, await sixth.text()]).toEqual([404, "used_url"]);
    await t.delivered();
    expect(t.events.slice(before)).toEqual([]);
    const log = await deliveries("deploy");
    expect(log.items[0]).toMatchObject({ ok: false, error: "response_url refused: used 5 times" });
  });

  test("an expired response_url is refused, and a forged one too", async () => {
    await ensure("deploy");
    slackApp("deploy", () => new Response(""));
    const urls: string[] = [];
    later = async (form) => {
      urls.push(form.get("response_url") as string);
    };
    await commandOk(t, bob, general, "/deploy");
    later = null;
    const url = urls[0] as string;
    const id = /ajr_([0-9a-f]{32})\./.exec(url)?.[1] as string;
    const uuid = `${id.slice(0, 8)}-${id.slice(8, 12)}-${id.slice(12, 16)}-${id.slice(16, 20)}-${id.slice(20)}`;
    await t.database.db
      .update(slashCommandResponses)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(slashCommandResponses.id, uuid));
    const expired = await respond(url, { text: "too late" });
    expect([expired.status, await expired.text()]).toEqual([404, "expired_url"]);
    const forged = await respond(`${url.slice(0, -4)}AAAA`, { text: "guessing" });
    expect([forged.status, await forged.text()]).toEqual([404, "expired_url"]);
    // Only the token's hash is stored.
    const [row] = await t.database.db
      .select()
      .from(slashCommandResponses)
      .where(eq(slashCommandResponses.id, uuid));
    expect(row?.tokenHash).not.toContain(url.split(".").at(-1) as string);
    // The command's next call sweeps the expired URL away.
    await commandOk(t, bob, general, "/deploy");
    const swept = await t.database.db
      .select()
      .from(slashCommandResponses)
      .where(eq(slashCommandResponses.id, uuid));
    expect(swept).toEqual([]);
  });

  test("an app that does not answer in 3 s is reported to the typer, and logged", async () => {
    await ensure("slow");
    slackApp("slow", () => new Promise<Response>(() => {}));
    const answer = await commandOk(t, bob, general, "/slow now");
    expect(answer.reply_md).toBe("/slow did not answer within 3 s");
    expect(answer.effects).toEqual([
      { type: "command.failed", command: "/slow", error: "timed out after 3 s" },
    ]);
    const log = await deliveries("slow");
    expect(log.items[0]).toMatchObject({ ok: false, status: null, error: "timed out after 3 s" });
  });

  test("an app answering 500 is reported as such", async () => {
    await ensure("broken");
    slackApp("broken", () => new Response("boom", { status: 500 }));
    const answer = await commandOk(t, bob, general, "/broken");
    expect(answer.reply_md).toBe("/broken failed: answered 500");
  });

  test("a private address is refused without the operator's allow-list, and never reached", async () => {
    const reply = await commandOk(t, alice, general, `/command create /inside ${web.internalUrl("/inside")}`);
    expect(reply.reply_md).toContain("/inside");
    const visits = web.internalVisits.length;
    const answer = await commandOk(t, bob, general, "/inside");
    expect(answer.reply_md).toBe("/inside failed: refused to fetch: 127.0.0.1 is a loopback address");
    expect(web.internalVisits.length).toBe(visits);
  });

  test("/help and the member's list show custom commands; only admins see where they call", async () => {
    await ensure("deploy");
    const help = await commandOk(t, bob, general, "/help");
    expect(help.reply_md).toContain("- `/deploy [env]` — Deploy a branch");
    expect((await commandOk(t, bob, general, "/help deploy")).reply_md).toContain(
      "**/deploy** — Deploy a branch",
    );
    const asMember = await t.json<{ items: Record<string, unknown>[] }>(
      bob,
      "GET",
      "/api/communities/acme/commands",
    );
    expect(asMember.items.find((c) => c.name === "deploy")).toEqual({
      name: "deploy",
      description: "Deploy a branch",
      usage_hint: "[env]",
    });
    const asAdmin = await t.json<{ items: Record<string, unknown>[] }>(
      alice,
      "GET",
      "/api/communities/acme/commands",
    );
    expect(asAdmin.items.find((c) => c.name === "deploy")?.url).toBe(web.url("/deploy"));
  });

  test("the signing secret is shown once: never in the list, the audit log, the delivery log or the server's log", async () => {
    const lines: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    }) as typeof process.stderr.write;
    configureLog({ level: "debug" });
    let verification = "";
    try {
      const created = await t.json<{ signing_secret: string; verification_token: string }>(
        alice,
        "POST",
        "/api/communities/acme/commands",
        { name: "audit", url: web.url("/audit"), description: "Audit it" },
      );
      secrets.audit = created.signing_secret;
      verification = created.verification_token;
      slackApp("audit", () => Response.json({ text: "done" }));
      expect((await commandOk(t, bob, general, "/audit")).reply_md).toBe("done");
      const list = await commandOk(t, alice, general, "/command list");
      expect(list.reply_md).toContain("/audit");
      const apiList = await t.call(alice, "GET", "/api/communities/acme/commands");
      const everything = [
        list.reply_md,
        await apiList.text(),
        JSON.stringify(await t.database.db.select().from(auditLog)),
        JSON.stringify(await t.database.db.select().from(integrationDeliveries)),
        lines.join(""),
      ].join("\n");
      expect(everything).not.toContain(secrets.audit);
      expect(everything).not.toContain(verification);
      // The delivery log keeps the form, with its secrets masked.
      const log = await deliveries("audit");
      expect(log.items[0]?.request).toContain("token=[redacted]");
      expect(log.items[0]?.request).toContain("response_url=[redacted]");
    } finally {
      process.stderr.write = write;
      configureLog({ level: "error" });
    }
    expect(lines.length).toBeGreaterThan(0);
  });

  test("a community holds at most 200 custom commands; the 201st is refused and nothing is written", async () => {
    const slug = "gamma";
    await t.json(alice, "POST", "/api/communities", { name: "Gamma", slug });
    const [gamma] = await t.database.db.select().from(communities).where(eq(communities.slug, slug));
    await t.database.db.insert(slashCommands).values(
      Array.from({ length: 200 }, (_, i) => ({
        communityId: gamma?.id as string,
        name: `cmd${i}`,
        url: web.url("/cmd"),
        signingSecret: `s${i}`,
        verificationToken: `v${i}`,
      })),
    );
    const refused = await t.call(alice, "POST", `/api/communities/${slug}/commands`, {
      name: "onemore",
      url: web.url("/onemore"),
    });
    expect(refused.status).toBe(409);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("too_many_commands");
    const listed = await t.json<{ items: unknown[] }>(alice, "GET", `/api/communities/${slug}/commands`);
    expect(listed.items).toHaveLength(200);
  });

  test("members cannot create or delete commands, and a built-in cannot be shadowed", async () => {
    await ensure("deploy");
    const byCommand = await command(t, bob, general, `/command create /mine ${web.url("/mine")}`);
    expect(byCommand.status).toBe(403);
    const byApi = await t.call(bob, "POST", "/api/communities/acme/commands", {
      name: "mine",
      url: web.url("/mine"),
    });
    expect(byApi.status).toBe(403);
    expect((await t.call(bob, "DELETE", "/api/communities/acme/commands/deploy")).status).toBe(403);
    expect((await t.call(bob, "GET", "/api/communities/acme/commands/deploy/deliveries")).status).toBe(403);
    const rows = await t.database.db.select().from(slashCommands).where(eq(slashCommands.name, "mine"));
    expect(rows).toEqual([]);
    const shadow = await command(t, alice, general, `/command create /help ${web.url("/help")}`);
    expect(shadow).toMatchObject({ status: 409, error: { code: "command_is_built_in" } });
    const twice = await command(t, alice, general, `/command create /deploy ${web.url("/deploy")}`);
    expect(twice).toMatchObject({ status: 409, error: { code: "command_exists" } });
    // A stranger to the community learns nothing of its commands.
    expect((await t.call(carol, "GET", "/api/communities/acme/commands")).status).toBe(404);
  });

  test("a bot runs a community's command with messages:write, and not without it", async () => {
    await ensure("deploy");
    slackApp("deploy", (form) => Response.json({ text: `hello ${form.get("user_name")}` }));
    const made = async (name: string, scopes: string) =>
      (await commandOk(t, alice, general, `/token create ${name} ${scopes}`)).effects[0]?.token as string;
    const reader = await made("reader", "messages:read channels:read");
    seen.length = 0;
    const refused = await command(t, reader, general, "/deploy");
    expect(refused).toMatchObject({
      status: 403,
      error: { message: "this token lacks the messages:write scope" },
    });
    expect(seen).toEqual([]);
    const writer = await made("writer", "messages:read messages:write channels:read");
    expect((await commandOk(t, writer, general, "/deploy")).reply_md).toBe("hello writer-bot");
  });

  test("typed in a private channel one is not in, a command is a 404 and its app hears nothing", async () => {
    await ensure("deploy");
    const secret = await t.json<{ id: string }>(alice, "POST", "/api/communities/acme/channels", {
      name: `hidden-${kind}`,
      visibility: "private",
    });
    seen.length = 0;
    expect(await command(t, bob, secret.id, "/deploy prod")).toMatchObject({ status: 404 });
    expect(seen).toEqual([]);
  });

  test("a command of one community does not exist in another", async () => {
    await ensure("deploy");
    await t.json(carol, "POST", "/api/communities", { name: "Beta", slug: "beta" });
    const betaGeneral = (
      await t.json<{ items: { id: string }[] }>(carol, "GET", "/api/communities/beta/channels")
    ).items[0]?.id as string;
    seen.length = 0;
    const typed = await command(t, carol, betaGeneral, "/deploy prod");
    expect(typed).toMatchObject({ status: 400, error: { code: "unknown_command" } });
    expect(seen).toEqual([]);
    expect((await commandOk(t, carol, betaGeneral, "/help")).reply_md).not.toContain("/deploy");
    expect(await t.json(carol, "GET", "/api/communities/beta/commands")).toEqual({ items: [] });
  });

  test("/command delete removes it: typing it is an unknown command again", async () => {
    await ensure("gone");
    slackApp("gone", () => Response.json({ text: "still here" }));
    expect((await commandOk(t, bob, general, "/gone")).reply_md).toBe("still here");
    const [gone] = await t.database.db.select().from(slashCommands).where(eq(slashCommands.name, "gone"));
    const deleted = await commandOk(t, alice, general, "/command delete /gone");
    expect(deleted.reply_md).toContain("Deleted **/gone**");
    const logged = await t.database.db
      .select()
      .from(integrationDeliveries)
      .where(eq(integrationDeliveries.subjectId, gone?.id as string));
    expect(logged).toEqual([]);
    expect(await command(t, bob, general, "/gone")).toMatchObject({
      status: 400,
      error: { code: "unknown_command" },
    });
  });

  test("the admin CLI creates, lists, logs and deletes a community's command; the secret only at creation", async () => {
    // What `ajet-chat admin commands …` runs on the box: only the database and the OS user matter here.
    const deps = { database: t.database, osUser: "ops" } as AdminDeps;
    const admin = (...argv: string[]) => runAdminCommand(deps, ["commands", ...argv]);
    const created = await admin(
      "create",
      "/ops",
      web.url("/ops"),
      "--community",
      "acme",
      "--description",
      "Ops",
    );
    secrets.ops =
      /signing secret \(shown only now\): ([0-9a-f]{64})/.exec(
        "message" in created ? created.message : "",
      )?.[1] ?? "";
    expect(secrets.ops).toHaveLength(64);
    slackApp("ops", (form) => Response.json({ text: `ops heard ${form.get("user_name")}` }));
    expect((await commandOk(t, bob, general, "/ops")).reply_md).toBe("ops heard bob");
    const listed = await admin("list", "--community", "acme");
    expect(JSON.stringify(listed)).toContain('"name":"/ops"');
    expect(JSON.stringify(listed)).not.toContain(secrets.ops);
    const log = await admin("log", "/ops", "--community", "acme");
    expect("rows" in log && log.rows[0]).toMatchObject({ ok: true, status: 200, error: null });
    const shadow = await admin("create", "/help", web.url("/x"), "--community", "acme").then(
      () => "created",
      (err: Error) => err.message,
    );
    expect(shadow).toBe("/help is a built-in command");
    expect(await admin("delete", "/ops", "--community", "acme")).toEqual({
      message: "/ops is deleted from acme",
    });
    expect(await command(t, bob, general, "/ops")).toMatchObject({
      status: 400,
      error: { code: "unknown_command" },
    });
    const audit = await t.database.db
      .select()
      .from(auditLog)
      .where(eq(auditLog.action, "slash_command.created"));
    expect(audit.some((a) => (a.data as Record<string, unknown>)?.os_user === "ops")).toBe(true);
  });

  test("Slack's Bolt framework, verifying signatures itself, answers with ack() and respond()", async () => {
    const boltPort = freePort();
    const name = "bolt";
    // The signing secret exists once the command does; Bolt is built with it, as a Slack app would be.
    const created = await register(name, `"Bolt app"`);
    expect(created.ok).toBe(true);
    const bolt = new BoltApp({
      signingSecret: secrets[name] as string,
      // An installed app's own authorization, so Bolt does not ask slack.com (unreachable here) who it is.
      authorize: async () => ({ botToken: "xoxb-not-used", botId: "B0BOLT", botUserId: "U0BOLT" }),
      logLevel: "error" as never,
    });
    const heard: { text: string; user: string }[] = [];
    bolt.command(`/${name}`, async ({ command: cmd, ack, respond: reply }) => {
      heard.push({ text: cmd.text, user: cmd.user_name });
      await ack({ response_type: "ephemeral", text: `On it, <@${cmd.user_id}>: *${cmd.text}*` });
      await reply({ response_type: "in_channel", text: `Bolt finished _${cmd.text}_` });
    });
    await bolt.start({ port: boltPort, host: "127.0.0.1" } as never);
    try {
      // The outside web forwards to Bolt untouched: the same body and headers Slack's would carry.
      web.routes[`/${name}`] = async (req) => {
        const res = await fetch(`http://127.0.0.1:${boltPort}/slack/events`, {
          method: "POST",
          headers: req.headers,
          body: await req.text(),
        });
        return new Response(await res.text(), { status: res.status, headers: res.headers });
      };
      const answer = await commandOk(t, bob, general, `/${name} ship it`);
      expect(heard).toEqual([{ text: "ship it", user: "bob" }]);
      expect(answer.reply_md).toStartWith(`On it, <@${bob.id}>`);
      expect(answer.reply_md).toContain("**ship it**");
      const posted = await waitFor(async () => {
        const found = (await history()).find((m) => m.body_md.startsWith("Bolt finished"));
        if (!found) throw new Error("Bolt's later answer has not arrived");
        return found;
      });
      expect(posted.body_md).toBe("Bolt finished _ship it_\n\n_via /bolt_");
      expect(posted.author.id).toBe(bob.id);

      // A wrong secret: Bolt refuses the call, and the typer is told.
      await t.database.db
        .update(slashCommands)
        .set({ signingSecret: "0".repeat(64) })
        .where(eq(slashCommands.name, name));
      const refused = await commandOk(t, bob, general, `/${name} again`);
      expect(refused.reply_md).toMatch(/^\/bolt failed: answered 401/);
      expect(heard).toHaveLength(1);
    } finally {
      await bolt.stop();
    }
  });
});

import { type Args, type ChannelRef, clip, invalidArgs } from "./args.ts";
import { type CommandContext, communityOf, defineCommand, outcome } from "./command.ts";

/** How many deliveries `/webhook log` shows; the API and `ajet-chat webhooks log` show all 50. */
const LOG_SHOWN = 5;

type Parsed =
  | { sub: "create"; channel: ChannelRef; hookName: string; avatar?: string }
  | { sub: "list" }
  | { sub: "revoke"; id: string }
  | { sub: "edit"; hook: string; newName?: string; avatar?: string | null; allowOverride?: boolean }
  | { sub: "log" | "test"; hook: string };

export const webhook = defineCommand({
  name: "webhook",
  usage: [
    "/webhook create #channel <name> [--avatar <url>]",
    "/webhook edit <name|id> [--name <name>] [--avatar <url>|none] [--overrides on|off]",
    "/webhook log <name|id>",
    "/webhook test <name|id>",
    "/webhook list",
    "/webhook revoke <id>",
  ],
  summary: "Manage incoming webhooks",
  details:
    "`create` shows the webhook's URL once; POST Slack-style JSON (or `{text, username, avatar_url, key, thread_key}`) to it, or add `?dry_run=1` to see the message it would make. `--avatar` takes a picture's URL (fetched once, served by us). `edit --overrides off` makes posts keep the webhook's own name and avatar. `log` shows the last calls and why they failed; `test` posts a sample message. `revoke` stops it at once.",
  admin: true,
  scope: "admin",
  parse: parseWebhookArgs,
  run(ctx, args) {
    switch (args.sub) {
      case "create":
        return createWebhook(ctx, args);
      case "list":
        return listHooks(ctx);
      case "revoke":
        return revokeWebhook(ctx, args.id);
      case "edit":
        return editWebhook(ctx, args);
      case "log":
        return showLog(ctx, args.hook);
      default:
        return testWebhook(ctx, args.hook);
    }
  },
});

function parseWebhookArgs(a: Args): Parsed {
  const sub = a.word("create, edit, log, test, list or revoke").toLowerCase();
  if (sub === "list") {
    a.end();
    return { sub };
  }
  if (sub === "revoke") {
    const id = a.id();
    a.end();
    return { sub, id };
  }
  if (sub === "create") return parseCreate(a);
  if (sub === "edit") return parseEdit(a);
  if (sub === "log" || sub === "test") {
    const hook = a.word("webhook name or id");
    a.end();
    return { sub, hook };
  }
  throw invalidArgs(`"${clip(sub)}" is not create, edit, log, test, list or revoke`);
}

function parseCreate(a: Args) {
  const channel = a.channel();
  const text = a.rest("webhook name");
  // The name is free text, so `--avatar <url>` is found in it rather than read as a word.
  const option = /(?:^|\s)--avatar\s+(?:"([^"]*)"|(\S+))/;
  const found = option.exec(text);
  const avatar = found?.[1] ?? found?.[2];
  const hookName = text.replace(option, " ").replace(/\s+/g, " ").trim();
  if (!hookName) throw invalidArgs("missing webhook name");
  if (hookName.length > 80) throw invalidArgs("a webhook name is at most 80 characters");
  return { sub: "create" as const, channel, hookName, ...(avatar ? { avatar } : {}) };
}

function parseEdit(a: Args): Parsed {
  const edit: Extract<Parsed, { sub: "edit" }> = { sub: "edit", hook: a.word("webhook name or id") };
  for (let option = a.optionalWord(); option !== null; option = a.optionalWord()) {
    if (option === "--name") {
      edit.newName = a.word("the new name").replace(/\s+/g, " ").trim();
      if (!edit.newName || edit.newName.length > 80) throw invalidArgs("a webhook name is 1–80 characters");
    } else if (option === "--avatar") {
      const url = a.word("an avatar URL, or none");
      edit.avatar = url.toLowerCase() === "none" ? null : url;
    } else if (option === "--overrides") {
      const value = a.word("on or off").toLowerCase();
      if (value !== "on" && value !== "off") throw invalidArgs(`"${clip(value)}" is not on or off`);
      edit.allowOverride = value === "on";
    } else throw invalidArgs(`"${clip(option)}" is not --name, --avatar or --overrides`);
  }
  if (edit.newName === undefined && edit.avatar === undefined && edit.allowOverride === undefined)
    throw invalidArgs("nothing to change: give --name, --avatar or --overrides");
  return edit;
}

/** Where remote pictures come from, which only the API's own command route provides. */
function mediaOf(ctx: CommandContext) {
  if (!ctx.media) throw invalidArgs("webhook avatars cannot be fetched from here");
  return ctx.media;
}

async function createWebhook(ctx: CommandContext, args: Extract<Parsed, { sub: "create" }>) {
  const { checkWebhookAvatar, doCreateWebhook } = await import("../webhooks/manage.ts");
  const { resolveChannel } = await import("./resolve.ts");
  const me = ctx.principal.user;
  const target = await resolveChannel(ctx.db, me.id, communityOf(ctx, "webhook"), args.channel);
  const avatarUrl = args.avatar ? await checkWebhookAvatar(mediaOf(ctx), ctx.db, args.avatar) : null;
  const created = await doCreateWebhook(ctx.db, me.id, target, args.hookName, ctx.publicUrl, avatarUrl);
  return outcome(
    [
      `Created webhook **${args.hookName}** posting into #${target.channel.name}. Its URL is shown only now:`,
      "```",
      created.url,
      "```",
    ].join("\n"),
    [
      {
        type: "webhook.created",
        webhook_id: created.webhook.id,
        channel_id: target.channel.id,
        url: created.url,
      },
    ],
    created.events,
  );
}

const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\s+/g, " ");

async function listHooks(ctx: CommandContext) {
  const { listWebhooks } = await import("../webhooks/manage.ts");
  const hooks = (await listWebhooks(ctx.db, communityOf(ctx, "webhook"), ctx.principal.user.id)).items;
  if (hooks.length === 0) return outcome("No webhooks yet; `/webhook create #channel <name>` makes one.");
  return outcome(
    [
      "| id | name | channel |",
      "|---|---|---|",
      ...hooks.map((w) => `| \`${w.id}\` | ${cell(w.name)} | #${w.channel_name} |`),
    ].join("\n"),
  );
}

async function revokeWebhook(ctx: CommandContext, id: string) {
  const { findCommunityWebhook } = await import("../webhooks/inspect.ts");
  const { doRevokeWebhook } = await import("../webhooks/manage.ts");
  // As for edit and log: an admin manages only webhooks into channels they may read.
  const hook = await findCommunityWebhook(ctx.db, ctx.principal.user.id, communityOf(ctx, "webhook"), id);
  const revoked = await doRevokeWebhook(
    ctx.db,
    ctx.principal.user.id,
    communityOf(ctx, "webhook"),
    hook.webhook.id,
  );
  return outcome(
    `Revoked webhook **${revoked.webhook.name}**; its URL no longer works.`,
    [{ type: "webhook.revoked", webhook_id: id }],
    revoked.events,
  );
}

async function editWebhook(ctx: CommandContext, args: Extract<Parsed, { sub: "edit" }>) {
  const { findCommunityWebhook } = await import("../webhooks/inspect.ts");
  const { doUpdateWebhook } = await import("../webhooks/manage.ts");
  const hook = await findCommunityWebhook(
    ctx.db,
    ctx.principal.user.id,
    communityOf(ctx, "webhook"),
    args.hook,
  );
  const media = args.avatar ? mediaOf(ctx) : undefined;
  const change = { name: args.newName, avatarUrl: args.avatar, allowOverride: args.allowOverride };
  const updated = await doUpdateWebhook(ctx.db, ctx.principal.user.id, hook.webhook, change, media);
  const w = updated.webhook;
  return outcome(
    `Webhook **${w.name}**: avatar ${w.avatar_url ? "set" : "none"}, posts ${w.allow_override ? "may" : "may not"} choose their own name and icon.`,
    [{ type: "webhook.updated", webhook_id: w.id }],
    updated.events,
  );
}

async function showLog(ctx: CommandContext, name: string) {
  const { findCommunityWebhook } = await import("../webhooks/inspect.ts");
  const { readDeliveries, deliveryView } = await import("../integrations/delivery-log.ts");
  const hook = await findCommunityWebhook(ctx.db, ctx.principal.user.id, communityOf(ctx, "webhook"), name);
  const rows = (await readDeliveries(ctx.db, hook.webhook.id, LOG_SHOWN)).map(deliveryView);
  if (rows.length === 0)
    return outcome(`No calls of **${hook.webhook.name}** yet; \`/webhook test ${name}\` sends one.`);
  return outcome(
    [
      `Last calls of **${hook.webhook.name}**, newest first:`,
      "",
      "| when | kind | status | ms | what happened |",
      "|---|---|---|---|---|",
      ...rows.map(
        (r) =>
          `| ${r.at.slice(0, 19).replace("T", " ")} | ${r.kind}${r.dry_run ? " (dry run)" : ""} | ${r.status ?? "—"} | ${r.latency_ms} | ${cell(r.error ?? r.response)} |`,
      ),
    ].join("\n"),
  );
}

async function testWebhook(ctx: CommandContext, name: string) {
  const { findCommunityWebhook, logWebhookCall } = await import("../webhooks/inspect.ts");
  const { doReceiveWebhook } = await import("../webhooks/receive.ts");
  const startedAt = performance.now();
  const hook = await findCommunityWebhook(ctx.db, ctx.principal.user.id, communityOf(ctx, "webhook"), name);
  const raw = JSON.stringify({
    text: `:wave: A test post from \`/webhook test\`, sent by ${ctx.principal.user.username}: webhook *${hook.webhook.name}* posts here.`,
  });
  const got = await doReceiveWebhook(ctx.db, hook, { contentType: "application/json", raw, dryRun: false });
  await logWebhookCall(ctx.db, hook, { ...got, startedAt, request: raw, dryRun: false });
  if (got.status !== 200) return outcome(`The test post failed: ${got.error}`);
  return outcome(
    `Posted a test message as **${hook.webhook.name}** into #${hook.channel.name}.`,
    [{ type: "webhook.tested", webhook_id: hook.webhook.id, channel_id: hook.channel.id }],
    got.events,
  );
}

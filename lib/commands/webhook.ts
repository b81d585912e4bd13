import { type Args, type ChannelRef, invalidArgs, manageForms } from "./args.ts";
import { type CommandContext, communityOf, defineCommand, outcome } from "./command.ts";

export const webhook = defineCommand({
  name: "webhook",
  usage: ["/webhook create #channel <name>", "/webhook list", "/webhook revoke <id>"],
  summary: "Manage incoming webhooks",
  details:
    "`create` shows the webhook's URL once; POST Slack-style JSON (or `{text, username, avatar_url, key, thread_key}`) to it. `revoke` stops it at once.",
  admin: true,
  scope: "admin",
  parse(a) {
    return manageForms(a, parseCreate);
  },
  run(ctx, args) {
    if (args.sub === "create") return createWebhook(ctx, args.channel, args.hookName);
    if (args.sub === "list") return listHooks(ctx);
    return revokeWebhook(ctx, args.id);
  },
});

function parseCreate(a: Args) {
  const channel = a.channel();
  const hookName = a.rest("webhook name").replace(/\s+/g, " ").trim();
  if (hookName.length > 80) throw invalidArgs("a webhook name is at most 80 characters");
  return { sub: "create" as const, channel, hookName };
}

async function createWebhook(ctx: CommandContext, channel: ChannelRef, hookName: string) {
  const { doCreateWebhook } = await import("../webhooks/manage.ts");
  const { resolveChannel } = await import("./resolve.ts");
  const me = ctx.principal.user;
  const target = await resolveChannel(ctx.db, me.id, communityOf(ctx, "webhook"), channel);
  const created = await doCreateWebhook(ctx.db, me.id, target, hookName, ctx.publicUrl);
  return outcome(
    [
      `Created webhook **${hookName}** posting into #${target.channel.name}. Its URL is shown only now:`,
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

async function listHooks(ctx: CommandContext) {
  const { listWebhooks } = await import("../webhooks/manage.ts");
  const hooks = await listWebhooks(ctx.db, communityOf(ctx, "webhook"));
  if (hooks.length === 0) return outcome("No webhooks yet; `/webhook create #channel <name>` makes one.");
  return outcome(
    [
      "| id | name | channel |",
      "|---|---|---|",
      ...hooks.map((w) => `| \`${w.id}\` | ${w.name.replace(/\|/g, "\\|")} | #${w.channel_name} |`),
    ].join("\n"),
  );
}

async function revokeWebhook(ctx: CommandContext, id: string) {
  const { doRevokeWebhook } = await import("../webhooks/manage.ts");
  const revoked = await doRevokeWebhook(ctx.db, ctx.principal.user.id, communityOf(ctx, "webhook"), id);
  return outcome(
    `Revoked webhook **${revoked.webhook.name}**; its URL no longer works.`,
    [{ type: "webhook.revoked", webhook_id: id }],
    revoked.events,
  );
}

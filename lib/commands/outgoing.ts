import { CHANNEL_NAME } from "../channels/name.ts";
import { type Args, type ChannelRef, clip, invalidArgs } from "./args.ts";
import { type CommandContext, communityOf, defineCommand, outcome } from "./command.ts";

type Parsed =
  | { sub: "create"; channels: ChannelRef[] | "all"; url: string; triggers: string[] }
  | { sub: "list" }
  | { sub: "delete"; id: string };

export const outgoing = defineCommand<Parsed>({
  name: "outgoing",
  usage: [
    "/outgoing create #channel [#channel…]|all <url> [trigger words…]",
    "/outgoing list",
    "/outgoing delete <id>",
  ],
  summary: "Manage outgoing webhooks",
  details:
    "New messages in the channels (`all`: every public channel), or only those starting with a trigger word, are POSTed to the URL as Slack's legacy outgoing-webhook form, with the token shown once on `create`; a JSON reply `{\"text\": …}` is posted back under the webhook's name. Messages of bots never trigger one.",
  admin: true,
  scope: "admin",
  parse(a) {
    const sub = a.word("create, list or delete").toLowerCase();
    if (sub === "list") {
      a.end();
      return { sub };
    }
    if (sub === "delete") {
      const id = a.id();
      a.end();
      return { sub, id };
    }
    if (sub !== "create") throw invalidArgs(`"${clip(sub)}" is not create, list or delete`);
    return parseCreate(a);
  },
  run(ctx, args) {
    if (args.sub === "create") return createHook(ctx, args);
    if (args.sub === "list") return listHooks(ctx);
    return deleteHook(ctx, args.id);
  },
});

function parseCreate(a: Args): Parsed {
  const words: string[] = [];
  for (let w = a.optionalWord(); w !== null; w = a.optionalWord()) words.push(w);
  const urlAt = words.findIndex((w) => /^https?:\/\//i.test(w));
  if (urlAt < 0) throw invalidArgs("missing the URL to call (http:// or https://)");
  const named = words.slice(0, urlAt);
  if (named.length === 0) throw invalidArgs("name the channels (#channel…) or all");
  const url = words[urlAt] as string;
  if (!URL.canParse(url)) throw invalidArgs(`"${clip(url)}" is not a URL`);
  const triggers = words.slice(urlAt + 1);
  if (triggers.length > 20 || triggers.some((t) => t.length > 40))
    throw invalidArgs("at most 20 trigger words of at most 40 characters");
  if (named.length === 1 && named[0]?.toLowerCase() === "all")
    return { sub: "create", channels: "all", url, triggers };
  const channels = named.map((w) => {
    const name = w.replace(/^#/, "").toLowerCase();
    if (!w.startsWith("#") || !CHANNEL_NAME.test(name)) throw invalidArgs(`"${clip(w)}" is not a #channel`);
    return { name };
  });
  return { sub: "create", channels, url, triggers };
}

async function createHook(ctx: CommandContext, args: Extract<Parsed, { sub: "create" }>) {
  const { checkListenChannels, doCreateOutgoingWebhook } = await import("../outgoing-webhooks/manage.ts");
  const { resolveChannel } = await import("./resolve.ts");
  const me = ctx.principal.user;
  const communityId = communityOf(ctx, "outgoing");
  const channelIds =
    args.channels === "all"
      ? null
      : await checkListenChannels(
          ctx.db,
          me.id,
          communityId,
          await Promise.all(
            args.channels.map(async (c) => (await resolveChannel(ctx.db, me.id, communityId, c)).channel.id),
          ),
        );
  const created = await doCreateOutgoingWebhook(ctx.db, me.id, communityId, {
    name: new URL(args.url).hostname,
    url: args.url,
    channelIds,
    triggerWords: args.triggers,
  });
  const where =
    args.channels === "all" ? "every public channel" : args.channels.map((c) => `#${c.name}`).join(", ");
  const when = args.triggers.length
    ? ` starting with ${args.triggers.map((t) => `\`${t}\``).join(", ")}`
    : "";
  return outcome(
    [
      `Created outgoing webhook \`${created.webhook.id}\`: messages in ${where}${when} go to ${args.url}. Its token (in each payload, and the key of the signature) is shown only now:`,
      "```",
      created.token,
      "```",
    ].join("\n"),
    [{ type: "outgoing_webhook.created", webhook_id: created.webhook.id, token: created.token }],
  );
}

async function listHooks(ctx: CommandContext) {
  const { listOutgoingWebhooks } = await import("../outgoing-webhooks/manage.ts");
  const hooks = (await listOutgoingWebhooks(ctx.db, communityOf(ctx, "outgoing"), ctx.principal.user.id))
    .items;
  if (hooks.length === 0)
    return outcome("No outgoing webhooks yet; `/outgoing create #channel <url>` makes one.");
  const cell = (s: string) => s.replace(/\|/g, "\\|");
  return outcome(
    [
      "| id | name | channels | trigger words | url |",
      "|---|---|---|---|---|",
      ...hooks.map(
        (h) =>
          `| \`${h.id}\` | ${cell(h.name)} | ${typeof h.channels === "string" ? h.channels : h.channels.map((c) => `#${c}`).join(" ")} | ${cell(h.trigger_words.join(" "))} | ${cell(h.url)} |`,
      ),
    ].join("\n"),
  );
}

async function deleteHook(ctx: CommandContext, id: string) {
  const { doDeleteOutgoingWebhook } = await import("../outgoing-webhooks/manage.ts");
  const deleted = await doDeleteOutgoingWebhook(
    ctx.db,
    ctx.principal.user.id,
    communityOf(ctx, "outgoing"),
    id,
  );
  return outcome(`Deleted outgoing webhook **${deleted.name}**; nothing more is sent to ${deleted.url}.`, [
    { type: "outgoing_webhook.deleted", webhook_id: id },
  ]);
}

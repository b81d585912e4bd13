import type { Command } from "../command.ts";
import type { Context } from "../context.ts";
import { CliError, EXIT } from "../errors.ts";

/** The channel a slash command runs in: --in, else the community's #general, else its first channel. */
async function channelFor(ctx: Context): Promise<string> {
  const within = ctx.flag("in");
  if (within) return (await ctx.target(within)).id;
  const list = await ctx.channelsOf(await ctx.community());
  const channel =
    list.find((c) => c.name === "general" && c.is_member) ?? list.find((c) => c.is_member) ?? list[0];
  if (!channel) throw new CliError(EXIT.notFound, "no channel to run the command in; give --in #channel");
  return channel.id;
}

async function runSlash(ctx: Context, text: string) {
  const result = await ctx.client.runCommand(await channelFor(ctx), text);
  if (ctx.out.mode === "json") return ctx.out.json(result);
  const reply = result.reply_md.trim();
  if (!reply) return;
  if (ctx.out.mode === "plain" || !ctx.out.color) return ctx.out.line(reply);
  const { markdownToAnsi } = await import("../../../markdown/terminal.ts");
  for (const line of markdownToAnsi(reply)) ctx.out.line(line);
}

/** `run '/topic …'`: any slash command, so every admin command is scriptable. */
export const run: Command = {
  usage: "run '/command args…' [--in #channel]",
  flags: { in: { type: "string" } },
  async run(ctx) {
    const text = ctx.args.positionals.join(" ").trim();
    if (!text.startsWith("/"))
      throw new CliError(EXIT.usage, "give a slash command, e.g. run '/topic Release day'");
    await runSlash(ctx, text);
  },
};

/** `webhook create #channel <name>` / `list` / `revoke <id>`: `/webhook …`. */
export const webhook: Command = {
  usage: "webhook create <#channel> <name> | webhook list | webhook revoke <id>",
  flags: { in: { type: "string" } },
  async run(ctx) {
    if (ctx.args.positionals.length === 0)
      throw new CliError(EXIT.usage, `usage: ajet-chat ${webhook.usage}`);
    await runSlash(ctx, `/webhook ${ctx.args.positionals.join(" ")}`);
  },
};

/** `token create <name> [scopes…] [expiry]` / `list` / `revoke <id>`: `/token …`. */
export const token: Command = {
  usage: "token create <name> [scopes…] [expiry] | token list | token revoke <id>",
  flags: { in: { type: "string" } },
  async run(ctx) {
    if (ctx.args.positionals.length === 0) throw new CliError(EXIT.usage, `usage: ajet-chat ${token.usage}`);
    await runSlash(ctx, `/token ${ctx.args.positionals.join(" ")}`);
  },
};

/** `outgoing create #channel… <url> [trigger words…]` / `list` / `delete <id>`: `/outgoing …`. */
export const outgoing: Command = {
  usage: "outgoing create <#channel…|all> <url> [trigger words…] | outgoing list | outgoing delete <id>",
  flags: { in: { type: "string" } },
  async run(ctx) {
    if (ctx.args.positionals.length === 0)
      throw new CliError(EXIT.usage, `usage: ajet-chat ${outgoing.usage}`);
    await runSlash(ctx, `/outgoing ${ctx.args.positionals.join(" ")}`);
  },
};

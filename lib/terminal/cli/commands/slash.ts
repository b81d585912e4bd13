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
  // A community's command whose app failed or timed out: its one line, and a failing exit for scripts.
  if (result.effects.some((e) => e.type === "command.failed"))
    throw new CliError(EXIT.unreachable, result.reply_md.trim());
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

/** `webhook create #channel <name>` / `edit` / `log` / `test` / `list` / `revoke <id>`: `/webhook …`. */
export const webhook: Command = {
  usage:
    "webhook create <#channel> <name> [--avatar <url>] | webhook edit <name|id> [--name N] [--avatar URL|none] [--overrides on|off] | webhook log|test <name|id> | webhook list | webhook revoke <id>",
  flags: {
    in: { type: "string" },
    name: { type: "string" },
    avatar: { type: "string" },
    overrides: { type: "string" },
  },
  async run(ctx) {
    if (ctx.args.positionals.length === 0)
      throw new CliError(EXIT.usage, `usage: ajet-chat ${webhook.usage}`);
    // The command's own options travel in its text, quoted so a name may have spaces.
    const options = ["name", "avatar", "overrides"].flatMap((flag) => {
      const value = ctx.flag(flag);
      return value === undefined ? [] : [`--${flag} "${value.replace(/["\\]/g, "\\$&")}"`];
    });
    await runSlash(ctx, ["/webhook", ...ctx.args.positionals, ...options].join(" "));
  },
};

/**
 * `token create <name> [scopes…] [expiry]` / `revoke <id>`: `/token …`; `token list`: every bot token
 * of the community, newest first, read page by page from the API.
 */
export const token: Command = {
  usage: "token create <name> [scopes…] [expiry] | token list [--community C] | token revoke <id>",
  flags: { in: { type: "string" } },
  async run(ctx) {
    if (ctx.args.positionals.length === 0) throw new CliError(EXIT.usage, `usage: ajet-chat ${token.usage}`);
    if (ctx.args.positionals.join(" ") === "list") return listTokens(ctx);
    await runSlash(ctx, `/token ${ctx.args.positionals.join(" ")}`);
  },
};

async function listTokens(ctx: Context) {
  const { items } = await ctx.client.botTokens(await ctx.community());
  const s = ctx.out.style;
  const now = Date.now();
  for (const t of items) {
    const state = t.revoked_at
      ? "revoked"
      : t.expires_at && Date.parse(t.expires_at) <= now
        ? "expired"
        : "live";
    ctx.out.record(t, [t.id, `@${t.bot.username}`, t.scopes.join(","), state, t.last_used_at], () =>
      [
        s.gray(t.id),
        s.bold(`@${t.bot.username}`),
        t.scopes.join(" "),
        state === "live" ? s.green(state) : s.dim(state),
        s.dim(`last used ${t.last_used_at ?? "never"}`),
      ].join("  "),
    );
  }
}
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

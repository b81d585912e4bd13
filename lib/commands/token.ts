import { SCOPES, type Scope } from "../auth/scopes.ts";
import { type Args, clip, invalidArgs, manageForms } from "./args.ts";
import { type CommandContext, communityOf, defineCommand, outcome } from "./command.ts";
import { parseDuration } from "./duration.ts";

const MAX_TOKEN_LIFETIME_MS = 5 * 365 * 86_400_000;
export const DEFAULT_BOT_SCOPES: Scope[] = ["messages:read", "messages:write", "channels:read"];
/** Bot names: the part before `-bot` in its username. */
const BOT_NAME = /^[a-z0-9][a-z0-9._-]{0,27}$/;

export const token = defineCommand({
  name: "token",
  usage: ["/token create <name> [scopes…] [expiry]", "/token list", "/token revoke <id>"],
  summary: "Manage bots and their API tokens",
  details:
    "`create` makes the bot `<name>-bot` in this community (or gives an existing one a new token) and shows the token once. Scopes: messages:read, messages:write, channels:read, channels:write, reactions:write, files:write, admin (space- or comma-separated; default messages:read messages:write channels:read). An expiry like `90d` makes the token stop working then.",
  admin: true,
  scope: "admin",
  peopleOnly: true,
  parse(a) {
    return manageForms(a, parseCreate);
  },
  run(ctx, args) {
    if (args.sub === "create") return createToken(ctx, args);
    if (args.sub === "list") return listTokens(ctx);
    return revokeToken(ctx, args.id);
  },
});

interface CreateArgs {
  sub: "create";
  botName: string;
  scopes: Scope[];
  expiresInMs: number | null;
}

function parseCreate(a: Args): CreateArgs {
  const botName = a.word("bot name").toLowerCase().replace(/-bot$/, "");
  if (!BOT_NAME.test(botName)) {
    throw invalidArgs(
      `"${clip(botName)}" is not a bot name: 1–28 lower-case letters, digits, '.', '_' or '-'`,
    );
  }
  const scopes = new Set<Scope>();
  let expiresInMs: number | null = null;
  // Scopes and the expiry come in any order, words or comma-separated lists.
  for (let word = a.optionalWord(); word !== null; word = a.optionalWord()) {
    for (const part of word.split(",").filter(Boolean)) {
      const scope = part.toLowerCase();
      if ((SCOPES as readonly string[]).includes(scope)) {
        scopes.add(scope as Scope);
        continue;
      }
      const lifetime = parseDuration(part, MAX_TOKEN_LIFETIME_MS);
      if (lifetime === null || expiresInMs !== null) {
        throw invalidArgs(`"${clip(part)}" is neither a scope (${SCOPES.join(", ")}) nor an expiry like 90d`);
      }
      expiresInMs = lifetime;
    }
  }
  return { sub: "create", botName, scopes: scopes.size ? [...scopes] : DEFAULT_BOT_SCOPES, expiresInMs };
}

async function createToken(ctx: CommandContext, args: CreateArgs) {
  const { doCreateBotToken } = await import("../bots/tokens.ts");
  const me = ctx.principal.user;
  const expiresAt = args.expiresInMs ? new Date(Date.now() + args.expiresInMs) : null;
  const created = await doCreateBotToken(ctx.db, me.id, communityOf(ctx, "token"), {
    name: args.botName,
    scopes: args.scopes,
    expiresAt,
  });
  const { view } = created;
  return outcome(
    [
      `${created.createdBot ? "Created" : "New token for"} bot @${view.bot.username} with ${view.scopes.join(", ")}${expiresAt ? `, expiring ${expiresAt.toISOString()}` : ""}.`,
      "Its token is shown only now:",
      "```",
      created.token,
      "```",
    ].join("\n"),
    [{ type: "api_token.created", token_id: view.id, user_id: view.bot.user_id, token: created.token }],
    created.events,
  );
}

// A reply is read in a chat pane: the newest tokens, with the way to all of them.
const LISTED = 50;

async function listTokens(ctx: CommandContext) {
  const { listBotTokens } = await import("../bots/tokens.ts");
  const { items: tokens, has_more } = await listBotTokens(ctx.db, communityOf(ctx, "token"), {
    after: undefined,
    limit: LISTED,
  });
  if (tokens.length === 0) return outcome("No bot tokens yet; `/token create <name>` makes one.");
  const state = (t: (typeof tokens)[number]) =>
    t.revoked_at ? "revoked" : t.expires_at && t.expires_at <= new Date() ? "expired" : "live";
  return outcome(
    [
      "| id | bot | scopes | state | last used |",
      "|---|---|---|---|---|",
      ...tokens.map(
        (t) =>
          `| \`${t.id}\` | @${t.bot.username} | ${t.scopes.join(" ")} | ${state(t)} | ${t.last_used_at?.toISOString() ?? "never"} |`,
      ),
      ...(has_more
        ? [
            "",
            `The newest ${LISTED}; \`ajet-chat token list\` or \`GET /api/communities/<slug>/tokens\` pages through all.`,
          ]
        : []),
    ].join("\n"),
  );
}

async function revokeToken(ctx: CommandContext, id: string) {
  const { doRevokeBotToken } = await import("../bots/tokens.ts");
  const revoked = await doRevokeBotToken(ctx.db, ctx.principal.user.id, communityOf(ctx, "token"), id);
  return outcome(
    `Revoked token \`${id}\`.`,
    [{ type: "api_token.revoked", token_id: revoked.token.id }],
    revoked.events,
  );
}

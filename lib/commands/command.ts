import type { Principal } from "../auth/authenticate.ts";
import type { Scope } from "../auth/scopes.ts";
import type { Outgoing } from "../bus/publish.ts";
import type { ChannelAccess } from "../channels/access.ts";
import type { Db } from "../db/client.ts";
import { invalid } from "../errors.ts";
import type { Moderator } from "../moderation/members.ts";
import type { RemoteMedia } from "../webhooks/manage.ts";
import type { Args } from "./args.ts";

/** What /help says about a command, and what it needs beyond access to the channel it is typed in. */
export interface CommandSpec {
  name: string;
  /** One line per form, e.g. `/token create <name> [scopes…] [expiry]`. */
  usage: string[];
  summary: string;
  details: string;
  /** Owners and admins only. */
  admin: boolean;
  /** The scope a bot token needs to run it; null for any token. */
  scope: Scope | null;
  /** Bots may not run it at all. */
  peopleOnly?: boolean;
}

export interface CommandContext {
  db: Db;
  publicUrl: string;
  principal: Principal;
  /** The channel the command was typed in. */
  access: ChannelAccess;
  ip: string;
  /** Where remote pictures are fetched and kept (`/webhook create … --avatar <url>`). */
  media?: RemoteMedia;
  /** The zone wall-clock times are read in (/remind). */
  timeZone: string;
  /** Wakes the job poller for a reminder due sooner than its next look. */
  scheduler: { wake(dueAt: Date): void };
}

/** What changed, so clients know what to refresh. */
export type Effect = { type: string } & Record<string, unknown>;

export interface CommandOutcome {
  reply_md: string;
  effects: Effect[];
  /** To publish after the change committed. */
  events: Outgoing[];
  /** Files of deleted messages, to remove from storage after commit. */
  storageKeys: string[];
}

/**
 * A slash command: its spec, how it reads its arguments, and what it does with them. `parse` is
 * pure (names stay names; `run` looks them up) and throws `invalidArgs` on malformed input; `run`
 * acts for a caller `checkMayRun` let through, via the domain's own actions, which it loads with
 * `await import(…)`: the terminal and web clients read the catalog for completion, and must not load
 * the database layer to list commands (test/unit/commands-catalog.test.ts holds the catalog to that).
 * They are methods, not function properties, so a `Command<Parsed>` fits a list of `Command`s;
 * `parseCommand` only ever hands a command's `run` what that command's own `parse` returned.
 */
export interface Command<Parsed = unknown> extends CommandSpec {
  parse(args: Args): Parsed;
  run(ctx: CommandContext, parsed: Parsed): Promise<CommandOutcome>;
}

/** Declares a command, so its parser's output type is its `run`'s input type. */
export const defineCommand = <Parsed>(command: Command<Parsed>): Command<Parsed> => command;

/** The usage lines of a command, for error messages. */
export const usageOf = (spec: CommandSpec) => `usage: ${spec.usage.join(" | ")}`;

export const noSuchCommand = (name: string) =>
  `there is no /${name} command; /help lists the ones you can run`;

/** A command's answer: the reply for the caller, what changed, and what to do after commit. */
export const outcome = (
  reply_md: string,
  effects: Effect[] = [],
  events: Outgoing[] = [],
  storageKeys: string[] = [],
): CommandOutcome => ({ reply_md, effects, events, storageKeys });

/** The community of the channel the command was typed in; commands naming people or channels need one. */
export function communityOf(ctx: CommandContext, commandName: string): string {
  const id = ctx.access.channel.communityId;
  if (!id) throw invalid(`/${commandName} works in a community's channels, not in a DM`);
  return id;
}

/** The caller as a moderator, for admin commands (checkMayRun made sure of the role). */
export const moderatorOf = (ctx: CommandContext): Moderator => ({
  userId: ctx.principal.user.id,
  role: ctx.access.role as string,
});

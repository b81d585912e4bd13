import { SCOPES, type Scope } from "../auth/api-tokens.ts";
import { CHANNEL_NAME } from "../channels/manage.ts";
import { hasControls } from "../control-chars.ts";
import { USERNAME } from "../users/username.ts";
import { type CommandSpec, commandSpec, usageOf } from "./catalog.ts";
import { parseDuration } from "./duration.ts";
import { readToken, restOfLine, type Token } from "./tokenize.ts";

/** A person named in a command, not yet looked up. */
export interface UserRef {
  username: string;
}
/** A channel named in a command, not yet looked up. */
export interface ChannelRef {
  name: string;
}

export type Command =
  | { name: "join"; channel: ChannelRef }
  | { name: "leave" }
  | { name: "topic"; topic: string }
  | { name: "msg"; user: UserRef; text: string }
  | { name: "invite"; user: UserRef; channel: ChannelRef | null }
  | { name: "me"; action: string }
  | { name: "help"; topic: string | null }
  | { name: "ban"; user: UserRef; reason: string | null }
  | { name: "unban"; user: UserRef }
  | { name: "kick"; user: UserRef }
  | { name: "mute"; user: UserRef; durationMs: number }
  | { name: "unmute"; user: UserRef }
  | { name: "role"; user: UserRef; role: "admin" | "member" }
  | { name: "purge"; channel: ChannelRef; count: number }
  | { name: "token_create"; botName: string; scopes: Scope[]; expiresInMs: number | null }
  | { name: "token_list" }
  | { name: "token_revoke"; id: string }
  | { name: "webhook_create"; channel: ChannelRef; hookName: string }
  | { name: "webhook_list" }
  | { name: "webhook_revoke"; id: string };

export interface CommandError {
  code: "invalid_command" | "unknown_command";
  message: string;
}

export type ParseResult =
  | { ok: true; command: Command; spec: CommandSpec }
  | { ok: false; error: CommandError };

/** Longer than any message (40,000 characters) plus its command. */
export const MAX_COMMAND_CHARS = 40_200;
export const MAX_MUTE_MS = 365 * 86_400_000;
export const MAX_TOKEN_LIFETIME_MS = 5 * 365 * 86_400_000;
export const DEFAULT_MUTE_MS = 3_600_000;
export const DEFAULT_PURGE_COUNT = 10;
export const MAX_PURGE_COUNT = 500;
export const DEFAULT_BOT_SCOPES: Scope[] = ["messages:read", "messages:write", "channels:read"];
/** Bot names: the part before `-bot` in its username. */
export const BOT_NAME = /^[a-z0-9][a-z0-9._-]{0,27}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// Tabs and newlines are text; every other C0 control character, DEL and the C1 range are not.
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it refuses
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;

/** Thrown inside the parser only; parseCommand turns it into a result. */
class Invalid extends Error {}

/**
 * Parses one slash command typed by a person, without touching the database: `@user` and
 * `#channel` come back as names for the caller to resolve in the channel's community. Malformed
 * input is an `ok: false` result whose message ends with the command's usage.
 */
export function parseCommand(text: string): ParseResult {
  const fail = (code: CommandError["code"], message: string): ParseResult => ({
    ok: false,
    error: { code, message },
  });
  if (text.length > MAX_COMMAND_CHARS) {
    return fail("invalid_command", `a command is at most ${MAX_COMMAND_CHARS} characters`);
  }
  if (CONTROL.test(text)) return fail("invalid_command", "a command cannot contain control characters");
  const trimmed = text.trimStart();
  const head = /^\/([A-Za-z]+)(?=\s|$)/.exec(trimmed);
  if (!head) {
    return fail("invalid_command", "a command starts with / and a name, like /help");
  }
  const name = (head[1] as string).toLowerCase();
  const spec = commandSpec(name);
  if (!spec) return fail("unknown_command", `there is no /${name} command; /help lists the ones you can run`);
  try {
    const args = new Args(trimmed, head[0].length, spec);
    return { ok: true, command: commandOf(name, args), spec };
  } catch (err) {
    if (err instanceof Invalid) return fail("invalid_command", `${err.message}\n${usageOf(spec)}`);
    throw err;
  }
}

/** The words after the command name, read left to right. */
class Args {
  constructor(
    private readonly input: string,
    private pos: number,
    private readonly spec: CommandSpec,
  ) {}

  private next(): Token | null {
    const read = readToken(this.input, this.pos);
    if (!read.ok) throw new Invalid(read.message);
    if (read.token) this.pos = read.token.end;
    return read.token;
  }

  word(what: string): string {
    const token = this.next();
    if (!token) throw new Invalid(`missing ${what}`);
    return token.value;
  }

  optionalWord(): string | null {
    return this.next()?.value ?? null;
  }

  user(): UserRef {
    const token = this.next();
    if (!token) throw new Invalid("missing @user");
    const username = token.value.replace(/^@/, "").toLowerCase();
    if (!USERNAME.test(username)) throw new Invalid(`"${clip(token.value)}" is not a username`);
    return { username };
  }

  channel(required = true): ChannelRef | null {
    const token = this.next();
    if (!token) {
      if (required) throw new Invalid("missing #channel");
      return null;
    }
    const name = token.value.replace(/^#/, "").toLowerCase();
    if (!CHANNEL_NAME.test(name)) throw new Invalid(`"${clip(token.value)}" is not a channel name`);
    return { name };
  }

  id(): string {
    const value = this.word("id");
    if (!UUID.test(value))
      throw new Invalid(
        `"${clip(value)}" is not an id (ids look like 0190…-…; /${this.spec.name} list shows them)`,
      );
    return value.toLowerCase();
  }

  /** Free text to the end; `required` refuses an empty one. */
  rest(what: string, required = true): string {
    const text = restOfLine(this.input, this.pos);
    this.pos = this.input.length;
    if (required && text.trim() === "") throw new Invalid(`missing ${what}`);
    return text;
  }

  /** Whether the text had anything after the command name, quoted or not. */
  hasRest(): boolean {
    return this.input.slice(this.pos).trim() !== "";
  }

  end() {
    const extra = this.next();
    if (extra) throw new Invalid(`unexpected "${clip(extra.value)}"`);
  }
}

const clip = (s: string) => (s.length > 40 ? `${s.slice(0, 40)}…` : s);

function commandOf(name: string, a: Args): Command {
  switch (name) {
    case "join": {
      const channel = a.channel() as ChannelRef;
      a.end();
      return { name, channel };
    }
    case "leave":
      a.end();
      return { name };
    case "topic": {
      if (!a.hasRest()) throw new Invalid('missing topic (`/topic ""` clears it)');
      const topic = a.rest("topic", false).trim();
      if (topic.length > 250) throw new Invalid("a topic is at most 250 characters");
      if (hasControls(topic)) throw new Invalid("a topic is one line, without control characters");
      return { name, topic };
    }
    case "msg": {
      const user = a.user();
      return { name, user, text: a.rest("message text") };
    }
    case "invite": {
      const user = a.user();
      const channel = a.channel(false);
      a.end();
      return { name, user, channel };
    }
    case "me":
      return { name, action: a.rest("action").replace(/\s+/g, " ").trim() };
    case "help": {
      const topic = a.optionalWord();
      a.end();
      return { name, topic: topic ? topic.replace(/^\//, "").toLowerCase() : null };
    }
    case "ban": {
      const user = a.user();
      const reason = a.rest("reason", false).trim();
      if (reason.length > 500) throw new Invalid("a reason is at most 500 characters");
      return { name, user, reason: reason || null };
    }
    case "unban":
    case "kick":
    case "unmute": {
      const user = a.user();
      a.end();
      return { name, user };
    }
    case "mute": {
      const user = a.user();
      const given = a.optionalWord();
      a.end();
      if (given === null) return { name, user, durationMs: DEFAULT_MUTE_MS };
      const durationMs = parseDuration(given, MAX_MUTE_MS);
      if (durationMs === null) {
        throw new Invalid(`"${clip(given)}" is not a duration like 10m, 2h, 1d or 1w (at most 365d)`);
      }
      return { name, user, durationMs };
    }
    case "role": {
      const user = a.user();
      const role = a.word("role (admin or member)").toLowerCase();
      a.end();
      if (role !== "admin" && role !== "member") {
        throw new Invalid(`"${clip(role)}" is not a role; use admin or member`);
      }
      return { name, user, role };
    }
    case "purge": {
      const channel = a.channel() as ChannelRef;
      const given = a.optionalWord();
      a.end();
      if (given === null) return { name, channel, count: DEFAULT_PURGE_COUNT };
      if (!/^\d{1,4}$/.test(given) || Number(given) < 1 || Number(given) > MAX_PURGE_COUNT) {
        throw new Invalid(`the count must be a whole number from 1 to ${MAX_PURGE_COUNT}`);
      }
      return { name, channel, count: Number(given) };
    }
    case "token":
      return tokenCommand(a);
    case "webhook":
      return webhookCommand(a);
  }
  throw new Invalid(`/${name} has no parser`);
}

function tokenCommand(a: Args): Command {
  const sub = a.word("create, list or revoke").toLowerCase();
  if (sub === "list") {
    a.end();
    return { name: "token_list" };
  }
  if (sub === "revoke") {
    const id = a.id();
    a.end();
    return { name: "token_revoke", id };
  }
  if (sub !== "create") throw new Invalid(`"${clip(sub)}" is not create, list or revoke`);
  const botName = a.word("bot name").toLowerCase().replace(/-bot$/, "");
  if (!BOT_NAME.test(botName)) {
    throw new Invalid(
      `"${clip(botName)}" is not a bot name: 1–28 lower-case letters, digits, '.', '_' or '-'`,
    );
  }
  const scopes = new Set<Scope>();
  let expiresInMs: number | null = null;
  for (let word = a.optionalWord(); word !== null; word = a.optionalWord()) {
    for (const part of word.split(",").filter(Boolean)) {
      const scope = part.toLowerCase();
      if ((SCOPES as readonly string[]).includes(scope)) {
        scopes.add(scope as Scope);
        continue;
      }
      const lifetime = parseDuration(part, MAX_TOKEN_LIFETIME_MS);
      if (lifetime === null || expiresInMs !== null) {
        throw new Invalid(`"${clip(part)}" is neither a scope (${SCOPES.join(", ")}) nor an expiry like 90d`);
      }
      expiresInMs = lifetime;
    }
  }
  return {
    name: "token_create",
    botName,
    scopes: scopes.size ? [...scopes] : DEFAULT_BOT_SCOPES,
    expiresInMs,
  };
}

function webhookCommand(a: Args): Command {
  const sub = a.word("create, list or revoke").toLowerCase();
  if (sub === "list") {
    a.end();
    return { name: "webhook_list" };
  }
  if (sub === "revoke") {
    const id = a.id();
    a.end();
    return { name: "webhook_revoke", id };
  }
  if (sub !== "create") throw new Invalid(`"${clip(sub)}" is not create, list or revoke`);
  const channel = a.channel() as ChannelRef;
  const hookName = a.rest("webhook name").replace(/\s+/g, " ").trim();
  if (hookName.length > 80) throw new Invalid("a webhook name is at most 80 characters");
  return { name: "webhook_create", channel, hookName };
}

import { CHANNEL_NAME } from "../channels/name.ts";
import { invalid } from "../errors.ts";
import { USERNAME } from "../users/username.ts";
import { readToken, restOfLine, type Token } from "./tokenize.ts";

/** A person named in a command, not yet looked up. */
export interface UserRef {
  username: string;
}
/** A channel named in a command, not yet looked up. */
export interface ChannelRef {
  name: string;
}

/** Malformed arguments: parseCommand answers `invalid_command` with this message and the usage. */
export const invalidArgs = (message: string) => invalid(message, "invalid_command");

/** A word of input quoted back in an error, cut short. */
export const clip = (s: string) => (s.length > 40 ? `${s.slice(0, 40)}…` : s);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The words after a command's name, read left to right; each reader throws `invalidArgs`. */
export class Args {
  constructor(
    private readonly input: string,
    private pos: number,
    /** The command being read, for messages that point at its other forms. */
    private readonly commandName: string,
  ) {}

  private next(): Token | null {
    const read = readToken(this.input, this.pos);
    if (!read.ok) throw invalidArgs(read.message);
    if (read.token) this.pos = read.token.end;
    return read.token;
  }

  word(what: string): string {
    const token = this.next();
    if (!token) throw invalidArgs(`missing ${what}`);
    return token.value;
  }

  optionalWord(): string | null {
    return this.next()?.value ?? null;
  }

  user(): UserRef {
    const token = this.next();
    if (!token) throw invalidArgs("missing @user");
    const username = token.value.replace(/^@/, "").toLowerCase();
    if (!USERNAME.test(username)) throw invalidArgs(`"${clip(token.value)}" is not a username`);
    return { username };
  }

  channel(): ChannelRef {
    const channel = this.optionalChannel();
    if (!channel) throw invalidArgs("missing #channel");
    return channel;
  }

  optionalChannel(): ChannelRef | null {
    const token = this.next();
    if (!token) return null;
    const name = token.value.replace(/^#/, "").toLowerCase();
    if (!CHANNEL_NAME.test(name)) throw invalidArgs(`"${clip(token.value)}" is not a channel name`);
    return { name };
  }

  id(): string {
    const value = this.word("id");
    if (!UUID.test(value))
      throw invalidArgs(
        `"${clip(value)}" is not an id (ids look like 0190…-…; /${this.commandName} list shows them)`,
      );
    return value.toLowerCase();
  }

  /** Free text to the end; `required` refuses an empty one. */
  rest(what: string, required = true): string {
    const text = restOfLine(this.input, this.pos);
    this.pos = this.input.length;
    if (required && text.trim() === "") throw invalidArgs(`missing ${what}`);
    return text;
  }

  /** Whether the text had anything after the command name, quoted or not. */
  hasRest(): boolean {
    return this.input.slice(this.pos).trim() !== "";
  }

  end() {
    const extra = this.next();
    if (extra) throw invalidArgs(`unexpected "${clip(extra.value)}"`);
  }
}

/**
 * The forms of a family that manages things by id (`/token`, `/webhook`): `list`, `revoke <id>`, or
 * `create …` read by `create`.
 */
export function manageForms<Create extends { sub: "create" }>(
  a: Args,
  create: (a: Args) => Create,
): Create | { sub: "list" } | { sub: "revoke"; id: string } {
  const sub = a.word("create, list or revoke").toLowerCase();
  if (sub === "list") {
    a.end();
    return { sub };
  }
  if (sub === "revoke") {
    const id = a.id();
    a.end();
    return { sub, id };
  }
  if (sub !== "create") throw invalidArgs(`"${clip(sub)}" is not create, list or revoke`);
  return create(a);
}

/** The arguments of commands that take one person and nothing else (`/kick @user`). */
export function onlyUser(a: Args) {
  const user = a.user();
  a.end();
  return { user };
}

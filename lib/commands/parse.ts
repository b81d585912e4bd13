import { AppError } from "../errors.ts";
import { Args } from "./args.ts";
import { commandNamed } from "./catalog.ts";
import { type Command, noSuchCommand, usageOf } from "./command.ts";

export interface CommandError {
  code: "invalid_command" | "unknown_command";
  message: string;
}

/** A command and what its parser read, ready for `command.run(ctx, args)`. */
export type ParseResult = { ok: true; command: Command; args: unknown } | { ok: false; error: CommandError };

/** Longer than any message (40,000 characters) plus its command. */
export const MAX_COMMAND_CHARS = 40_200;
// Tabs and newlines are text; every other C0 control character, DEL and the C1 range are not.
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it refuses
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;

/**
 * Parses one slash command typed by a person, without touching the database: `@user` and
 * `#channel` come back as names for the command's `run` to resolve in the channel's community.
 * Malformed input is an `ok: false` result whose message ends with the command's usage.
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
  const command = commandNamed(name);
  if (!command) return fail("unknown_command", noSuchCommand(name));
  try {
    return { ok: true, command, args: command.parse(new Args(trimmed, head[0].length, name)) };
  } catch (err) {
    if (err instanceof AppError && err.code === "invalid_command") {
      return fail("invalid_command", `${err.message}\n${usageOf(command)}`);
    }
    throw err;
  }
}

import type { MessageJson } from "../../../client/views.ts";
import { emojiOf } from "../../emoji.ts";
import { intFlag } from "../args.ts";
import type { Command } from "../command.ts";
import { type Context, isId, required } from "../context.ts";
import { CliError, EXIT } from "../errors.ts";
import { printMessage } from "../format.ts";

const postFlags = {
  code: { type: "boolean" },
  lang: { type: "string" },
  quiet: { type: "boolean", short: "q" },
  "idempotency-key": { type: "string" },
} as const;

/** The text as sent: a code block with --code (with a fence longer than any inside it). */
function bodyOf(ctx: Context, text: string): string {
  if (text.trim() === "") throw new CliError(EXIT.usage, "nothing to send: the message is empty");
  if (!ctx.has("code")) return text;
  const longest = Math.max(2, ...(text.match(/`{3,}/g) ?? []).map((f) => f.length));
  const fence = "`".repeat(longest + 1);
  return `${fence}${ctx.flag("lang") ?? ""}\n${text}\n${fence}`;
}

/**
 * The idempotency key: given, or made once per invocation. Every retry of this invocation's POST
 * carries the same one, so a send that reached the server before the connection dropped is found,
 * not posted twice.
 */
function keyOf(ctx: Context) {
  const given = ctx.flag("idempotency-key");
  if (given !== undefined && (given.trim() === "" || given.length > 100)) {
    throw new CliError(EXIT.usage, "--idempotency-key must be 1 to 100 characters");
  }
  return given ?? `cli-${Bun.randomUUIDv7()}`;
}

function printSent(ctx: Context, m: MessageJson, where: string) {
  if (ctx.has("quiet") && ctx.out.mode !== "json") return ctx.out.line(m.id);
  const s = ctx.out.style;
  ctx.out.record(m, [m.id], () => `${s.green("✓")} sent to ${where}  ${s.gray(m.id)}`);
}

/** The message id at positional `i`, or a usage error. */
export async function messageId(ctx: Context, i: number) {
  const id = required(ctx.args, i, "message id");
  if (!isId(id)) throw new CliError(EXIT.usage, `"${id}" is not a message id`);
  return id;
}

/**
 * `send <#channel|@user> [text]`: posts a message; text from stdin when not given. `--at <when>`
 * schedules it instead ("in 20 minutes", "tomorrow at 9am", an ISO time), read in this terminal's
 * time zone.
 */
export const send: Command = {
  usage: "send <#channel|@user> [text] [--at <when>] [--code [--lang L]] [-q] [--idempotency-key K]",
  flags: { ...postFlags, at: { type: "string" } },
  async run(ctx) {
    const target = await ctx.target(required(ctx.args, 0, "#channel or @user"));
    const body = bodyOf(ctx, await ctx.text(ctx.args.positionals.slice(1)));
    const at = ctx.flag("at");
    if (at !== undefined) {
      const { sendAtOf, printScheduled } = await import("./scheduled.ts");
      const job = await ctx.client.scheduleMessage(target.id, { body_md: body, send_at: sendAtOf(at) });
      return printScheduled(ctx, job, target.label);
    }
    const m = await ctx.client.postMessage(target.id, { body_md: body, client_msg_id: keyOf(ctx) });
    printSent(ctx, m, target.label);
  },
};

/**
 * `dm @a [@b…] [text]`: finds or starts the DM or group DM with exactly these people (and you), and
 * posts the text there when there is some (from stdin when piped).
 */
export const dm: Command = {
  usage: "dm @user [@user…] [text] [--code [--lang L]] [-q] [--idempotency-key K]",
  flags: postFlags,
  async run(ctx) {
    const words = ctx.args.positionals;
    const count = words.findIndex((w) => !w.startsWith("@"));
    const names = count === -1 ? words : words.slice(0, count);
    if (names.length === 0) throw new CliError(EXIT.usage, "missing @user: name the people to talk with");
    const people = await Promise.all(names.map((n) => ctx.user(n)));
    const opened = await ctx.client.openDm(people.map((p) => p.id));
    const label = people.map((p) => `@${p.username}`).join(",");
    const rest = count === -1 ? [] : words.slice(count);
    const text = rest.length || !process.stdin.isTTY ? await ctx.text(rest) : "";
    if (text.trim() === "") {
      const s = ctx.out.style;
      return ctx.out.record(
        opened,
        [opened.id, label],
        () => `${s.green("✓")} ${label}  ${s.gray(opened.id)}`,
      );
    }
    const body = bodyOf(ctx, text);
    const m = await ctx.client.postMessage(opened.id, { body_md: body, client_msg_id: keyOf(ctx) });
    printSent(ctx, m, label);
  },
};

/** `reply <message-id> [text]`: answers in the message's thread. */
export const reply: Command = {
  usage: "reply <message-id> [text] [--code [--lang L]] [-q] [--idempotency-key K]",
  flags: postFlags,
  async run(ctx) {
    const parent = await ctx.client.message(await messageId(ctx, 0));
    const body = bodyOf(ctx, await ctx.text(ctx.args.positionals.slice(1)));
    const m = await ctx.client.postMessage(parent.channel_id, {
      body_md: body,
      // Threads are one level deep: a reply to a reply goes to the thread's first message.
      parent_id: parent.parent_id ?? parent.id,
      client_msg_id: keyOf(ctx),
    });
    printSent(ctx, m, `the thread of ${parent.parent_id ?? parent.id}`);
  },
};

/** `read <#channel|@user>`: a page of history, oldest first. */
export const read: Command = {
  usage: "read <#channel|@user> [--limit N] [--before ID]",
  flags: { limit: { type: "string", short: "n" }, before: { type: "string" } },
  async run(ctx) {
    const target = await ctx.target(required(ctx.args, 0, "#channel or @user"));
    const before = ctx.flag("before");
    if (before !== undefined && !isId(before)) throw new CliError(EXIT.usage, "--before takes a message id");
    const page = await ctx.client.history(target.id, {
      limit: intFlag(ctx.args.flags, "limit", 20, 200),
      before,
    });
    for (const m of page.items.reverse()) printMessage(ctx.out, m, target.label);
  },
};

/** `thread <message-id>`: the thread's first message and every reply. */
export const thread: Command = {
  usage: "thread <message-id>",
  async run(ctx) {
    let root = await ctx.client.message(await messageId(ctx, 0));
    if (root.parent_id) root = await ctx.client.message(root.parent_id);
    const label = await ctx.labelOf(root.channel_id);
    printMessage(ctx.out, root, label);
    let after: string | undefined;
    for (let pages = 0; pages < 25; pages++) {
      const page = await ctx.client.replies(root.id, { limit: 200, after });
      for (const m of page.items) printMessage(ctx.out, m, label);
      if (!page.has_more || page.items.length === 0) break;
      after = page.items[page.items.length - 1]?.id;
    }
  },
};

/** `react <message-id> <emoji>`: adds your reaction (`--remove` takes it back). */
export const react: Command = {
  usage: "react <message-id> <emoji> [--remove]",
  flags: { remove: { type: "boolean" } },
  async run(ctx) {
    const id = await messageId(ctx, 0);
    const emoji = emojiOf(required(ctx.args, 1, "emoji"));
    const m = await ctx.client.react(id, emoji, !ctx.has("remove"));
    const summary = m.reactions.map((r) => `${r.emoji} ${r.count}`).join("  ");
    ctx.out.record(m, [m.id, m.reactions.map((r) => `${r.emoji}:${r.count}`).join(",")], () =>
      [ctx.out.style.green("✓"), summary || ctx.out.style.dim("no reactions")].join(" "),
    );
  },
};

/** `edit <message-id> [text]`: replaces your message's text. */
export const edit: Command = {
  usage: "edit <message-id> [text] [--code [--lang L]] [-q]",
  flags: { code: postFlags.code, lang: postFlags.lang, quiet: postFlags.quiet },
  async run(ctx) {
    const id = await messageId(ctx, 0);
    const body = bodyOf(ctx, await ctx.text(ctx.args.positionals.slice(1)));
    const m = await ctx.client.editMessage(id, body);
    if (ctx.has("quiet") && ctx.out.mode !== "json") return ctx.out.line(m.id);
    ctx.out.record(m, [m.id], () => `${ctx.out.style.green("✓")} edited ${ctx.out.style.gray(m.id)}`);
  },
};

/** `delete <message-id>`: deletes a message (a tombstone stays in history). */
export const remove: Command = {
  usage: "delete <message-id>",
  async run(ctx) {
    const m = await ctx.client.deleteMessage(await messageId(ctx, 0));
    ctx.out.record(m, [m.id], () => `${ctx.out.style.green("✓")} deleted ${ctx.out.style.gray(m.id)}`);
  },
};

import { intFlag } from "../args.ts";
import type { Command } from "../command.ts";
import { required } from "../context.ts";
import { printMessage } from "../format.ts";
import { messageId } from "./messages.ts";

const pageFlags = { limit: { type: "string", short: "n" } } as const;

/** `pins <#channel|@user>`: the channel's pinned messages, newest first. */
export const pins: Command = {
  usage: "pins <#channel|@user> [--limit N]",
  flags: pageFlags,
  async run(ctx) {
    const target = await ctx.target(required(ctx.args, 0, "#channel or @user"));
    const page = await ctx.client.pins(target.id, { limit: intFlag(ctx.args.flags, "limit", 50, 200) });
    for (const item of page.items) {
      if (ctx.out.mode === "json") ctx.out.record(item, [], () => "");
      else printMessage(ctx.out, item.message, target.label);
    }
  },
};

/** `saved`: the messages you saved, newest first. */
export const saved: Command = {
  usage: "saved [--limit N]",
  flags: pageFlags,
  async run(ctx) {
    const page = await ctx.client.saved({ limit: intFlag(ctx.args.flags, "limit", 50, 200) });
    for (const item of page.items) {
      if (ctx.out.mode === "json") ctx.out.record(item, [], () => "");
      else printMessage(ctx.out, item.message, await ctx.labelOf(item.message.channel_id));
    }
  },
};

/** `pin` / `unpin` / `save` / `unsave <message-id>`: one shape, four verbs. */
function toggle(verb: "pin" | "unpin" | "save" | "unsave"): Command {
  return {
    usage: `${verb} <message-id>`,
    async run(ctx) {
      const id = await messageId(ctx, 0);
      const on = !verb.startsWith("un");
      const result = verb.endsWith("pin") ? await ctx.client.pin(id, on) : await ctx.client.save(id, on);
      const s = ctx.out.style;
      const done = { pin: "pinned", unpin: "unpinned", save: "saved", unsave: "no longer saved" }[verb];
      ctx.out.record(result, [id, done], () => `${s.green("✓")} ${done} ${s.gray(id)}`);
    },
  };
}

export const pin = toggle("pin");
export const unpin = toggle("unpin");
export const save = toggle("save");
export const unsave = toggle("unsave");

import { parseDuration } from "../../../commands/duration.ts";
import type { Command } from "../command.ts";
import { required } from "../context.ts";
import { CliError, EXIT } from "../errors.ts";

const LEVELS = ["all", "mentions", "nothing", "default", "mute", "unmute"];

/** `notify <#channel|@user> all|mentions|nothing|default|mute|unmute`: what notifies you there. */
export const notify: Command = {
  usage: "notify <#channel|@user> all|mentions|nothing|default|mute|unmute",
  async run(ctx) {
    const target = await ctx.target(required(ctx.args, 0, "#channel or @user"));
    const word = required(ctx.args, 1, "all, mentions, nothing, default, mute or unmute").toLowerCase();
    if (!LEVELS.includes(word)) {
      throw new CliError(EXIT.usage, `"${word}" is not all, mentions, nothing, default, mute or unmute`);
    }
    const change =
      word === "mute" || word === "unmute"
        ? { muted: word === "mute" }
        : { notify: word === "default" ? null : word };
    const c = await ctx.client.setNotify(target.id, change);
    const s = ctx.out.style;
    ctx.out.record(c, [target.label, c.notify ?? "", c.muted ? "muted" : "unmuted"], () =>
      [s.green("✓"), target.label, `notify ${c.notify}`, c.muted ? s.yellow("muted") : ""]
        .filter(Boolean)
        .join("  "),
    );
  },
};

/** `dnd <duration>|off`: do not disturb for a while (notifications are kept; nothing rings). */
export const dnd: Command = {
  usage: "dnd <duration like 30m, 2h, 1d>|off",
  async run(ctx) {
    const word = required(ctx.args, 0, "a duration like 1h, or off").toLowerCase();
    const ms = word === "off" ? null : parseDuration(word, 7 * 86_400_000);
    if (ms === null && word !== "off") {
      throw new CliError(EXIT.usage, `"${word}" is not a duration like 30m, 2h or 1d (at most 7d), nor off`);
    }
    const me = await ctx.client.setDnd(ms === null ? null : Math.max(1, Math.round(ms / 60_000)));
    const s = ctx.out.style;
    const until = me.dnd_until ?? null;
    ctx.out.record({ dnd_until: until }, [until ?? "off"], () =>
      until
        ? `${s.green("✓")} do not disturb until ${new Date(until).toLocaleString()}`
        : `${s.green("✓")} do not disturb is off`,
    );
  },
};

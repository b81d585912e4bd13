import { clip, invalidArgs } from "./args.ts";
import { defineCommand, outcome } from "./command.ts";

const LEVELS = ["all", "mentions", "nothing", "default"] as const;

export const notify = defineCommand({
  name: "notify",
  usage: ["/notify all|mentions|nothing|default"],
  summary: "Choose what notifies you in this channel",
  details:
    "`all`: every message; `mentions`: mentions of you, @channel, @here, DMs and threads you are in; `nothing`: no notifications here at all; `default`: mentions in channels, every message in DMs.",
  admin: false,
  scope: "channels:write",
  parse(a) {
    const word = a.word("all, mentions, nothing or default").toLowerCase();
    a.end();
    const level = LEVELS.find((l) => l === word);
    if (!level) throw invalidArgs(`"${clip(word)}" is not all, mentions, nothing or default`);
    return { level };
  },
  async run(ctx, { level }) {
    const { doSetChannelNotify } = await import("../notifications/preferences.ts");
    const notify = level === "default" ? null : level;
    const { channel, events } = await doSetChannelNotify(ctx.db, ctx.principal.user.id, ctx.access, {
      notify,
    });
    const where = ctx.access.channel.communityId ? `#${channel.name}` : "this conversation";
    return outcome(
      `Notifications in ${where}: ${channel.notify}${level === "default" ? " (the default)" : ""}.`,
      [{ type: "channel.notify", channel_id: channel.id, notify: channel.notify, muted: channel.muted }],
      events,
    );
  },
});

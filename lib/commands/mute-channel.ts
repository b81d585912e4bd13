import { defineCommand, outcome } from "./command.ts";

/** `/mute-channel` and `/unmute-channel` (unmute-channel.ts): one definition, two names. */
export function muteSwitch(muted: boolean) {
  return defineCommand({
    name: muted ? "mute-channel" : "unmute-channel",
    usage: [muted ? "/mute-channel" : "/unmute-channel"],
    summary: muted ? "Mute this channel for yourself" : "Unmute this channel",
    details: muted
      ? "Its unread messages no longer weigh on your badges and nothing rings for it; mentions of you are still kept and counted."
      : "Its unread messages count again, and its notifications ring.",
    admin: false,
    scope: "channels:write",
    parse(a) {
      a.end();
      return {};
    },
    async run(ctx) {
      const { doSetChannelNotify } = await import("../notifications/preferences.ts");
      const { channel, events } = await doSetChannelNotify(ctx.db, ctx.principal.user.id, ctx.access, {
        muted,
      });
      const where = ctx.access.channel.communityId ? `#${channel.name}` : "this conversation";
      return outcome(
        muted ? `Muted ${where}.` : `Unmuted ${where}.`,
        [{ type: "channel.notify", channel_id: channel.id, notify: channel.notify, muted: channel.muted }],
        events,
      );
    },
  });
}

export const muteChannel = muteSwitch(true);

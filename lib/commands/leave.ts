import { defineCommand, outcome } from "./command.ts";

export const leave = defineCommand({
  name: "leave",
  usage: ["/leave"],
  summary: "Leave this channel",
  details: "Leaves the channel (or group DM) the command is typed in. A 1:1 DM cannot be left.",
  admin: false,
  scope: "channels:write",
  parse(a) {
    a.end();
    return {};
  },
  async run(ctx) {
    const { doLeaveChannel } = await import("../channels/manage.ts");
    const { channel } = ctx.access;
    const left = await doLeaveChannel(ctx.db, ctx.principal.user.id, ctx.access);
    if (left.events.length === 0) return outcome(`You are not in #${channel.name}.`);
    return outcome(`Left #${channel.name}.`, [{ type: "channel.left", channel_id: channel.id }], left.events);
  },
});

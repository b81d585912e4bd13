import { communityOf, defineCommand, outcome } from "./command.ts";

export const join = defineCommand({
  name: "join",
  usage: ["/join #channel"],
  summary: "Join a public channel of this community",
  details: "You join the channel and start with nothing unread. Private channels need /invite.",
  admin: false,
  scope: "channels:write",
  parse(a) {
    const channel = a.channel();
    a.end();
    return { channel };
  },
  async run(ctx, { channel }) {
    const { doJoinChannel } = await import("../channels/manage.ts");
    const { resolveChannel } = await import("./resolve.ts");
    const target = await resolveChannel(ctx.db, ctx.principal.user.id, communityOf(ctx, "join"), channel);
    const joined = await doJoinChannel(ctx.db, ctx.principal.user.id, target);
    const { name, id } = target.channel;
    if (joined.events.length === 0) return outcome(`You are already in #${name}.`);
    return outcome(`Joined #${name}.`, [{ type: "channel.joined", channel_id: id }], joined.events);
  },
});

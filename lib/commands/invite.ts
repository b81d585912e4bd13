import { communityOf, defineCommand, outcome } from "./command.ts";

export const invite = defineCommand({
  name: "invite",
  usage: ["/invite @user [#channel]"],
  summary: "Add a member of this community to this (or the named) channel",
  details: "You must be in the channel; the person is told with an invite notification.",
  admin: false,
  scope: "channels:write",
  parse(a) {
    const user = a.user();
    const channel = a.optionalChannel();
    a.end();
    return { user, channel };
  },
  async run(ctx, { user: ref, channel }) {
    const { doAddChannelMember } = await import("../channels/manage.ts");
    const { resolveChannel, resolveMember } = await import("./resolve.ts");
    const { db } = ctx;
    const me = ctx.principal.user;
    const communityId = communityOf(ctx, "invite");
    const target = channel ? await resolveChannel(db, me.id, communityId, channel) : ctx.access;
    const { user } = await resolveMember(db, communityId, ref);
    const added = await doAddChannelMember(db, me.id, target, user.id);
    const where = `#${target.channel.name}`;
    if (!added.added) return outcome(`@${user.username} is already in ${where}.`);
    return outcome(
      `Added @${user.username} to ${where}.`,
      [{ type: "channel.member_added", channel_id: target.channel.id, user_id: user.id }],
      added.events,
    );
  },
});

import { defineCommand, outcome } from "./command.ts";

export const msg = defineCommand({
  name: "msg",
  usage: ["/msg @user <text>"],
  summary: "Send someone a direct message",
  details: "Opens (or finds) your DM with a member of this community and posts the text there.",
  admin: false,
  scope: "messages:write",
  peopleOnly: true,
  parse(a) {
    const user = a.user();
    return { user, text: a.rest("message text") };
  },
  async run(ctx, { user: ref, text }) {
    const { accessChannel, checkCanPost } = await import("../channels/access.ts");
    const { doOpenDm } = await import("../dm/dm.ts");
    const { doPostMessage } = await import("../messages/post.ts");
    const { resolveKnown, resolveMember } = await import("./resolve.ts");
    const { db } = ctx;
    const me = ctx.principal.user;
    const communityId = ctx.access.channel.communityId;
    // Typed in a DM, it reaches anyone the caller shares a community or conversation with.
    const user = communityId
      ? (await resolveMember(db, communityId, ref)).user
      : await resolveKnown(db, me.id, ref);
    const dm = await doOpenDm(db, me.id, [user.id]);
    const dmAccess = await accessChannel(db, me.id, dm.id);
    await checkCanPost(db, me.id, dmAccess);
    const posted = await doPostMessage(db, me.id, dmAccess, { bodyMd: text });
    return outcome(
      `Sent to @${user.username}.`,
      [{ type: "message.posted", channel_id: dm.id, message_id: posted.message.id }],
      posted.events,
    );
  },
});

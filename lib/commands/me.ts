import { defineCommand, outcome } from "./command.ts";

/** Escapes what would end or nest the italics. */
const italic = (s: string) => s.replace(/[\\_*]/g, "\\$&");

export const me = defineCommand({
  name: "me",
  usage: ["/me <action>"],
  summary: "Post an action, shown as _alice waves_",
  details: "Posts an italic line starting with your username, like IRC's /me.",
  admin: false,
  scope: "messages:write",
  parse(a) {
    return { action: a.rest("action").replace(/\s+/g, " ").trim() };
  },
  async run(ctx, { action }) {
    const { checkCanPost } = await import("../channels/access.ts");
    const { doPostMessage } = await import("../messages/post.ts");
    const { db, access } = ctx;
    const { user } = ctx.principal;
    await checkCanPost(db, user.id, access);
    const posted = await doPostMessage(db, user.id, access, {
      bodyMd: `_${italic(user.username)} ${italic(action)}_`,
    });
    return outcome(
      "",
      [{ type: "message.posted", channel_id: access.channel.id, message_id: posted.message.id }],
      posted.events,
    );
  },
});

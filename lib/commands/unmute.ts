import { onlyUser } from "./args.ts";
import { defineCommand, moderatorOf, outcome } from "./command.ts";

export const unmute = defineCommand({
  name: "unmute",
  usage: ["/unmute @user"],
  summary: "Lift a mute",
  details: "They can post again at once.",
  admin: true,
  scope: "admin",
  parse: onlyUser,
  async run(ctx, { user: ref }) {
    const { doUnmuteMember } = await import("../moderation/members.ts");
    const { resolveTarget } = await import("./resolve.ts");
    const { communityId, user, target } = await resolveTarget(ctx, "unmute", ref);
    const { events } = await doUnmuteMember(ctx.db, moderatorOf(ctx), communityId, target);
    return outcome(
      `Unmuted @${user.username}.`,
      [{ type: "member.unmuted", community_id: communityId, user_id: user.id }],
      events,
    );
  },
});

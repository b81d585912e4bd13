import { doUnmuteMember } from "../moderation/members.ts";
import { onlyUser } from "./args.ts";
import { defineCommand, moderatorOf, outcome } from "./command.ts";
import { resolveTarget } from "./resolve.ts";

export const unmute = defineCommand({
  name: "unmute",
  usage: ["/unmute @user"],
  summary: "Lift a mute",
  details: "They can post again at once.",
  admin: true,
  scope: "admin",
  parse: onlyUser,
  async run(ctx, { user: ref }) {
    const { communityId, user, target } = await resolveTarget(ctx, "unmute", ref);
    const { events } = await doUnmuteMember(ctx.db, moderatorOf(ctx), communityId, target);
    return outcome(
      `Unmuted @${user.username}.`,
      [{ type: "member.unmuted", community_id: communityId, user_id: user.id }],
      events,
    );
  },
});

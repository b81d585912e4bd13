import { onlyUser } from "./args.ts";
import { defineCommand, moderatorOf, outcome } from "./command.ts";

export const kick = defineCommand({
  name: "kick",
  usage: ["/kick @user"],
  summary: "Remove someone from this community (they may come back with an invite)",
  details: "Removes their membership and channel memberships here. The owner cannot be kicked.",
  admin: true,
  scope: "admin",
  parse: onlyUser,
  async run(ctx, { user: ref }) {
    const { doKickMember } = await import("../moderation/members.ts");
    const { resolveTarget } = await import("./resolve.ts");
    const { communityId, user, target } = await resolveTarget(ctx, "kick", ref);
    const { events } = await doKickMember(ctx.db, moderatorOf(ctx), communityId, target);
    return outcome(
      `Removed @${user.username} from the community.`,
      [{ type: "member.removed", community_id: communityId, user_id: user.id }],
      events,
    );
  },
});

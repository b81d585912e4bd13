import { doUnbanMember } from "../moderation/members.ts";
import { onlyUser } from "./args.ts";
import { communityOf, defineCommand, moderatorOf, outcome } from "./command.ts";
import { resolveBanned } from "./resolve.ts";

export const unban = defineCommand({
  name: "unban",
  usage: ["/unban @user"],
  summary: "Lift a ban",
  details: "They can join again with an invite.",
  admin: true,
  scope: "admin",
  parse: onlyUser,
  async run(ctx, { user: ref }) {
    const communityId = communityOf(ctx, "unban");
    const user = await resolveBanned(ctx.db, communityId, ref);
    const { events } = await doUnbanMember(ctx.db, moderatorOf(ctx), communityId, user.id);
    return outcome(
      `Unbanned @${user.username}; an invite lets them back in.`,
      [{ type: "member.unbanned", community_id: communityId, user_id: user.id }],
      events,
    );
  },
});

import { onlyUser } from "./args.ts";
import { communityOf, defineCommand, moderatorOf, outcome } from "./command.ts";

export const unban = defineCommand({
  name: "unban",
  usage: ["/unban @user"],
  summary: "Lift a ban",
  details: "They can join again with an invite.",
  admin: true,
  scope: "admin",
  parse: onlyUser,
  async run(ctx, { user: ref }) {
    const { doUnbanMember } = await import("../moderation/members.ts");
    const { resolveBanned } = await import("./resolve.ts");
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

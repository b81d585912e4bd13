import { invalidArgs } from "./args.ts";
import { defineCommand, moderatorOf, outcome } from "./command.ts";

export const ban = defineCommand({
  name: "ban",
  usage: ["/ban @user [reason]"],
  summary: "Remove someone from this community and keep them out",
  details:
    "Removes their membership and channel memberships here; invites no longer let them in until /unban. The owner cannot be banned.",
  admin: true,
  scope: "admin",
  parse(a) {
    const user = a.user();
    const reason = a.rest("reason", false).trim();
    if (reason.length > 500) throw invalidArgs("a reason is at most 500 characters");
    return { user, reason: reason || null };
  },
  async run(ctx, { user: ref, reason }) {
    const { doBanMember } = await import("../moderation/members.ts");
    const { resolveTarget } = await import("./resolve.ts");
    const { communityId, user, target } = await resolveTarget(ctx, "ban", ref);
    const { events } = await doBanMember(ctx.db, moderatorOf(ctx), communityId, target, reason);
    return outcome(
      `Banned @${user.username}${reason ? ` (${reason})` : ""}.`,
      [{ type: "member.banned", community_id: communityId, user_id: user.id }],
      events,
    );
  },
});

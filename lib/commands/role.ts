import { clip, invalidArgs, type UserRef } from "./args.ts";
import { communityOf, defineCommand, moderatorOf, outcome } from "./command.ts";

export const role = defineCommand({
  name: "role",
  usage: ["/role @user admin|member"],
  summary: "Make someone an admin or a member",
  details: "The owner's role cannot be changed.",
  admin: true,
  scope: "admin",
  parse(a): { user: UserRef; role: "admin" | "member" } {
    const user = a.user();
    const role = a.word("role (admin or member)").toLowerCase();
    a.end();
    if (role !== "admin" && role !== "member") {
      throw invalidArgs(`"${clip(role)}" is not a role; use admin or member`);
    }
    return { user, role };
  },
  async run(ctx, { user: ref, role }) {
    const { doUpdateMember } = await import("../communities/manage.ts");
    const { resolveCommunity, resolveMember } = await import("./resolve.ts");
    const communityId = communityOf(ctx, "role");
    const { user } = await resolveMember(ctx.db, communityId, ref);
    const community = await resolveCommunity(ctx.db, communityId);
    const result = await doUpdateMember(ctx.db, moderatorOf(ctx), community, user.id, { role });
    return outcome(
      `@${user.username} is now ${role === "admin" ? "an admin" : "a member"}.`,
      [{ type: "member.updated", community_id: communityId, user_id: user.id }],
      result.events,
    );
  },
});

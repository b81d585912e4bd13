import { eq } from "drizzle-orm";
import type { CommunityRow } from "../communities/access.ts";
import { doUpdateMember } from "../communities/manage.ts";
import type { Db } from "../db/client.ts";
import { communities } from "../db/schema.ts";
import { clip, invalidArgs, type UserRef } from "./args.ts";
import { communityOf, defineCommand, moderatorOf, outcome } from "./command.ts";
import { resolveMember } from "./resolve.ts";

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
    const communityId = communityOf(ctx, "role");
    const { user } = await resolveMember(ctx.db, communityId, ref);
    const community = await communityRow(ctx.db, communityId);
    const result = await doUpdateMember(ctx.db, moderatorOf(ctx), community, user.id, { role });
    return outcome(
      `@${user.username} is now ${role === "admin" ? "an admin" : "a member"}.`,
      [{ type: "member.updated", community_id: communityId, user_id: user.id }],
      result.events,
    );
  },
});

async function communityRow(db: Db, id: string): Promise<CommunityRow> {
  const [row] = await db.select().from(communities).where(eq(communities.id, id));
  return row as CommunityRow;
}

import { and, eq, sql } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { prepared } from "../db/prepared.ts";
import { communities, communityMembers } from "../db/schema.ts";
import { forbidden, notFound } from "../errors.ts";

export type CommunityRow = typeof communities.$inferSelect;
export type MemberRow = typeof communityMembers.$inferSelect;

// Every community route and every live stream's context runs this.
const communityFor = prepared((db) =>
  db
    .select({ community: communities, member: communityMembers })
    .from(communities)
    .innerJoin(
      communityMembers,
      and(
        eq(communityMembers.communityId, communities.id),
        eq(communityMembers.userId, sql.placeholder("userId")),
      ),
    )
    .where(eq(communities.slug, sql.placeholder("slug")))
    .prepare("access_community"),
);

/** The community and the caller's membership; a non-member gets the same 404 as a missing slug. */
export async function accessCommunity(db: Db, userId: string, slug: string) {
  const [row] = await communityFor(db).execute({ userId, slug });
  if (!row) throw notFound("community");
  return row;
}

/** Throws 403 unless the member is an owner or admin. */
export function checkAdmin(member: Pick<MemberRow, "role">, doing: string) {
  if (member.role !== "owner" && member.role !== "admin") {
    throw forbidden(`only owners and admins can ${doing}`);
  }
}

export function communityView(c: CommunityRow, member?: Pick<MemberRow, "role">) {
  return {
    id: c.id,
    name: c.name,
    slug: c.slug,
    unfurl_links: c.unfurlLinks,
    created_at: c.createdAt,
    ...(member ? { role: member.role } : {}),
  };
}

import { and, asc, eq, sql } from "drizzle-orm";
import { recordAudit } from "../audit/record.ts";
import { envelope } from "../bus/envelope.ts";
import type { Outgoing } from "../bus/publish.ts";
import { subjects } from "../bus/subjects.ts";
import type { Db } from "../db/client.ts";
import { preparedShapes } from "../db/prepared.ts";
import { channelMembers, channels, communities, communityMembers, users } from "../db/schema.ts";
import { conflict, forbidden, notFound } from "../errors.ts";
import {
  type ListQuery,
  type ListShape,
  listPlaceholders,
  listShapeOf,
  listWhere,
  listWherePlaced,
  toListPage,
} from "../list-page.ts";
import { notify } from "../notifications/notify.ts";
import { userView } from "../users/views.ts";
import { type CommunityRow, communityView, type MemberRow } from "./access.ts";

/** Community slugs: lower-case letters, digits and `-`, 2–40 characters. */
export const SLUG = /^[a-z0-9][a-z0-9-]{1,39}$/;

/** A page of the communities the caller belongs to, with their role, by slug. */
export async function listMyCommunities(db: Db, userId: string, query: ListQuery) {
  const rows = await db
    .select({ community: communities, role: communityMembers.role })
    .from(communities)
    .innerJoin(communityMembers, eq(communityMembers.communityId, communities.id))
    .where(and(eq(communityMembers.userId, userId), listWhere(communities.slug, query)))
    .orderBy(asc(communities.slug))
    .limit(query.limit + 1);
  return toListPage(
    rows,
    query,
    (r) => r.community.slug,
    (r) => communityView(r.community, { role: r.role }),
  );
}

/** Creates a community owned by the caller, with a #general channel they are in. */
export async function doCreateCommunity(db: Db, userId: string, input: { name: string; slug: string }) {
  return db.transaction(async (tx) => {
    const [community] = await tx.insert(communities).values(input).onConflictDoNothing().returning();
    if (!community) throw conflict(`the slug "${input.slug}" is taken`);
    await tx.insert(communityMembers).values({ communityId: community.id, userId, role: "owner" });
    const [general] = await tx
      .insert(channels)
      .values({
        communityId: community.id,
        name: "general",
        topic: "Everyone, everything",
        createdBy: userId,
      })
      .returning();
    await tx.insert(channelMembers).values({ channelId: (general as { id: string }).id, userId });
    await recordAudit(tx, { action: "community.created", actorId: userId, communityId: community.id });
    return { community: communityView(community, { role: "owner" }), events: [] as Outgoing[] };
  });
}

// Prepared, one statement per shape: drizzle spent more turning the query into SQL than
// PostgreSQL spent running it. The prefix matches a username or a display name. The community goes
// by its id, not looked up by slug in the same statement: unable to tell a community of 11 from one
// of 10,000, PostgreSQL then walked every person in name order (11 ms, not 0.4).
const membersOf = preparedShapes((db, shape: ListShape) => {
  const byName = shape.includes("q")
    ? sql`(${listWherePlaced(users.username, shape, "q")} or ${listWherePlaced(users.displayName, shape, "q")})`
    : undefined;
  return db
    .select({ member: communityMembers, user: users })
    .from(communityMembers)
    .innerJoin(users, eq(users.id, communityMembers.userId))
    .where(
      and(
        eq(communityMembers.communityId, sql.placeholder("communityId")),
        listWherePlaced(users.username, shape, "a"),
        byName,
      ),
    )
    .orderBy(asc(users.username))
    .limit(sql.placeholder("limit"))
    .prepare(`list_members_${shape}`);
});

/**
 * A page of a community's members with their roles and nicknames, by username; `q` matches the
 * start of a username or of a display name (search-as-you-type).
 */
export async function listMembers(db: Db, communityId: string, query: ListQuery) {
  const rows = await membersOf(db, listShapeOf(query)).execute({ communityId, ...listPlaceholders(query) });
  return toListPage(
    rows,
    query,
    (r) => r.user.username,
    (r) => memberView(r.member, r.user),
  );
}

export function memberView(m: MemberRow, u: typeof users.$inferSelect) {
  return { user: userView(u), role: m.role, nickname: m.nickname, joined_at: m.joinedAt };
}

/**
 * Changes a member's role (owners and admins; nobody but an owner touches an owner, and ownership
 * is not handed out here) or nickname (the member, or an admin). A role change is audited and the
 * member is told with a system notification.
 */
export async function doUpdateMember(
  db: Db,
  actor: { userId: string; role: string },
  community: CommunityRow,
  targetId: string,
  input: { role?: "admin" | "member"; nickname?: string | null },
) {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .select({ member: communityMembers, user: users })
      .from(communityMembers)
      .innerJoin(users, eq(users.id, communityMembers.userId))
      .where(and(eq(communityMembers.communityId, community.id), eq(communityMembers.userId, targetId)));
    if (!row) throw notFound("member");
    const admin = actor.role === "owner" || actor.role === "admin";
    if (input.nickname !== undefined && targetId !== actor.userId && !admin) {
      throw forbidden("only owners and admins can change someone else's nickname");
    }
    const roleChange = input.role !== undefined && input.role !== row.member.role;
    if (roleChange) {
      if (!admin) throw forbidden("only owners and admins can change roles");
      if (row.member.role === "owner") throw forbidden("the owner's role cannot be changed");
    }
    const [updated] = await tx
      .update(communityMembers)
      .set({
        ...(roleChange ? { role: input.role } : {}),
        ...(input.nickname !== undefined ? { nickname: input.nickname } : {}),
      })
      .where(and(eq(communityMembers.communityId, community.id), eq(communityMembers.userId, targetId)))
      .returning();
    const view = memberView(updated as MemberRow, row.user);
    const events: Outgoing[] = [
      {
        subject: subjects.communityEvents(community.id),
        event: envelope("member.updated", {
          community_id: community.id,
          actor_id: actor.userId,
          data: { member: view },
        }),
      },
    ];
    if (roleChange) {
      await recordAudit(tx, {
        action: "member.role_changed",
        actorId: actor.userId,
        communityId: community.id,
        targetType: "user",
        targetId,
        data: { from: row.member.role, to: input.role },
      });
      events.push(
        ...(await notify(tx, [
          {
            userId: targetId,
            type: "system",
            sourceId: community.id,
            actorId: actor.userId,
            data: { kind: "role_changed", community_id: community.id, role: input.role },
          },
        ])),
      );
    }
    return { member: view, events };
  });
}

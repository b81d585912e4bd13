import { and, asc, count, eq } from "drizzle-orm";
import { envelope } from "../../bus/envelope.ts";
import { type Outgoing, publishAll } from "../../bus/publish.ts";
import { subjects } from "../../bus/subjects.ts";
import { memberView } from "../../communities/manage.ts";
import type { Db } from "../../db/client.ts";
import { communities, communityMembers, ROLES, users } from "../../db/schema.ts";
import { conflict, invalid, notFound } from "../../errors.ts";
import type { AdminCommand } from "../command.ts";
import { type AdminDeps, findCommunity, findUser, recordAdminAudit } from "../deps.ts";

type Role = (typeof ROLES)[number];

/**
 * Sets a member's role from the box. Making someone owner hands the community over: a community has
 * one owner, so the old owner becomes an admin in the same transaction.
 */
async function doSetRole(
  deps: AdminDeps,
  slug: string | undefined,
  username: string | undefined,
  role: Role,
) {
  const db = deps.database.db;
  const community = await findCommunity(db, slug);
  const user = await findUser(db, username);
  const events: Outgoing[] = [];
  await db.transaction(async (tx: Db) => {
    const [member] = await tx
      .select()
      .from(communityMembers)
      .where(and(eq(communityMembers.communityId, community.id), eq(communityMembers.userId, user.id)))
      .for("update");
    if (!member) throw notFound(`@${user.username} in ${community.slug}`);
    if (member.role === role) throw conflict(`@${user.username} is ${role} of ${community.slug} already`);
    if (member.role === "owner") {
      throw invalid(`@${user.username} owns ${community.slug}: make someone else owner instead`);
    }
    const changed: { userId: string; from: string; to: Role }[] = [];
    if (role === "owner") {
      const owners = await tx
        .update(communityMembers)
        .set({ role: "admin" })
        .where(and(eq(communityMembers.communityId, community.id), eq(communityMembers.role, "owner")))
        .returning({ userId: communityMembers.userId });
      changed.push(...owners.map((o) => ({ userId: o.userId, from: "owner", to: "admin" as Role })));
    }
    await tx
      .update(communityMembers)
      .set({ role })
      .where(and(eq(communityMembers.communityId, community.id), eq(communityMembers.userId, user.id)));
    changed.push({ userId: user.id, from: member.role, to: role });
    for (const c of changed) {
      await recordAdminAudit(tx, deps, {
        action: "member.role_changed",
        communityId: community.id,
        targetType: "user",
        targetId: c.userId,
        data: { from: c.from, to: c.to },
      });
      const [row] = await tx
        .select({ member: communityMembers, user: users })
        .from(communityMembers)
        .innerJoin(users, eq(users.id, communityMembers.userId))
        .where(and(eq(communityMembers.communityId, community.id), eq(communityMembers.userId, c.userId)));
      if (!row) continue;
      events.push({
        subject: subjects.communityEvents(community.id),
        event: envelope("member.updated", {
          community_id: community.id,
          data: { member: memberView(row.member, row.user) },
        }),
      });
    }
  });
  await publishAll(deps.bus, events);
  return { message: `@${user.username} is ${role} of ${community.slug}` };
}

export const communityCommands: AdminCommand[] = [
  {
    words: ["communities", "list"],
    usage: "communities list",
    async run(deps) {
      const db = deps.database.db;
      const rows = await db
        .select({ community: communities, members: count(communityMembers.userId) })
        .from(communities)
        .leftJoin(communityMembers, eq(communityMembers.communityId, communities.id))
        .groupBy(communities.id)
        .orderBy(asc(communities.slug));
      const owners = await db
        .select({ communityId: communityMembers.communityId, username: users.username })
        .from(communityMembers)
        .innerJoin(users, eq(users.id, communityMembers.userId))
        .where(eq(communityMembers.role, "owner"));
      const ownerOf = new Map(owners.map((o) => [o.communityId, `@${o.username}`]));
      return {
        rows: rows.map((r) => ({
          slug: r.community.slug,
          name: r.community.name,
          owner: ownerOf.get(r.community.id) ?? "",
          members: r.members,
          id: r.community.id,
        })),
      };
    },
  },
  {
    words: ["communities", "transfer"],
    usage: "communities transfer <community> @new-owner",
    run: (deps, { positionals }) => doSetRole(deps, positionals[0], positionals[1], "owner"),
  },
  {
    words: ["role"],
    usage: "role @user owner|admin|member --community C",
    flags: ["community"],
    run(deps, { positionals, flags }) {
      const role = positionals[1] as Role;
      if (!ROLES.includes(role)) throw invalid(`the role must be one of ${ROLES.join(", ")}`);
      return doSetRole(deps, flags.community, positionals[0], role);
    },
  },
];

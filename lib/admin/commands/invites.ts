import { and, desc, eq, isNull } from "drizzle-orm";
import { communities, invites } from "../../db/schema.ts";
import { invalid, notFound } from "../../errors.ts";
import type { AdminCommand } from "../command.ts";
import { findCommunity, recordAdminAudit } from "../deps.ts";

const inviteStatus = (i: typeof invites.$inferSelect, now: Date) =>
  i.revokedAt
    ? "revoked"
    : i.expiresAt && i.expiresAt <= now
      ? "expired"
      : i.maxUses !== null && i.uses >= i.maxUses
        ? "used up"
        : "active";

export const inviteCommands: AdminCommand[] = [
  {
    words: ["invites", "list"],
    usage: "invites list [--community C]",
    flags: ["community"],
    async run(deps, { flags }) {
      const db = deps.database.db;
      const community = flags.community === undefined ? undefined : await findCommunity(db, flags.community);
      const rows = await db
        .select({ invite: invites, community: communities.slug })
        .from(invites)
        .innerJoin(communities, eq(communities.id, invites.communityId))
        .where(community ? eq(invites.communityId, community.id) : undefined)
        .orderBy(desc(invites.id));
      const now = new Date();
      return {
        rows: rows.map(({ invite: i, community }) => ({
          id: i.id,
          community,
          status: inviteStatus(i, now),
          uses: i.maxUses === null ? `${i.uses}` : `${i.uses}/${i.maxUses}`,
          expires_at: i.expiresAt?.toISOString() ?? "",
          created_at: i.createdAt.toISOString(),
        })),
      };
    },
  },
  {
    words: ["invites", "revoke"],
    usage: "invites revoke <invite-id>",
    async run(deps, { positionals }) {
      const id = positionals[0];
      if (!id || !/^[0-9a-f-]{36}$/i.test(id)) throw invalid("give the invite's id (from invites list)");
      await deps.database.db.transaction(async (tx) => {
        const [row] = await tx
          .update(invites)
          .set({ revokedAt: new Date() })
          .where(and(eq(invites.id, id), isNull(invites.revokedAt)))
          .returning();
        if (!row) throw notFound("active invite");
        await recordAdminAudit(tx, deps, {
          action: "invite.revoked",
          communityId: row.communityId,
          targetType: "invite",
          targetId: id,
        });
      });
      return { message: `invite ${id} is revoked` };
    },
  },
];

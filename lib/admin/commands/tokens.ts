import { and, desc, eq, isNull } from "drizzle-orm";
import { credentialsChanged } from "../../auth/credential-cache.ts";
import { publishAll } from "../../bus/publish.ts";
import { apiTokens, apiUsers, communities, users } from "../../db/schema.ts";
import { invalid, notFound } from "../../errors.ts";
import type { AdminCommand } from "../command.ts";
import { recordAdminAudit } from "../deps.ts";

const tokenStatus = (t: typeof apiTokens.$inferSelect, now: Date) =>
  t.revokedAt ? "revoked" : t.expiresAt && t.expiresAt <= now ? "expired" : "active";

export const tokenCommands: AdminCommand[] = [
  {
    words: ["tokens", "list"],
    usage: "tokens list",
    async run(deps) {
      const rows = await deps.database.db
        .select({ token: apiTokens, bot: users.username, community: communities.slug })
        .from(apiTokens)
        .innerJoin(apiUsers, eq(apiUsers.id, apiTokens.apiUserId))
        .innerJoin(users, eq(users.id, apiUsers.userId))
        .innerJoin(communities, eq(communities.id, apiUsers.communityId))
        .orderBy(desc(apiTokens.id));
      const now = new Date();
      return {
        rows: rows.map((r) => ({
          id: r.token.id,
          bot: `@${r.bot}`,
          community: r.community,
          scopes: r.token.scopes.join(","),
          status: tokenStatus(r.token, now),
          last_used_at: r.token.lastUsedAt?.toISOString() ?? "",
        })),
      };
    },
  },
  {
    words: ["tokens", "revoke"],
    usage: "tokens revoke <token-id>",
    async run(deps, { positionals }) {
      const id = positionals[0];
      if (!id || !/^[0-9a-f-]{36}$/i.test(id)) throw invalid("give the token's id (from tokens list)");
      await deps.database.db.transaction(async (tx) => {
        const [row] = await tx
          .update(apiTokens)
          .set({ revokedAt: new Date() })
          .where(and(eq(apiTokens.id, id), isNull(apiTokens.revokedAt)))
          .returning();
        if (!row) throw notFound("active token");
        await recordAdminAudit(tx, deps, {
          action: "api_token.revoked",
          targetType: "api_token",
          targetId: id,
        });
      });
      await publishAll(deps.bus, [credentialsChanged({ credentialId: id, ended: true })]);
      return { message: `token ${id} is revoked` };
    },
  },
];

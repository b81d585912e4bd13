import { and, desc, eq, inArray, isNull } from "drizzle-orm";
import { recordAudit } from "../audit/record.ts";
import { createApiToken } from "../auth/api-tokens.ts";
import { credentialsChanged } from "../auth/credential-cache.ts";
import type { Scope } from "../auth/scopes.ts";
import type { Outgoing } from "../bus/publish.ts";
import type { Db } from "../db/client.ts";
import { apiTokens, apiUsers, communityBans, communityMembers, users } from "../db/schema.ts";
import { AppError, forbidden } from "../errors.ts";
import { type ListQuery, toListPage } from "../list-page.ts";
import { communityEvent } from "../moderation/members.ts";
import { newestWhere } from "../recent-page.ts";

type ApiTokenRow = typeof apiTokens.$inferSelect;

/** A token as admins see it: never the secret. */
export function tokenView(t: ApiTokenRow, bot: { name: string; username: string; userId: string }) {
  return {
    id: t.id,
    bot: { name: bot.name, username: bot.username, user_id: bot.userId },
    scopes: t.scopes,
    created_at: t.createdAt,
    last_used_at: t.lastUsedAt,
    expires_at: t.expiresAt,
    revoked_at: t.revokedAt,
  };
}

/** `<name>-bot`, or `<name>-bot-2`… when a person or another community's bot has it already. */
async function freeBotUsername(db: Db, name: string) {
  for (let n = 1; n <= 20; n++) {
    const username = n === 1 ? `${name}-bot` : `${name}-bot-${n}`;
    const [taken] = await db.select({ id: users.id }).from(users).where(eq(users.username, username));
    if (!taken) return username;
  }
  throw new AppError("conflict", "conflict", `no free username for a bot named ${name}; pick another name`);
}

/**
 * A new API token for the community's bot called `name`, creating the bot first when it does not
 * exist: a `users` row of kind bot, its `api_users` row bound to this community, and membership as
 * a member (so it acts only here). The token is returned once; only its hash is stored.
 */
export async function doCreateBotToken(
  db: Db,
  actorId: string,
  communityId: string,
  input: { name: string; scopes: Scope[]; expiresAt: Date | null },
) {
  return db.transaction(async (tx) => {
    const [existing] = await tx
      .select({ apiUser: apiUsers, user: users })
      .from(apiUsers)
      .innerJoin(users, eq(users.id, apiUsers.userId))
      .where(and(eq(apiUsers.communityId, communityId), eq(apiUsers.name, input.name)));
    let bot = existing;
    if (!bot) {
      const [user] = await tx
        .insert(users)
        .values({ username: await freeBotUsername(tx, input.name), displayName: input.name, kind: "bot" })
        .returning();
      const botUser = user as typeof users.$inferSelect;
      const [apiUser] = await tx
        .insert(apiUsers)
        .values({
          userId: botUser.id,
          name: input.name,
          communityId,
          scopes: input.scopes,
          createdBy: actorId,
        })
        .returning();
      bot = { apiUser: apiUser as typeof apiUsers.$inferSelect, user: botUser };
    }
    const [banned] = await tx
      .select({ userId: communityBans.userId })
      .from(communityBans)
      .where(and(eq(communityBans.communityId, communityId), eq(communityBans.userId, bot.user.id)));
    if (banned) throw forbidden(`@${bot.user.username} is banned here; /unban it first`);
    const joined = await tx
      .insert(communityMembers)
      .values({ communityId, userId: bot.user.id, role: "member" })
      .onConflictDoNothing()
      .returning({ userId: communityMembers.userId });
    const { token, row } = await createApiToken(tx, bot.apiUser.id, input.scopes, input.expiresAt);
    await recordAudit(tx, {
      action: "api_token.created",
      actorId,
      communityId,
      targetType: "api_token",
      targetId: row.id,
      data: {
        bot_user_id: bot.user.id,
        scopes: input.scopes,
        expires_at: input.expiresAt?.toISOString() ?? null,
      },
    });
    const botInfo = { name: bot.apiUser.name, username: bot.user.username, userId: bot.user.id };
    const events: Outgoing[] = [
      ...(joined.length
        ? [communityEvent("member.joined", communityId, actorId, { user_id: bot.user.id, is_bot: true })]
        : []),
      communityEvent("api_token.created", communityId, actorId, {
        token_id: row.id,
        bot_user_id: bot.user.id,
      }),
    ];
    return { token, view: tokenView(row, botInfo), createdBot: !existing, events };
  });
}

/** A page of the community's bot tokens, newest first, revoked ones included. */
export async function listBotTokens(db: Db, communityId: string, query: ListQuery) {
  const rows = await db
    .select({ token: apiTokens, apiUser: apiUsers, username: users.username })
    .from(apiTokens)
    .innerJoin(apiUsers, eq(apiUsers.id, apiTokens.apiUserId))
    .innerJoin(users, eq(users.id, apiUsers.userId))
    .where(and(eq(apiUsers.communityId, communityId), newestWhere(apiTokens.id, query)))
    .orderBy(desc(apiTokens.id))
    .limit(query.limit + 1);
  return toListPage(
    rows,
    query,
    (r) => r.token.id,
    (r) => tokenView(r.token, { name: r.apiUser.name, username: r.username, userId: r.apiUser.userId }),
  );
}

/** Revokes one of the community's tokens; it stops working at once. */
export async function doRevokeBotToken(db: Db, actorId: string, communityId: string, tokenId: string) {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .update(apiTokens)
      .set({ revokedAt: new Date() })
      .where(
        and(
          eq(apiTokens.id, tokenId),
          isNull(apiTokens.revokedAt),
          inArray(
            apiTokens.apiUserId,
            tx.select({ id: apiUsers.id }).from(apiUsers).where(eq(apiUsers.communityId, communityId)),
          ),
        ),
      )
      .returning();
    if (!row) throw new AppError("not_found", "not_found", "no live token with that id in this community");
    await recordAudit(tx, {
      action: "api_token.revoked",
      actorId,
      communityId,
      targetType: "api_token",
      targetId: tokenId,
    });
    return {
      token: row,
      events: [
        communityEvent("api_token.revoked", communityId, actorId, { token_id: tokenId }),
        credentialsChanged({ credentialId: tokenId, ended: true }, actorId),
      ],
    };
  });
}

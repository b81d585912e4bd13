import { and, eq, gt, inArray, isNull, or, sql } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { apiTokens, apiUsers, users } from "../db/schema.ts";
import type { Scope } from "./scopes.ts";
import { issueToken, parseToken, secretMatches } from "./tokens.ts";

export type ApiTokenRow = typeof apiTokens.$inferSelect;
export type ApiUserRow = typeof apiUsers.$inferSelect;

/** A new token for a bot; returned once, only the secret's hash is stored. */
export async function createApiToken(
  db: Db,
  apiUserId: string,
  scopes: Scope[],
  expiresAt: Date | null = null,
): Promise<{ token: string; row: ApiTokenRow }> {
  const { token, id, hash } = issueToken("api");
  const [row] = await db
    .insert(apiTokens)
    .values({ id, apiUserId, tokenHash: hash, scopes, expiresAt })
    .returning();
  return { token, row: row as ApiTokenRow };
}

/**
 * The bot behind a token, or null when the token is unknown, wrong, revoked or expired, or the bot
 * is deactivated. Records the last use at most once a minute.
 */
export async function validateApiToken(db: Db, token: string, now = new Date()) {
  const parsed = parseToken("api", token);
  if (!parsed) return null;
  const [row] = await db
    .select({ token: apiTokens, apiUser: apiUsers, user: users })
    .from(apiTokens)
    .innerJoin(apiUsers, eq(apiUsers.id, apiTokens.apiUserId))
    .innerJoin(users, eq(users.id, apiUsers.userId))
    .where(eq(apiTokens.id, parsed.id));
  if (!row || !secretMatches(parsed.secret, row.token.tokenHash)) return null;
  if (row.token.revokedAt || (row.token.expiresAt && row.token.expiresAt <= now)) return null;
  if (row.user.deactivatedAt) return null;
  if (!row.token.lastUsedAt || now.getTime() - row.token.lastUsedAt.getTime() >= 60_000) {
    await db.update(apiTokens).set({ lastUsedAt: sql`now()` }).where(eq(apiTokens.id, row.token.id));
  }
  return row;
}

/**
 * Which of these tokens still work: the same rule as validateApiToken, in one query for many (the
 * gateway re-checks the tokens behind its open streams with it). Keep the two in step.
 */
export async function liveApiTokenIds(
  db: Db,
  ids: readonly string[],
  now = new Date(),
): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await db
    .select({ id: apiTokens.id })
    .from(apiTokens)
    .innerJoin(apiUsers, eq(apiUsers.id, apiTokens.apiUserId))
    .innerJoin(users, eq(users.id, apiUsers.userId))
    .where(
      and(
        inArray(apiTokens.id, [...ids]),
        isNull(apiTokens.revokedAt),
        or(isNull(apiTokens.expiresAt), gt(apiTokens.expiresAt, now)),
        isNull(users.deactivatedAt),
      ),
    );
  return new Set(rows.map((r) => r.id));
}

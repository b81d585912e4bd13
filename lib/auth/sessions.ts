import { and, eq, gt, inArray, isNull, lt, sql } from "drizzle-orm";
import { recordAudit } from "../audit/record.ts";
import type { Db } from "../db/client.ts";
import { prepared } from "../db/prepared.ts";
import { sessions, users } from "../db/schema.ts";
import { forbidden } from "../errors.ts";
import { type ListQuery, toListPage } from "../list-page.ts";
import { recentKey, recentMs, recentOrder, recentWhere } from "../recent-page.ts";
import { issueToken, parseToken, secretMatches } from "./tokens.ts";

export interface SessionPolicy {
  /** A session unused for this long expires. */
  idleMs: number;
  /** No session lives longer than this, however often it is used. */
  maxMs: number;
}

export const DEFAULT_SESSION_POLICY: SessionPolicy = {
  idleMs: 14 * 24 * 3600_000,
  maxMs: 90 * 24 * 3600_000,
};

/**
 * How often using a session extends its expiry. Each extension is a write and a commit, so every
 * request writing one would make reads write; a thousandth of the idle time keeps the expiry that
 * close, between once a minute and once every 10 minutes (the default 14 days: every 10 minutes,
 * also how fresh a session's "last used" is).
 */
const touchIntervalMs = (policy: SessionPolicy) =>
  Math.min(10 * 60_000, Math.max(60_000, policy.idleMs / 1000));

export type SessionRow = typeof sessions.$inferSelect;
export type UserRow = typeof users.$inferSelect;

/**
 * A new session for the user; the token is returned once and only its hash is stored. A
 * deactivated account gets none, however it signs in.
 */
export async function createSession(
  db: Db,
  userId: string,
  meta: { userAgent?: string | null; ip?: string | null } = {},
  policy = DEFAULT_SESSION_POLICY,
  now = new Date(),
): Promise<{ token: string; session: SessionRow }> {
  const [user] = await db
    .select({ deactivatedAt: users.deactivatedAt })
    .from(users)
    .where(eq(users.id, userId));
  if (user?.deactivatedAt) throw forbidden("this account is deactivated", "account_deactivated");
  const { token, id, hash } = issueToken("session");
  const [session] = await db
    .insert(sessions)
    .values({
      id,
      userId,
      tokenHash: hash,
      expiresAt: new Date(now.getTime() + policy.idleMs),
      absoluteExpiresAt: new Date(now.getTime() + policy.maxMs),
      lastUsedAt: now,
      userAgent: meta.userAgent?.slice(0, 500) ?? null,
      ip: meta.ip ?? null,
    })
    .returning();
  return { token, session: session as SessionRow };
}

// Every authenticated request runs this.
const sessionById = prepared((db) =>
  db
    .select({ session: sessions, user: users })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(eq(sessions.id, sql.placeholder("id")))
    .prepare("session_by_id"),
);

/**
 * The session and user a token belongs to, or null when it is unknown, wrong, expired or revoked,
 * or its user is deactivated (an expected miss, not an error). Extends the rolling expiry at most
 * once every touchIntervalMs.
 */
export async function validateSession(
  db: Db,
  token: string,
  policy = DEFAULT_SESSION_POLICY,
  now = new Date(),
): Promise<{ session: SessionRow; user: UserRow } | null> {
  const parsed = parseToken("session", token);
  if (!parsed) return null;
  const [row] = await sessionById(db).execute({ id: parsed.id });
  if (!row || !secretMatches(parsed.secret, row.session.tokenHash)) return null;
  if (row.user.deactivatedAt) return null;
  const { session } = row;
  if (session.expiresAt <= now || session.absoluteExpiresAt <= now) {
    await db.delete(sessions).where(eq(sessions.id, session.id));
    return null;
  }
  if (now.getTime() - session.lastUsedAt.getTime() >= touchIntervalMs(policy)) {
    const expiresAt = new Date(Math.min(now.getTime() + policy.idleMs, session.absoluteExpiresAt.getTime()));
    await db.update(sessions).set({ expiresAt, lastUsedAt: now }).where(eq(sessions.id, session.id));
    session.expiresAt = expiresAt;
    session.lastUsedAt = now;
  }
  return row;
}

/** Ends one session of the user's (logout, or revoking one from the list). True if it existed. */
export async function revokeSession(db: Db, userId: string, sessionId: string): Promise<boolean> {
  const gone = await db
    .delete(sessions)
    .where(and(eq(sessions.id, sessionId), eq(sessions.userId, userId)))
    .returning({ id: sessions.id });
  return gone.length > 0;
}

/** "Sign out everywhere": ends every session of the user's. Returns how many ended. */
export async function revokeAllSessions(db: Db, userId: string): Promise<number> {
  const gone = await db.delete(sessions).where(eq(sessions.userId, userId)).returning({ id: sessions.id });
  return gone.length;
}

/**
 * Which of these sessions are still live: the same rule as validateSession, in one query for many
 * (the gateway re-checks the sessions behind its open streams with it). Keep the two in step.
 */
export async function liveSessionIds(db: Db, ids: readonly string[], now = new Date()): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await db
    .select({ id: sessions.id })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(
      and(
        inArray(sessions.id, [...ids]),
        gt(sessions.expiresAt, now),
        gt(sessions.absoluteExpiresAt, now),
        isNull(users.deactivatedAt),
      ),
    );
  return new Set(rows.map((r) => r.id));
}

/**
 * A page of the user's live sessions, most recently used first. A session used while someone pages
 * moves to the front: it may show again or not at all in the later pages, as in any recency list.
 */
export async function listSessions(db: Db, userId: string, query: ListQuery, now = new Date()) {
  const rows = await db
    .select({ session: sessions, cursorMs: recentMs(sessions.lastUsedAt) })
    .from(sessions)
    .where(
      and(
        eq(sessions.userId, userId),
        gt(sessions.expiresAt, now),
        gt(sessions.absoluteExpiresAt, now),
        recentWhere(sessions.lastUsedAt, sessions.id, query),
      ),
    )
    .orderBy(...recentOrder(sessions.lastUsedAt, sessions.id))
    .limit(query.limit + 1);
  return toListPage(
    rows,
    query,
    (r) => recentKey(r.cursorMs, r.session.id),
    (r) => r.session,
  );
}

/** A session as its owner sees it in the list; never the hash. */
export function sessionView(session: SessionRow, currentId: string | null) {
  return {
    id: session.id,
    created_at: session.createdAt,
    last_used_at: session.lastUsedAt,
    expires_at: session.expiresAt,
    user_agent: session.userAgent,
    ip: session.ip,
    current: session.id === currentId,
  };
}

/**
 * Ends one of the user's sessions and records why (`logout`, or `session.revoked` from the list).
 * False when the user has no such session (someone else's is the same as none).
 */
export async function doRevokeSession(
  db: Db,
  userId: string,
  sessionId: string,
  meta: { action: "logout" | "session.revoked"; ip?: string | null },
): Promise<boolean> {
  return db.transaction(async (tx) => {
    if (!(await revokeSession(tx, userId, sessionId))) return false;
    await recordAudit(tx, {
      action: meta.action,
      actorId: userId,
      targetType: "session",
      targetId: sessionId,
      ip: meta.ip ?? null,
    });
    return true;
  });
}

/** "Sign out everywhere", recorded. Returns how many sessions ended. */
export async function doRevokeAllSessions(db: Db, userId: string, meta: { ip?: string | null }) {
  return db.transaction(async (tx) => {
    const count = await revokeAllSessions(tx, userId);
    await recordAudit(tx, {
      action: "session.revoked_all",
      actorId: userId,
      data: { count },
      ip: meta.ip ?? null,
    });
    return count;
  });
}

/** Removes sessions past their expiry; run now and then. */
export async function deleteExpiredSessions(db: Db, now = new Date()) {
  await db.delete(sessions).where(lt(sessions.expiresAt, now));
}

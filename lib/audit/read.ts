import { and, desc, eq, gte, inArray, isNull, like, lt, or, type SQL, sql } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { auditLog, communityMembers, users } from "../db/schema.ts";

/** The audit log's actor for everything done from a shell on the box; no account did it. */
export const LOCAL_ADMIN = "local-admin";

/** Which audit rows to read; every field narrows. */
export interface AuditFilter {
  /** Rows by this account. */
  actorId?: string;
  /** Rows by the account with this username. */
  actorName?: string;
  /** Rows by the admin CLI on the box (no account). */
  localAdmin?: boolean;
  /** An action, or a prefix ending in "." (e.g. "member."). */
  action?: string;
  since?: Date;
  /**
   * Rows of this community, and server-wide rows done to its members (a deactivation); not their
   * own sign-ins, which are no business of one community's owner.
   */
  communityId?: string;
  /** Rows older than this id (paging back). */
  before?: string;
  limit?: number;
}

/** Audit rows, newest first, with the actor's username; the ids are UUIDv7, so id order is time order. */
export async function listAudit(db: Db, filter: AuditFilter) {
  const where: (SQL | undefined)[] = [];
  if (filter.actorId) where.push(eq(auditLog.actorId, filter.actorId));
  if (filter.actorName) where.push(eq(users.username, filter.actorName));
  if (filter.localAdmin) where.push(sql`${auditLog.data}->>'actor' = ${LOCAL_ADMIN}`);
  if (filter.action) {
    where.push(
      filter.action.endsWith(".")
        ? like(auditLog.action, `${filter.action.replace(/[\\%_]/g, "\\$&")}%`)
        : eq(auditLog.action, filter.action),
    );
  }
  if (filter.since) where.push(gte(auditLog.createdAt, filter.since));
  if (filter.before) where.push(lt(auditLog.id, filter.before));
  if (filter.communityId) {
    const members = db
      .select({ id: communityMembers.userId })
      .from(communityMembers)
      .where(eq(communityMembers.communityId, filter.communityId));
    where.push(
      or(
        eq(auditLog.communityId, filter.communityId),
        and(isNull(auditLog.communityId), inArray(auditLog.targetId, members)),
      ),
    );
  }
  const rows = await db
    .select({ row: auditLog, actor: users.username })
    .from(auditLog)
    .leftJoin(users, eq(users.id, auditLog.actorId))
    .where(and(...where))
    .orderBy(desc(auditLog.id))
    .limit(filter.limit ?? 100);
  return rows.map(({ row, actor }) => auditView(row, actor));
}

/** An audit row as owners read it; `actor` is `@name`, `local-admin`, or empty when nobody is known. */
export function auditView(row: typeof auditLog.$inferSelect, actorName: string | null) {
  const data = (row.data ?? {}) as Record<string, unknown>;
  const actor = actorName ? `@${actorName}` : typeof data.actor === "string" ? data.actor : "";
  return {
    id: row.id,
    at: row.createdAt.toISOString(),
    actor,
    action: row.action,
    community_id: row.communityId,
    target_type: row.targetType,
    target_id: row.targetId,
    data,
    ip: row.ip,
  };
}

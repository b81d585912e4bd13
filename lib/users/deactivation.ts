import { and, eq, inArray, isNotNull, isNull, ne, sql } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import { recordAudit } from "../audit/record.ts";
import { credentialsChanged } from "../auth/credential-cache.ts";
import type { UserRow } from "../auth/sessions.ts";
import { envelope } from "../bus/envelope.ts";
import type { Outgoing } from "../bus/publish.ts";
import { subjects } from "../bus/subjects.ts";
import type { Db } from "../db/client.ts";
import { prepared } from "../db/prepared.ts";
import {
  apiTokens,
  apiUsers,
  channelMembers,
  communityMembers,
  deviceCodes,
  sessions,
  users,
} from "../db/schema.ts";
import { conflict, forbidden, invalid, notFound } from "../errors.ts";
import { communityEvent } from "../moderation/members.ts";
import { knownTo } from "./known.ts";

/** The person a deactivation is about, and the communities they belong to. */
export interface DeactivationTarget {
  user: UserRow;
  communityIds: string[];
}

/**
 * The person, if the caller may deactivate or reactivate them. An account is server-wide while
 * communities each have their own owner, so no single community's owner may lock someone out of
 * another: the caller must own every community the person belongs to (a person in no community is
 * left to the server's admin). A community has one owner, so only they could deactivate
 * themselves — and nobody deactivates themselves. Someone the caller does not know is the same 404
 * as nobody.
 */
export async function accessDeactivationTarget(
  db: Db,
  actorId: string,
  userId: string,
): Promise<DeactivationTarget> {
  const [user] = await db
    .select()
    .from(users)
    .where(and(eq(users.id, userId), knownTo(actorId)));
  if (!user) throw notFound("user");
  if (user.id === actorId) throw invalid("you cannot deactivate or reactivate yourself");
  const caller = alias(communityMembers, "caller");
  const memberships = await db
    .select({ communityId: communityMembers.communityId, callerRole: caller.role })
    .from(communityMembers)
    .leftJoin(caller, and(eq(caller.communityId, communityMembers.communityId), eq(caller.userId, actorId)))
    .where(eq(communityMembers.userId, userId));
  if (memberships.length === 0 || memberships.some((m) => m.callerRole !== "owner")) {
    throw forbidden(
      "only someone who owns every community a person belongs to can deactivate or reactivate them",
    );
  }
  return { user, communityIds: memberships.map((m) => m.communityId) };
}

/** The events that tell the person's own clients (their streams end) and their communities. */
function accountEvents(type: string, actorId: string | null, target: DeactivationTarget): Outgoing[] {
  const data = { user_id: target.user.id };
  return [
    {
      subject: subjects.notifications(target.user.id),
      event: envelope(type, { actor_id: actorId, data }),
    },
    ...target.communityIds.map((id) => communityEvent(type, id, actorId, data)),
    credentialsChanged({ userId: target.user.id, ended: type === "user.deactivated" }, actorId),
  ];
}

/** Everything that lets the person in ends: sessions, a bot's tokens, a terminal login not yet collected. */
async function endAccess(tx: Db, userId: string) {
  const ended = await tx.delete(sessions).where(eq(sessions.userId, userId)).returning({ id: sessions.id });
  const revoked = await tx
    .update(apiTokens)
    .set({ revokedAt: sql`now()` })
    .where(
      and(
        isNull(apiTokens.revokedAt),
        inArray(
          apiTokens.apiUserId,
          tx.select({ id: apiUsers.id }).from(apiUsers).where(eq(apiUsers.userId, userId)),
        ),
      ),
    )
    .returning({ id: apiTokens.id });
  await tx
    .update(deviceCodes)
    .set({ status: "denied" })
    .where(and(eq(deviceCodes.userId, userId), eq(deviceCodes.status, "approved")));
  return { sessions_ended: ended.length, tokens_revoked: revoked.length };
}

// `auditData` tells who acted when no account did (the admin CLI on the box).
type Meta = { ip?: string | null; auditData?: Record<string, unknown> };

/** Sets or clears the mark, with what goes with it, and the audit row, in one transaction. */
async function switchAccount(
  db: Db,
  actorId: string | null,
  target: DeactivationTarget,
  meta: Meta,
  to: "deactivated" | "reactivated",
) {
  const userId = target.user.id;
  const deactivating = to === "deactivated";
  return db.transaction(async (tx) => {
    const [user] = await tx
      .update(users)
      .set({ deactivatedAt: deactivating ? sql`now()` : null })
      .where(
        and(
          eq(users.id, userId),
          deactivating ? isNull(users.deactivatedAt) : isNotNull(users.deactivatedAt),
        ),
      )
      .returning();
    if (!user) {
      throw deactivating
        ? conflict("this account is deactivated already", "already_deactivated")
        : conflict("this account is not deactivated", "not_deactivated");
    }
    const data = deactivating ? await endAccess(tx, userId) : undefined;
    await recordAudit(tx, {
      action: `user.${to}`,
      actorId,
      targetType: "user",
      targetId: userId,
      data: data || meta.auditData ? { ...data, ...meta.auditData } : undefined,
      ip: meta.ip,
    });
    return { user, events: accountEvents(`user.${to}`, actorId, target) };
  });
}

/**
 * Deactivates an account: every session ends, a bot's tokens are revoked, a terminal login
 * approved but not yet collected is denied, and from now on nothing of theirs authenticates and
 * nobody can open a DM with them. Their memberships, messages and name stay, shown as deactivated.
 * Audited; the events after commit end their open live streams at once.
 */
export const doDeactivateUser = (
  db: Db,
  actorId: string | null,
  target: DeactivationTarget,
  meta: Meta = {},
) => switchAccount(db, actorId, target, meta, "deactivated");

/**
 * Reactivates an account: they may sign in again (their old sessions and tokens stay ended, so
 * whoever held them before does not get back in with them). Audited.
 */
export const doReactivateUser = (
  db: Db,
  actorId: string | null,
  target: DeactivationTarget,
  meta: Meta = {},
) => switchAccount(db, actorId, target, meta, "reactivated");

const deactivatedUser = (username: string) =>
  forbidden(`@${username}'s account is deactivated`, "user_deactivated");

/** Throws unless none of these people is deactivated: nobody opens a DM with a deactivated account. */
export async function checkNotDeactivated(db: Db, userIds: string[]) {
  const [gone] = await db
    .select({ username: users.username })
    .from(users)
    .where(and(inArray(users.id, userIds), isNotNull(users.deactivatedAt)))
    .limit(1);
  if (gone) throw deactivatedUser(gone.username);
}

// Every DM post runs this.
const deactivatedPartner = prepared((db) =>
  db
    .select({ username: users.username })
    .from(channelMembers)
    .innerJoin(users, eq(users.id, channelMembers.userId))
    .where(
      and(
        eq(channelMembers.channelId, sql.placeholder("channelId")),
        ne(channelMembers.userId, sql.placeholder("userId")),
        isNotNull(users.deactivatedAt),
      ),
    )
    .limit(1)
    .prepare("dm_deactivated_partner"),
);

/** Throws if the other person of a 1:1 DM is deactivated: the DM is read-only from then on. */
export async function checkDmPartnerActive(db: Db, channelId: string, userId: string) {
  const [gone] = await deactivatedPartner(db).execute({ channelId, userId });
  if (gone) throw deactivatedUser(gone.username);
}

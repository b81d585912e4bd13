import { and, asc, desc, eq, gt, isNull, lt, or, sql } from "drizzle-orm";
import { recordAudit } from "../audit/record.ts";
import { createSession, type SessionPolicy } from "../auth/sessions.ts";
import { issueToken, parseToken, secretMatches } from "../auth/tokens.ts";
import { envelope } from "../bus/envelope.ts";
import type { Outgoing } from "../bus/publish.ts";
import { subjects } from "../bus/subjects.ts";
import { latestMessageId } from "../channels/manage.ts";
import type { CommunityRow } from "../communities/access.ts";
import type { Db } from "../db/client.ts";
import {
  channelMembers,
  channels,
  communities,
  communityBans,
  communityMembers,
  invites,
} from "../db/schema.ts";
import { AppError, forbidden } from "../errors.ts";
import { type PageQuery, toPage } from "../pagination.ts";
import { doClaimPlaceholder } from "../slack-import/claim.ts";
import { doCreatePerson, type NewPerson } from "../users/create.ts";
import { userView } from "../users/views.ts";

export type InviteRow = typeof invites.$inferSelect;

const invalid = () =>
  new AppError(
    "not_found",
    "invite_invalid",
    "this invite link is not valid: it expired, was used up or was revoked",
  );

const claimOnly = () =>
  forbidden("this link claims an imported account: open it signed out to sign in as that person");

export function inviteView(i: InviteRow) {
  return {
    id: i.id,
    community_id: i.communityId,
    max_uses: i.maxUses,
    uses: i.uses,
    expires_at: i.expiresAt,
    revoked_at: i.revokedAt,
    created_at: i.createdAt,
  };
}

/**
 * New members start in the community's #general, as in Slack, with nothing in it unread: they
 * land in a conversation instead of an empty page.
 */
async function joinDefaultChannel(db: Db, communityId: string, userId: string) {
  const [general] = await db
    .select({ id: channels.id })
    .from(channels)
    .where(
      and(
        eq(channels.communityId, communityId),
        eq(channels.name, "general"),
        eq(channels.visibility, "public"),
      ),
    );
  if (!general) return;
  await db
    .insert(channelMembers)
    .values({ channelId: general.id, userId, lastReadMessageId: await latestMessageId(db, general.id) })
    .onConflictDoNothing();
}

/** A new invite link to the community (owners and admins). The code is shown once; only its hash is kept. */
export async function doCreateInvite(
  db: Db,
  actorId: string,
  community: CommunityRow,
  input: { max_uses?: number; expires_in?: number },
  publicUrl: string,
) {
  const { token, id, hash } = issueToken("invite");
  const [row] = await db
    .insert(invites)
    .values({
      id,
      communityId: community.id,
      codeHash: hash,
      createdBy: actorId,
      maxUses: input.max_uses ?? null,
      expiresAt: input.expires_in ? new Date(Date.now() + input.expires_in * 1000) : null,
    })
    .returning();
  await recordAudit(db, {
    action: "invite.created",
    actorId,
    communityId: community.id,
    targetType: "invite",
    targetId: id,
  });
  return { ...inviteView(row as InviteRow), code: token, url: `${publicUrl}/invite/${token}` };
}

/** A page of the community's invites, newest first (`before`/`after` an invite's id). */
export async function listInvites(db: Db, communityId: string, query: PageQuery) {
  const rows = await db
    .select()
    .from(invites)
    .where(
      and(
        eq(invites.communityId, communityId),
        query.before ? lt(invites.id, query.before) : undefined,
        query.after ? gt(invites.id, query.after) : undefined,
      ),
    )
    .orderBy(query.after ? asc(invites.id) : desc(invites.id))
    .limit(query.limit + 1);
  const page = toPage(rows.map(inviteView), query.limit);
  return query.after ? { ...page, items: page.items.reverse() } : page;
}

/** Revokes an invite of the community; its link stops working at once. */
export async function doRevokeInvite(db: Db, actorId: string, communityId: string, inviteId: string) {
  const [row] = await db
    .update(invites)
    .set({ revokedAt: new Date() })
    .where(and(eq(invites.id, inviteId), eq(invites.communityId, communityId), isNull(invites.revokedAt)))
    .returning();
  if (!row) throw new AppError("not_found", "not_found", "invite not found");
  await recordAudit(db, {
    action: "invite.revoked",
    actorId,
    communityId,
    targetType: "invite",
    targetId: inviteId,
  });
  return inviteView(row);
}

const usable = and(
  isNull(invites.revokedAt),
  or(isNull(invites.expiresAt), gt(invites.expiresAt, sql`now()`)),
  or(isNull(invites.maxUses), lt(invites.uses, invites.maxUses)),
);

/** The community an invite code leads to, if the code is still usable; null otherwise. */
export async function findInvite(
  db: Db,
  code: string,
): Promise<{ invite: InviteRow; community: CommunityRow } | null> {
  const parsed = parseToken("invite", code);
  if (!parsed) return null;
  const [row] = await db
    .select({ invite: invites, community: communities })
    .from(invites)
    .innerJoin(communities, eq(communities.id, invites.communityId))
    .where(and(eq(invites.id, parsed.id), usable));
  if (!row || !secretMatches(parsed.secret, row.invite.codeHash)) return null;
  return row;
}

/**
 * Joins a person to the invite's community as a member, counting one use (atomically, so a
 * last-use race admits one person). Already a member: nothing changes and no use is counted.
 * Banned people are refused.
 */
export async function doAcceptInvite(db: Db, code: string, userId: string, meta: { ip?: string } = {}) {
  return db.transaction(async (tx) => {
    const found = await findInvite(tx, code);
    if (!found) throw invalid();
    const { community } = found;
    // A claim invite is spent by the person it makes (lib/slack-import/claim.ts), never by another account.
    if (found.invite.claimUserId && found.invite.claimUserId !== userId) throw claimOnly();
    const [banned] = await tx
      .select({ userId: communityBans.userId })
      .from(communityBans)
      .where(and(eq(communityBans.communityId, community.id), eq(communityBans.userId, userId)));
    if (banned) throw forbidden("you are banned from this community");
    const [already] = await tx
      .select({ role: communityMembers.role })
      .from(communityMembers)
      .where(and(eq(communityMembers.communityId, community.id), eq(communityMembers.userId, userId)));
    // A claimed placeholder is a member already, and its claim spends the invite all the same.
    if (already && !found.invite.claimUserId) return { community, joined: false, events: [] as Outgoing[] };
    const [used] = await tx
      .update(invites)
      .set({ uses: sql`${invites.uses} + 1` })
      .where(and(eq(invites.id, found.invite.id), usable))
      .returning();
    if (!used) throw invalid();
    if (already) return { community, joined: false, events: [] as Outgoing[] };
    await tx.insert(communityMembers).values({ communityId: community.id, userId, role: "member" });
    await joinDefaultChannel(tx, community.id, userId);
    await recordAudit(tx, {
      action: "invite.used",
      actorId: userId,
      communityId: community.id,
      targetType: "invite",
      targetId: found.invite.id,
      ip: meta.ip ?? null,
    });
    const events: Outgoing[] = [
      {
        subject: subjects.communityEvents(community.id),
        event: envelope("member.joined", {
          community_id: community.id,
          actor_id: userId,
          data: { user_id: userId },
        }),
      },
    ];
    return { community, joined: true, events };
  });
}

/**
 * With no OAuth provider: a new person picks a username on the invite, joins and is signed in, in
 * one transaction (a taken name or a spent invite leaves nothing behind).
 */
export async function doJoinAsNewPerson(
  db: Db,
  code: string,
  person: NewPerson,
  meta: { ip?: string; userAgent?: string | null; policy?: SessionPolicy },
) {
  return db.transaction(async (tx) => {
    const found = await findInvite(tx, code);
    if (!found) throw invalid();
    // A claim invite signs them in as the imported person it names; the name they picked is not used.
    const user = found.invite.claimUserId
      ? await doClaimPlaceholder(tx, found.invite)
      : await doCreatePerson(tx, person);
    const { community, events } = await doAcceptInvite(tx, code, user.id, meta);
    const session = await createSession(tx, user.id, { ip: meta.ip, userAgent: meta.userAgent }, meta.policy);
    return { user: userView(user), community, token: session.token, events };
  });
}

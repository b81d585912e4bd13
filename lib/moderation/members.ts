import { and, eq, inArray } from "drizzle-orm";
import { recordAudit } from "../audit/record.ts";
import { envelope } from "../bus/envelope.ts";
import type { Outgoing } from "../bus/publish.ts";
import { subjects } from "../bus/subjects.ts";
import type { Db } from "../db/client.ts";
import { channelMembers, channels, communityBans, communityMembers, communityMutes } from "../db/schema.ts";
import { forbidden, invalid, notFound } from "../errors.ts";
import { notify } from "../notifications/notify.ts";

/** Who runs a moderation command: an owner or admin of the community (the caller checked). */
export interface Moderator {
  userId: string;
  role: string;
}

/** The person it is aimed at, with their role in the community. */
export interface Target {
  id: string;
  role: string;
}

/** An event on the community's subject. */
export const communityEvent = (
  type: string,
  communityId: string,
  actorId: string | null,
  data: Record<string, unknown>,
): Outgoing => ({
  subject: subjects.communityEvents(communityId),
  event: envelope(type, { community_id: communityId, actor_id: actorId, data }),
});

const DONE = { ban: "banned", kick: "kicked", mute: "muted" } as const;

/** Nobody moderates the owner, and nobody moderates themselves. */
export function checkCanModerate(actor: Moderator, target: Target, doing: keyof typeof DONE) {
  if (target.id === actor.userId) throw invalid(`you cannot ${doing} yourself`);
  if (target.role === "owner") throw forbidden(`the owner cannot be ${DONE[doing]}`);
}

/** The system notification that tells someone what a moderator did to them. */
const tell = (db: Db, actor: Moderator, communityId: string, userId: string, data: Record<string, unknown>) =>
  notify(db, [
    {
      userId,
      type: "system",
      sourceId: communityId,
      actorId: actor.userId,
      data: { community_id: communityId, ...data },
    },
  ]);

/** Takes the person out of the community and every channel of it; membership is the authorization. */
async function removeFromCommunity(db: Db, communityId: string, userId: string) {
  await db
    .delete(channelMembers)
    .where(
      and(
        eq(channelMembers.userId, userId),
        inArray(
          channelMembers.channelId,
          db.select({ id: channels.id }).from(channels).where(eq(channels.communityId, communityId)),
        ),
      ),
    );
  await db
    .delete(communityMembers)
    .where(and(eq(communityMembers.communityId, communityId), eq(communityMembers.userId, userId)));
  await db
    .delete(communityMutes)
    .where(and(eq(communityMutes.communityId, communityId), eq(communityMutes.userId, userId)));
}

/**
 * Bans a member: they leave the community and its channels at once (their sessions and tokens
 * then reach nothing in it), invites refuse them until unbanned, and they are told why.
 */
export async function doBanMember(
  db: Db,
  actor: Moderator,
  communityId: string,
  target: Target,
  reason: string | null,
) {
  checkCanModerate(actor, target, "ban");
  return db.transaction(async (tx) => {
    await removeFromCommunity(tx, communityId, target.id);
    await tx
      .insert(communityBans)
      .values({ communityId, userId: target.id, bannedBy: actor.userId, reason })
      .onConflictDoUpdate({
        target: [communityBans.communityId, communityBans.userId],
        set: { bannedBy: actor.userId, reason },
      });
    await recordAudit(tx, {
      action: "member.banned",
      actorId: actor.userId,
      communityId,
      targetType: "user",
      targetId: target.id,
      data: { reason },
    });
    const told = await tell(tx, actor, communityId, target.id, { kind: "banned", reason });
    return {
      events: [communityEvent("member.banned", communityId, actor.userId, { user_id: target.id }), ...told],
    };
  });
}

/** Lifts a ban; they may come back with an invite. */
export async function doUnbanMember(db: Db, actor: Moderator, communityId: string, userId: string) {
  return db.transaction(async (tx) => {
    const lifted = await tx
      .delete(communityBans)
      .where(and(eq(communityBans.communityId, communityId), eq(communityBans.userId, userId)))
      .returning({ userId: communityBans.userId });
    if (lifted.length === 0) throw notFound("ban");
    await recordAudit(tx, {
      action: "member.unbanned",
      actorId: actor.userId,
      communityId,
      targetType: "user",
      targetId: userId,
    });
    const told = await tell(tx, actor, communityId, userId, { kind: "unbanned" });
    return {
      events: [communityEvent("member.unbanned", communityId, actor.userId, { user_id: userId }), ...told],
    };
  });
}

/** Removes a member from the community and its channels; an invite brings them back. */
export async function doKickMember(db: Db, actor: Moderator, communityId: string, target: Target) {
  checkCanModerate(actor, target, "kick");
  return db.transaction(async (tx) => {
    await removeFromCommunity(tx, communityId, target.id);
    await recordAudit(tx, {
      action: "member.kicked",
      actorId: actor.userId,
      communityId,
      targetType: "user",
      targetId: target.id,
    });
    const told = await tell(tx, actor, communityId, target.id, { kind: "kicked" });
    return {
      events: [communityEvent("member.removed", communityId, actor.userId, { user_id: target.id }), ...told],
    };
  });
}

/** Stops a member posting in the community until `until` (muting again replaces the expiry). */
export async function doMuteMember(
  db: Db,
  actor: Moderator,
  communityId: string,
  target: Target,
  until: Date,
) {
  checkCanModerate(actor, target, "mute");
  return db.transaction(async (tx) => {
    await tx
      .insert(communityMutes)
      .values({ communityId, userId: target.id, mutedBy: actor.userId, expiresAt: until })
      .onConflictDoUpdate({
        target: [communityMutes.communityId, communityMutes.userId],
        set: { mutedBy: actor.userId, expiresAt: until },
      });
    await recordAudit(tx, {
      action: "member.muted",
      actorId: actor.userId,
      communityId,
      targetType: "user",
      targetId: target.id,
      data: { until: until.toISOString() },
    });
    const told = await tell(tx, actor, communityId, target.id, { kind: "muted", until: until.toISOString() });
    return {
      events: [
        communityEvent("member.muted", communityId, actor.userId, {
          user_id: target.id,
          until: until.toISOString(),
        }),
        ...told,
      ],
    };
  });
}

/** Lifts a mute; nothing to lift is a 404. */
export async function doUnmuteMember(db: Db, actor: Moderator, communityId: string, target: Target) {
  return db.transaction(async (tx) => {
    const lifted = await tx
      .delete(communityMutes)
      .where(and(eq(communityMutes.communityId, communityId), eq(communityMutes.userId, target.id)))
      .returning({ userId: communityMutes.userId });
    if (lifted.length === 0) throw notFound("mute");
    await recordAudit(tx, {
      action: "member.unmuted",
      actorId: actor.userId,
      communityId,
      targetType: "user",
      targetId: target.id,
    });
    const told = await tell(tx, actor, communityId, target.id, { kind: "unmuted" });
    return {
      events: [communityEvent("member.unmuted", communityId, actor.userId, { user_id: target.id }), ...told],
    };
  });
}

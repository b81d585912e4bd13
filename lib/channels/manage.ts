import { and, desc, eq } from "drizzle-orm";
import { recordAudit } from "../audit/record.ts";
import type { Db } from "../db/client.ts";
import { isUniqueViolation } from "../db/errors.ts";
import { channelMembers, channels, communityMembers, messages } from "../db/schema.ts";
import { AppError, conflict, forbidden, invalid, notFound } from "../errors.ts";
import { notify } from "../notifications/notify.ts";
import { type ChannelAccess, type ChannelRow, isDm } from "./access.ts";
import { channelEvent } from "./subjects.ts";
import { channelView } from "./views.ts";

/** The newest top-level message id, so a new member starts with nothing unread. */
export async function latestMessageId(db: Db, channelId: string) {
  const [row] = await db
    .select({ id: messages.id })
    .from(messages)
    .where(eq(messages.channelId, channelId))
    .orderBy(desc(messages.id))
    .limit(1);
  return row?.id ?? null;
}

/** Creates a channel in the community; its creator joins it. Names are unique per community. */
export async function doCreateChannel(
  db: Db,
  userId: string,
  communityId: string,
  input: { name: string; visibility: "public" | "private"; topic: string },
) {
  return db.transaction(async (tx) => {
    const [channel] = await tx
      .insert(channels)
      .values({
        communityId,
        name: input.name,
        visibility: input.visibility,
        topic: input.topic,
        createdBy: userId,
      })
      .onConflictDoNothing()
      .returning();
    if (!channel) throw conflict(`a channel named #${input.name} already exists`);
    await tx.insert(channelMembers).values({ channelId: channel.id, userId });
    const view = channelView(channel, { lastReadMessageId: null });
    // Others learn of private channels only when added to them.
    const events =
      channel.visibility === "public"
        ? [await channelEvent(tx, "channel.created", channel, userId, { channel: view })]
        : [];
    return { channel: view, events };
  });
}

/** Changes a channel's topic (any member) or name (its creator or an admin). */
export async function doUpdateChannel(
  db: Db,
  userId: string,
  access: ChannelAccess,
  input: { topic?: string; name?: string },
) {
  const { channel, membership, role } = access;
  if (isDm(channel)) throw invalid("direct messages have no name or topic");
  if (!membership) throw conflict("join the channel first");
  const admin = role === "owner" || role === "admin";
  if (input.name !== undefined && input.name !== channel.name && !admin && channel.createdBy !== userId) {
    throw forbidden("only the channel's creator and admins can rename it");
  }
  return db.transaction(async (tx) => {
    const [updated] = await tx
      .update(channels)
      .set({
        ...(input.topic !== undefined ? { topic: input.topic } : {}),
        ...(input.name ? { name: input.name } : {}),
      })
      .where(eq(channels.id, channel.id))
      .returning()
      .catch((err) => {
        throw isUniqueViolation(err, "channels_community_name")
          ? conflict(`a channel named #${input.name} already exists`)
          : err;
      });
    const row = updated as ChannelRow;
    const view = channelView(row, membership);
    return {
      channel: view,
      events: [await channelEvent(tx, "channel.updated", row, userId, { channel: view })],
    };
  });
}

/** Joins a public channel; joining one you are in changes nothing. */
export async function doJoinChannel(db: Db, userId: string, access: ChannelAccess) {
  const { channel } = access;
  if (access.membership) return { channel: channelView(channel, access.membership), events: [] };
  if (isDm(channel) || channel.visibility !== "public") throw notFound("channel");
  if (channel.archivedAt) throw new AppError("gone", "channel_archived", "this channel is archived");
  return db.transaction(async (tx) => {
    const lastRead = await latestMessageId(tx, channel.id);
    const [membership] = await tx
      .insert(channelMembers)
      .values({ channelId: channel.id, userId, lastReadMessageId: lastRead })
      .onConflictDoNothing()
      .returning();
    return {
      channel: channelView(channel, membership ?? { lastReadMessageId: lastRead }),
      events: membership
        ? [await channelEvent(tx, "channel.member_joined", channel, userId, { user_id: userId })]
        : [],
    };
  });
}

/** Leaves a channel (a group DM too); a 1:1 DM cannot be left. */
export async function doLeaveChannel(db: Db, userId: string, access: ChannelAccess) {
  const { channel } = access;
  if (channel.type === "dm") throw invalid("a direct message cannot be left");
  if (!access.membership) return { channel: channelView(channel, null), events: [] };
  await db
    .delete(channelMembers)
    .where(and(eq(channelMembers.channelId, channel.id), eq(channelMembers.userId, userId)));
  return {
    channel: channelView(channel, null),
    events: [await channelEvent(db, "channel.member_left", channel, userId, { user_id: userId }, [userId])],
  };
}

/**
 * Adds a member of the community to a private channel the caller belongs to, and tells them with an
 * invite notification. Adding someone already in it changes nothing.
 */
export async function doAddChannelMember(db: Db, actorId: string, access: ChannelAccess, userId: string) {
  const { channel } = access;
  if (isDm(channel)) throw invalid("people cannot be added to a direct message; start a new one");
  if (!access.membership) throw conflict("join the channel first");
  return db.transaction(async (tx) => {
    const [member] = await tx
      .select({ userId: communityMembers.userId })
      .from(communityMembers)
      .where(
        and(
          eq(communityMembers.communityId, channel.communityId as string),
          eq(communityMembers.userId, userId),
        ),
      );
    if (!member) throw notFound("user");
    const lastRead = await latestMessageId(tx, channel.id);
    const [added] = await tx
      .insert(channelMembers)
      .values({ channelId: channel.id, userId, lastReadMessageId: lastRead })
      .onConflictDoNothing()
      .returning();
    if (!added) return { added: false, events: [] };
    await recordAudit(tx, {
      action: "channel.member_added",
      actorId,
      communityId: channel.communityId,
      targetType: "user",
      targetId: userId,
      data: { channel_id: channel.id },
    });
    const notifications = await notify(tx, [
      {
        userId,
        type: "invite",
        sourceId: channel.id,
        channelId: channel.id,
        actorId,
        data: { channel_name: channel.name, community_id: channel.communityId },
      },
    ]);
    return {
      added: true,
      events: [
        await channelEvent(tx, "channel.member_joined", channel, actorId, {
          user_id: userId,
          added_by: actorId,
        }),
        ...notifications,
      ],
    };
  });
}

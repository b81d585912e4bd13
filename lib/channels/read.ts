import { and, eq, inArray, lte } from "drizzle-orm";
import { envelope } from "../bus/envelope.ts";
import type { Outgoing } from "../bus/publish.ts";
import { subjects } from "../bus/subjects.ts";
import type { Db } from "../db/client.ts";
import { channelMembers, channels, messages, notifications } from "../db/schema.ts";
import { notFound } from "../errors.ts";
import { type ChannelAccess, checkMember } from "./access.ts";
import { memberCounts } from "./list.ts";

/**
 * Moves the caller's read position in a channel to `messageId` (back as well as forward: "mark
 * unread"), marks their notifications for messages up to it read, and tells their other clients
 * (with the channel's counts as they now are, for their sidebars).
 */
export async function doMarkRead(db: Db, userId: string, access: ChannelAccess, messageId: string) {
  checkMember(access);
  const { channel } = access;
  return db.transaction(async (tx) => {
    const [message] = await tx
      .select({ id: messages.id })
      .from(messages)
      .where(and(eq(messages.id, messageId), eq(messages.channelId, channel.id)));
    if (!message) throw notFound("message");
    await tx
      .update(channelMembers)
      .set({ lastReadMessageId: messageId, lastReadAt: new Date() })
      .where(and(eq(channelMembers.channelId, channel.id), eq(channelMembers.userId, userId)));
    const cleared = await tx
      .update(notifications)
      .set({ read: true })
      .where(
        and(
          eq(notifications.userId, userId),
          eq(notifications.channelId, channel.id),
          eq(notifications.read, false),
          inArray(notifications.type, ["mention", "dm", "thread_reply"]),
          lte(notifications.sourceId, messageId),
        ),
      )
      .returning({ id: notifications.id });
    const events: Outgoing[] = [
      {
        subject: subjects.notifications(userId),
        event: envelope("channel.read", {
          community_id: channel.communityId,
          channel_id: channel.id,
          actor_id: userId,
          data: {
            message_id: messageId,
            notification_ids: cleared.map((n) => n.id),
            counts: await memberCounts(tx, userId, eq(channels.id, channel.id)),
          },
        }),
      },
    ];
    return { read: { channel_id: channel.id, last_read_message_id: messageId }, events };
  });
}

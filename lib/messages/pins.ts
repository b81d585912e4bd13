import { and, desc, eq, isNull, lt } from "drizzle-orm";
import type { Outgoing } from "../bus/publish.ts";
import { type ChannelAccess, checkCanPost, checkMember } from "../channels/access.ts";
import { channelEvent } from "../channels/subjects.ts";
import type { Db } from "../db/client.ts";
import { messages, pins } from "../db/schema.ts";
import { AppError } from "../errors.ts";
import { type PageQuery, toPage } from "../pagination.ts";
import { messageColumns } from "./row.ts";
import { type MessageRow, messageViews } from "./views.ts";

/**
 * Pins a message to its channel, or takes the pin off: any member who may write there may, as in
 * Slack. Pinning a pinned message (or unpinning an unpinned one) changes nothing and tells nobody.
 * Members hear of it live (`message.pinned`, `message.unpinned`).
 */
export async function doSetPinned(
  db: Db,
  userId: string,
  access: ChannelAccess & { message: MessageRow },
  pinned: boolean,
) {
  const { message, channel } = access;
  checkMember(access);
  await checkCanPost(db, userId, access);
  if (message.deletedAt) throw new AppError("gone", "message_deleted", "this message was deleted");
  const changed = pinned
    ? await db
        .insert(pins)
        .values({ messageId: message.id, channelId: channel.id, pinnedBy: userId })
        .onConflictDoNothing()
        .returning()
    : await db.delete(pins).where(eq(pins.messageId, message.id)).returning();
  const events: Outgoing[] = changed.length
    ? [
        await channelEvent(db, pinned ? "message.pinned" : "message.unpinned", channel, userId, {
          message_id: message.id,
          pinned_by: userId,
        }),
      ]
    : [];
  return { pinned, changed: changed.length > 0, events };
}

/** A page of the channel's pinned messages, newest message first (the caller may read the channel). */
export async function listPins(db: Db, viewerId: string, channelId: string, page: PageQuery) {
  const rows = await db
    .select({ message: messageColumns, pinnedBy: pins.pinnedBy, pinnedAt: pins.createdAt })
    .from(pins)
    .innerJoin(messages, eq(messages.id, pins.messageId))
    .where(
      and(
        eq(pins.channelId, channelId),
        isNull(messages.deletedAt),
        page.before ? lt(pins.messageId, page.before) : undefined,
      ),
    )
    .orderBy(desc(pins.messageId))
    .limit(page.limit + 1);
  const { items, has_more } = toPage(rows, page.limit);
  const views = await messageViews(
    db,
    viewerId,
    items.map((r) => r.message),
  );
  return {
    items: views.map((message, i) => ({
      message,
      pinned_by: items[i]?.pinnedBy ?? null,
      pinned_at: items[i]?.pinnedAt,
    })),
    has_more,
  };
}

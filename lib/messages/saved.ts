import { and, desc, eq, isNull, lt } from "drizzle-orm";
import { envelope } from "../bus/envelope.ts";
import type { Outgoing } from "../bus/publish.ts";
import { subjects } from "../bus/subjects.ts";
import { readableBy } from "../channels/access.ts";
import type { Db } from "../db/client.ts";
import { channels, messages, savedItems } from "../db/schema.ts";
import { type PageQuery, toPage } from "../pagination.ts";
import { messageColumns } from "./row.ts";
import { messageViews } from "./views.ts";

/**
 * Saves a message for the caller, or forgets it (idempotent). Saved items are private: only the
 * caller's own clients hear of it.
 */
export async function doSetSaved(db: Db, userId: string, messageId: string, saved: boolean) {
  const changed = saved
    ? await db.insert(savedItems).values({ userId, messageId }).onConflictDoNothing().returning()
    : await db
        .delete(savedItems)
        .where(and(eq(savedItems.userId, userId), eq(savedItems.messageId, messageId)))
        .returning();
  const events: Outgoing[] = changed.length
    ? [
        {
          subject: subjects.notifications(userId),
          event: envelope(saved ? "saved.added" : "saved.removed", {
            actor_id: userId,
            data: { message_id: messageId },
          }),
        },
      ]
    : [];
  return { saved, changed: changed.length > 0, events };
}

/**
 * A page of the caller's saved messages, newest message first. Only those in channels the caller can
 * still read: leaving a private channel takes its messages out of the list (the saves stay, and come
 * back on rejoining).
 */
export async function listSaved(db: Db, userId: string, page: PageQuery) {
  const rows = await db
    .select({ message: messageColumns, savedAt: savedItems.createdAt })
    .from(savedItems)
    .innerJoin(messages, eq(messages.id, savedItems.messageId))
    .innerJoin(channels, eq(channels.id, messages.channelId))
    .where(
      and(
        eq(savedItems.userId, userId),
        isNull(messages.deletedAt),
        readableBy(userId),
        page.before ? lt(savedItems.messageId, page.before) : undefined,
      ),
    )
    .orderBy(desc(savedItems.messageId))
    .limit(page.limit + 1);
  const { items, has_more } = toPage(rows, page.limit);
  const views = await messageViews(
    db,
    userId,
    items.map((r) => r.message),
  );
  return { items: views.map((message, i) => ({ message, saved_at: items[i]?.savedAt })), has_more };
}

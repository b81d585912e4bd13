import { and, desc, eq, gt, inArray, lt, sql } from "drizzle-orm";
import { envelope } from "../bus/envelope.ts";
import type { Outgoing } from "../bus/publish.ts";
import { subjects } from "../bus/subjects.ts";
import { readableBy } from "../channels/access.ts";
import { memberCounts } from "../channels/list.ts";
import type { Db } from "../db/client.ts";
import { channels, messages, notifications } from "../db/schema.ts";
import { type PageQuery, toPage } from "../pagination.ts";
import { notificationView } from "./notify.ts";

/**
 * The caller's notifications, newest first, each with a short preview of the message it is about
 * (read now, so an edited or deleted message never shows stale text), and the unread total. A
 * notification of a channel the caller can no longer read keeps neither the preview nor the
 * channel's name: it says that something happened, not what nor where.
 */
export async function listNotifications(db: Db, userId: string, page: PageQuery & { unread?: boolean }) {
  const rows = await db
    .select({
      n: notifications,
      readable: sql<boolean>`coalesce(${readableBy(userId)}, false)`,
      preview: sql<string | null>`left(${messages.bodyMd}, 200)`,
      // The unread total rides on each row: every page (the web shell asks for one on every page
      // view) is one statement, not two.
      unread: sql<number>`(select count(*)::int from ${notifications} u where u.user_id = ${userId} and u.read = false)`,
    })
    .from(notifications)
    .leftJoin(messages, and(eq(messages.id, notifications.sourceId), sql`${messages.deletedAt} is null`))
    .leftJoin(channels, eq(channels.id, notifications.channelId))
    .where(
      and(
        eq(notifications.userId, userId),
        page.unread ? eq(notifications.read, false) : undefined,
        page.before ? lt(notifications.id, page.before) : undefined,
        page.after ? gt(notifications.id, page.after) : undefined,
      ),
    )
    .orderBy(desc(notifications.id))
    .limit(page.limit + 1);
  // No row: the total still counts, unless the page was every unread one (then it is none).
  const unread =
    rows[0]?.unread ?? (page.unread && !page.before && !page.after ? 0 : await unreadTotal(db, userId));
  const { items, has_more } = toPage(rows, page.limit);
  return {
    items: items.map(({ n, readable, preview }) => {
      const view = notificationView(n);
      // A reminder's words are its own, kept with it (there is no message to read them from).
      if (n.channelId === null)
        return { ...view, preview: readable ? preview : reminderText(view.data as Record<string, unknown>) };
      if (readable) return { ...view, preview };
      return { ...view, data: { ...view.data, channel_name: null }, preview: null };
    }),
    has_more,
    unread_count: unread,
  };
}

/** How many of the person's notifications are unread. */
export async function unreadTotal(db: Db, userId: string) {
  const [{ unread } = { unread: 0 }] = await db
    .select({ unread: sql<number>`count(*)::int` })
    .from(notifications)
    .where(and(eq(notifications.userId, userId), eq(notifications.read, false)));
  return unread;
}

const reminderText = (data: Record<string, unknown>) =>
  data.kind === "reminder" && typeof data.text === "string" ? data.text : null;

/** Marks some (or all) of the caller's notifications read and tells their other clients. */
export async function doMarkNotificationsRead(
  db: Db,
  userId: string,
  which: { ids?: string[]; all?: boolean },
) {
  const cleared = await db
    .update(notifications)
    .set({ read: true })
    .where(
      and(
        eq(notifications.userId, userId),
        eq(notifications.read, false),
        which.all ? undefined : inArray(notifications.id, which.ids ?? []),
      ),
    )
    .returning({ id: notifications.id, channelId: notifications.channelId });
  const ids = cleared.map((n) => n.id);
  const channelIds = [...new Set(cleared.flatMap((n) => (n.channelId ? [n.channelId] : [])))];
  // The mention counts of the channels concerned changed: their sidebars show the counts now.
  const counts = channelIds.length ? await memberCounts(db, userId, inArray(channels.id, channelIds)) : [];
  const events: Outgoing[] = ids.length
    ? [
        {
          subject: subjects.notifications(userId),
          event: envelope("notification.read", { actor_id: userId, data: { notification_ids: ids, counts } }),
        },
      ]
    : [];
  return { read_ids: ids, events };
}

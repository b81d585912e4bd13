import { and, asc, desc, eq, gt, isNull, lt } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { messages } from "../db/schema.ts";
import { type PageQuery, toPage } from "../pagination.ts";
import { messageViews } from "./views.ts";

/**
 * A page of a channel's top-level messages, newest first. `before` pages back into history, `after`
 * forward from a point (still returned newest first). Deleted messages stay as tombstones.
 */
export async function listHistory(db: Db, viewerId: string, channelId: string, page: PageQuery) {
  const forward = page.after !== undefined;
  const rows = await db
    .select()
    .from(messages)
    .where(
      and(
        eq(messages.channelId, channelId),
        isNull(messages.parentId),
        page.before ? lt(messages.id, page.before) : undefined,
        page.after ? gt(messages.id, page.after) : undefined,
      ),
    )
    .orderBy(forward ? asc(messages.id) : desc(messages.id))
    .limit(page.limit + 1);
  const { items, has_more } = toPage(rows, page.limit);
  if (forward) items.reverse();
  return { items: await messageViews(db, viewerId, items), has_more };
}

/** A page of a thread's replies, oldest first (a thread reads top to bottom). */
export async function listReplies(db: Db, viewerId: string, parentId: string, page: PageQuery) {
  const backward = page.before !== undefined;
  const rows = await db
    .select()
    .from(messages)
    .where(
      and(
        eq(messages.parentId, parentId),
        page.before ? lt(messages.id, page.before) : undefined,
        page.after ? gt(messages.id, page.after) : undefined,
      ),
    )
    .orderBy(backward ? desc(messages.id) : asc(messages.id))
    .limit(page.limit + 1);
  const { items, has_more } = toPage(rows, page.limit);
  if (backward) items.reverse();
  return { items: await messageViews(db, viewerId, items), has_more };
}

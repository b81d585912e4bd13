import { type SQL, sql } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { messages } from "../db/schema.ts";
import { type PageQuery, toPage } from "../pagination.ts";
import { queryViews } from "./views.ts";

/**
 * One page of messages matching `where`, with their views, in one statement: `newestFirst` reads
 * back from the newest (or from `before`), otherwise forward (from `after`). One extra row tells
 * whether there is more.
 */
async function pageOf(db: Db, viewerId: string, where: SQL, page: PageQuery, newestFirst: boolean) {
  const cursor = page.before
    ? sql`and id < ${page.before}::uuid`
    : page.after
      ? sql`and id > ${page.after}::uuid`
      : sql``;
  const direction = newestFirst ? sql`desc` : sql`asc`;
  // The limit is written into the text, not bound: with a bound limit PostgreSQL's cached plan
  // cannot tell a page of 51 from a table, and reads the extras of the whole channel.
  const limit = sql.raw(String(Math.trunc(page.limit) + 1));
  const source = sql`(select * from ${messages} where ${where} ${cursor} order by id ${direction} limit ${limit})`;
  return toPage(await queryViews(db, viewerId, source, sql`order by m.id ${direction}`), page.limit);
}

/**
 * A page of a channel's top-level messages, newest first. `before` pages back into history, `after`
 * forward from a point (still returned newest first). Deleted messages stay as tombstones.
 */
export async function listHistory(db: Db, viewerId: string, channelId: string, page: PageQuery) {
  const forward = page.after !== undefined;
  const result = await pageOf(
    db,
    viewerId,
    sql`channel_id = ${channelId}::uuid and parent_id is null`,
    page,
    !forward,
  );
  if (forward) result.items.reverse();
  return result;
}

/** A page of a thread's replies, oldest first (a thread reads top to bottom). */
export async function listReplies(db: Db, viewerId: string, parentId: string, page: PageQuery) {
  const backward = page.before !== undefined;
  const result = await pageOf(db, viewerId, sql`parent_id = ${parentId}::uuid`, page, backward);
  if (backward) result.items.reverse();
  return result;
}

import { type AnyColumn, desc, lt, type SQL, sql } from "drizzle-orm";
import { invalid } from "./errors.ts";
import type { ListQuery } from "./list-page.ts";

// Paging for lists newest first (DMs by last activity, sessions by last use, tokens by creation),
// with the same `?after=<next_cursor>` / `limit` / `has_more` / `next_cursor` as the name-ordered
// lists of list-page.ts. A recency cursor holds the time in milliseconds and the id: times are
// compared at that precision on both sides (JavaScript dates have no microseconds), so rows a
// microsecond apart are neither skipped nor repeated.

/** A row's time as its cursor holds it, in milliseconds: select it for `recentKey`. */
export const recentMs = (at: SQL | AnyColumn) => sql<number>`floor(extract(epoch from ${at}) * 1000)::float8`;

const CURSOR = /^(\d{1,15})\|([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const notACursor = () => invalid("after: not a cursor from a previous page");

/** The cursor key of a row of a recency list. */
export const recentKey = (ms: number, id: string) => `${ms}|${id}`;

/** Rows after the cursor of a list ordered by `recentOrder(at, id)`. */
export function recentWhere(at: SQL | AnyColumn, id: AnyColumn, query: ListQuery): SQL | undefined {
  if (query.after === undefined) return undefined;
  const m = CURSOR.exec(query.after);
  if (!m) throw notACursor();
  return sql`(${recentMs(at)}, ${id}) < (${Number(m[1])}::float8, ${m[2]}::uuid)`;
}

/** Newest first by `at`, the id breaking ties. */
export const recentOrder = (at: SQL | AnyColumn, id: AnyColumn) => [desc(recentMs(at)), desc(id)];

/** Rows after the cursor of a list newest first by its time-ordered (v7) id. */
export function newestWhere(id: AnyColumn, query: ListQuery): SQL | undefined {
  if (query.after === undefined) return undefined;
  if (!UUID.test(query.after)) throw notACursor();
  return lt(id, query.after);
}

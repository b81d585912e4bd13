import { type AnyColumn, gt, type SQL, sql } from "drizzle-orm";
import { z } from "zod";

/**
 * Paging for lists in name order (channels, members, communities…): `?after=<next_cursor>` and
 * `&limit=N` (default 200, at most 1000), with `?q=` for search-as-you-type (a prefix of the name,
 * case-insensitive, served by the lower(name) text_pattern_ops indexes).
 */
export const listQuery = z.object({
  q: z.string().trim().toLowerCase().max(80).optional(),
  after: z
    .string()
    .max(400)
    .optional()
    .transform((s, ctx) => {
      if (s === undefined) return undefined;
      const key = Buffer.from(s, "base64url").toString("utf8");
      if (key && Buffer.from(key, "utf8").toString("base64url") === s) return key;
      ctx.addIssue({ code: "custom", message: "not a cursor from a previous page" });
      return z.NEVER;
    }),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
});

export type ListQuery = z.output<typeof listQuery>;

/** A page of a name-ordered list; `next_cursor` goes in the next request's `after`. */
export interface ListPage<T> {
  items: T[];
  has_more: boolean;
  next_cursor: string | null;
}

/** Rows after the cursor and matching the prefix, for a list ordered by `key` (unique in the list). */
export function listWhere(key: AnyColumn, query: ListQuery): SQL | undefined {
  const parts = [
    query.after === undefined ? undefined : gt(key, query.after),
    query.q ? sql`lower(${key}) like ${`${query.q.replace(/[\\%_]/g, "\\$&")}%`}` : undefined,
  ].filter((p): p is SQL => p !== undefined);
  return parts.length ? sql.join(parts, sql` and `) : undefined;
}

/** Trims the one extra row fetched, and names the cursor of the next page by the last key. */
export function toListPage<R, T>(
  rows: R[],
  query: ListQuery,
  keyOf: (r: R) => string,
  view: (r: R) => T,
): ListPage<T> {
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  const more = rows.length > query.limit && last !== undefined;
  return {
    items: page.map(view),
    has_more: more,
    next_cursor: more ? Buffer.from(keyOf(last), "utf8").toString("base64url") : null,
  };
}

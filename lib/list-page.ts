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

/** What `q` matches as a LIKE pattern: names starting with it, its wildcards taken literally. */
const prefixPattern = (q: string) => `${q.replace(/[\\%_]/g, "\\$&")}%`;

/** Rows after the cursor and matching the prefix, for a list ordered by `key` (unique in the list). */
export function listWhere(key: AnyColumn, query: ListQuery): SQL | undefined {
  const parts = [
    query.after === undefined ? undefined : gt(key, query.after),
    query.q ? sql`lower(${key}) like ${prefixPattern(query.q)}` : undefined,
  ].filter((p): p is SQL => p !== undefined);
  return parts.length ? sql.join(parts, sql` and `) : undefined;
}

/**
 * Which of a list's optional filters a request uses, as a prepared statement's shape: the cursor
 * (`a`) and the prefix (`q`). Each shape is its own statement text, as each was unprepared.
 */
export type ListShape = "" | "a" | "q" | "aq";
export const listShapeOf = (query: ListQuery): ListShape =>
  `${query.after === undefined ? "" : "a"}${query.q ? "q" : ""}` as ListShape;

/** listWhere over the placeholders `after` and `prefix` of a prepared statement of `shape`. */
export function listWherePlaced(key: AnyColumn, shape: ListShape, only?: "a" | "q"): SQL | undefined {
  const parts = [
    shape.includes("a") && only !== "q" ? gt(key, sql.placeholder("after")) : undefined,
    shape.includes("q") && only !== "a" ? sql`lower(${key}) like ${sql.placeholder("prefix")}` : undefined,
  ].filter((p): p is SQL => p !== undefined);
  return parts.length ? sql.join(parts, sql` and `) : undefined;
}

/** The values of a prepared list statement's placeholders: the cursor, the prefix, one row past the page. */
export const listPlaceholders = (query: ListQuery) => ({
  after: query.after ?? null,
  prefix: query.q ? prefixPattern(query.q) : null,
  limit: query.limit + 1,
});

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

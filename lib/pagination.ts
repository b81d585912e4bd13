import { z } from "zod";

/** The plan's cursor pagination: `?before=<id>` or `?after=<id>`, `&limit=N` (default 50, max 200). */
export const pageQuery = z
  .object({
    before: z.uuid().optional(),
    after: z.uuid().optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
  })
  .refine((q) => !(q.before && q.after), { message: "give before or after, not both", path: ["before"] });

export type PageQuery = z.output<typeof pageQuery>;

/** A page of a list: the items and whether more lie beyond them in the direction asked. */
export interface Page<T> {
  items: T[];
  has_more: boolean;
}

/** Trims the one extra row fetched to learn whether there is more. */
export function toPage<T>(rows: T[], limit: number): Page<T> {
  return { items: rows.slice(0, limit), has_more: rows.length > limit };
}

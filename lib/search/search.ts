import { and, desc, eq, gte, isNull, lt, sql } from "drizzle-orm";
import { z } from "zod";
import { readableBy } from "../channels/access.ts";
import type { Db } from "../db/client.ts";
import { channels, communities, messages, users } from "../db/schema.ts";
import { messageViews } from "../messages/views.ts";

/** Where the previous page stopped: its last hit's rank and id (results run rank, then id, descending). */
export interface SearchCursor {
  rank: number;
  id: string;
}

export interface SearchInput {
  /** Web-search syntax: words, "quoted phrases", -exclusions, OR. */
  q: string;
  communitySlug?: string;
  channelId?: string;
  fromUsername?: string;
  /** Only messages created before this instant. */
  before?: Date;
  /** Only messages created at or after this instant. */
  after?: Date;
  limit: number;
  cursor?: SearchCursor;
}

const cursorShape = z.tuple([z.number(), z.uuid()]);

/** An opaque `cursor` parameter: base64url of the last hit's [rank, id]. */
export const searchCursor = z.string().transform((value, ctx): SearchCursor => {
  try {
    const [rank, id] = cursorShape.parse(JSON.parse(Buffer.from(value, "base64url").toString()));
    return { rank, id };
  } catch {
    ctx.addIssue({ code: "custom", message: "not a cursor from a previous page" });
    return z.NEVER;
  }
});

const encodeCursor = (c: SearchCursor) => Buffer.from(JSON.stringify([c.rank, c.id])).toString("base64url");

// ts_headline marks matches with StartSel/StopSel and drops anything that looks like an HTML tag.
// The body goes in with `<` `>` swapped for control characters and the marks are two more, none of
// which can remain from the body, so after escaping the result in JS the only markup left is ours.
const [MARK, UNMARK, LT, GT] = ["\u0001", "\u0002", "\u0003", "\u0004"];
const HEADLINE_IN = `<>${MARK}${UNMARK}${LT}${GT}`;
const HEADLINE_OUT = `${LT}${GT}`;
const HEADLINE_OPTIONS = `StartSel="${MARK}", StopSel="${UNMARK}", MaxWords=35, MinWords=15`;

/** The headline as HTML: escaped text, matches in `<mark>`. */
function snippetHtml(headline: string) {
  return Bun.escapeHTML(headline)
    .replaceAll(LT, "&lt;")
    .replaceAll(GT, "&gt;")
    .replaceAll(MARK, "<mark>")
    .replaceAll(UNMARK, "</mark>");
}

/**
 * Full-text search over the messages `userId` can read (never deleted ones), best match first and
 * newest first among equals. One statement finds the page — the GIN index on `messages.search`,
 * the readable-channel rule and the filters together — and builds snippets for that page's rows
 * only; `messageViews` adds its fixed number of queries. An unknown community, author or a channel
 * the caller cannot read simply matches nothing.
 */
export async function searchMessages(db: Db, userId: string, input: SearchInput) {
  const query = sql`websearch_to_tsquery('english', ${input.q})`;
  const rank = sql<number>`ts_rank(${messages.search}, ${query})`;
  const { cursor } = input;
  const hits = db
    .select({ id: messages.id, rank: rank.as("rank") })
    .from(messages)
    .innerJoin(channels, eq(channels.id, messages.channelId))
    .where(
      and(
        sql`${messages.search} @@ ${query}`,
        isNull(messages.deletedAt),
        readableBy(userId),
        input.communitySlug
          ? eq(
              channels.communityId,
              sql`(select ${communities.id} from ${communities} where ${communities.slug} = ${input.communitySlug})`,
            )
          : undefined,
        input.channelId ? eq(messages.channelId, input.channelId) : undefined,
        input.fromUsername
          ? eq(
              messages.userId,
              sql`(select ${users.id} from ${users} where ${users.username} = ${input.fromUsername})`,
            )
          : undefined,
        input.before ? lt(messages.createdAt, input.before) : undefined,
        input.after ? gte(messages.createdAt, input.after) : undefined,
        cursor ? sql`(${rank}, ${messages.id}) < (${cursor.rank}::real, ${cursor.id}::uuid)` : undefined,
      ),
    )
    .orderBy(desc(rank), desc(messages.id))
    .limit(input.limit + 1)
    .as("hits");
  const rows = await db
    .select({
      message: messages,
      rank: hits.rank,
      headline: sql<string>`ts_headline('english', translate(${messages.bodyMd}, ${HEADLINE_IN}, ${HEADLINE_OUT}), ${query}, ${HEADLINE_OPTIONS})`,
    })
    .from(hits)
    .innerJoin(messages, eq(messages.id, hits.id))
    .orderBy(desc(hits.rank), desc(hits.id));

  const page = rows.slice(0, input.limit);
  const views = await messageViews(
    db,
    userId,
    page.map((r) => r.message),
  );
  const last = page.at(-1);
  const hasMore = rows.length > input.limit && last !== undefined;
  return {
    items: page.map((r, i) => ({ message: views[i], snippet: snippetHtml(r.headline), rank: r.rank })),
    has_more: hasMore,
    next_cursor: hasMore ? encodeCursor({ rank: last.rank, id: last.message.id }) : null,
  };
}

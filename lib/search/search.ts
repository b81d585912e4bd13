import { and, desc, eq, gte, isNull, lt, type SQL, sql } from "drizzle-orm";
import { z } from "zod";
import { readableBy } from "../channels/access.ts";
import type { Db } from "../db/client.ts";
import { resultRows } from "../db/migrate.ts";
import { channels, communities, messages, users } from "../db/schema.ts";
import { markdownToPlain } from "../markdown/plain.ts";
import { messageColumns } from "../messages/row.ts";
import { messageViews } from "../messages/views.ts";
import { readPhrases } from "./phrase-pairs.ts";

/**
 * Where the previous page stopped. Results come in windows of the newest WINDOW matches, best match
 * first within a window: `below` is the window's upper id bound (exclusive; null for the newest),
 * and `rank`/`id` the last hit shown from it (null when the next page opens a new window).
 */
export interface SearchCursor {
  below: string | null;
  rank: number | null;
  id: string | null;
}

/**
 * How many of the newest matches one window ranks. Ranking reads every candidate's tsvector, so
 * ranking all matches of a common word over a million messages takes hundreds of milliseconds;
 * the newest few hundred come straight off the primary key, newest first, in a few.
 */
export const WINDOW = 500;

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
  /** Matches ranked per window; WINDOW unless a test wants small windows. */
  window?: number;
}

const cursorShape = z.tuple([z.uuid().nullable(), z.number().nullable(), z.uuid().nullable()]);

/** An opaque `cursor` parameter: base64url of [below, rank, id]. */
export const searchCursor = z.string().transform((value, ctx): SearchCursor => {
  try {
    const [below, rank, id] = cursorShape.parse(JSON.parse(Buffer.from(value, "base64url").toString()));
    return { below, rank, id };
  } catch {
    ctx.addIssue({ code: "custom", message: "not a cursor from a previous page" });
    return z.NEVER;
  }
});

const encodeCursor = (c: SearchCursor) =>
  Buffer.from(JSON.stringify([c.below, c.rank, c.id])).toString("base64url");

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
 * The matches' headlines, one statement for a page: over the text as readers see it (markdown
 * rendered to plain text), so a snippet never shows `**`, backticks or fences.
 */
async function headlinesOf(db: Db, texts: string[], query: SQL): Promise<string[]> {
  if (texts.length === 0) return [];
  const values = sql.join(
    texts.map((t, i) => sql`(${t}::text, ${i}::int)`),
    sql`, `,
  );
  const result = await db.execute(sql`
    select ts_headline('english', translate(v.t, ${HEADLINE_IN}, ${HEADLINE_OUT}), ${query}, ${HEADLINE_OPTIONS}) as h
    from (values ${values}) as v(t, n) order by v.n`);
  return resultRows<{ h: string }>(result).map((r) => r.h);
}

/**
 * The keys (in `messages.word_pairs`) of the adjacent word pairs a quoted phrase in `q` requires, as
 * PostgreSQL reads `q`: one small statement, only when `q` has a quote. It returns the tsquery's text
 * and the key of every ordered pair of the query's lexemes; a pair missing from those is dropped, which
 * only makes the pre-filter wider. Without the keys a phrase of two common words read every message
 * holding both words, or walked the whole table newest first, to check adjacency in each tsvector.
 */
export async function phraseOf(
  db: Db,
  q: string,
): Promise<{ tsquery: string; keys: number[]; phrasesOnly: boolean } | null> {
  if (!q.includes('"')) return null;
  const [row] = resultRows<{ q: string; keys: Record<string, number> | string | null }>(
    await db.execute(sql`
      select websearch_to_tsquery('english', ${q})::text as q,
        (select json_object_agg(l.pair, word_pair_key(l.pair))
         from (select a.w || ' ' || b.w as pair
               from unnest(tsvector_to_array(to_tsvector('english', ${q}))) a(w),
                    unnest(tsvector_to_array(to_tsvector('english', ${q}))) b(w)) l) as keys`),
  );
  if (!row) return null;
  const keyOf =
    typeof row.keys === "string" ? (JSON.parse(row.keys) as Record<string, number>) : (row.keys ?? {});
  const { pairs, phrasesOnly } = readPhrases(row.q);
  const keys = pairs.map((pair) => keyOf[pair]).filter((key): key is number => Number.isInteger(key));
  return keys.length > 0 ? { tsquery: row.q, keys: [...new Set(keys)], phrasesOnly } : null;
}

/**
 * Full-text search over the messages `userId` can read (never deleted ones). Matches come newest
 * first in windows of WINDOW, best match first within each window (then newest), so a common word
 * costs no more than a rare one. One statement finds the page — the GIN index on `messages.search`
 * (or the primary key, newest first, for common words; for a quoted phrase the index of its adjacent
 * word pairs, whose keys `phraseOf` asks for first), the readable-channel rule and the filters
 * together — and builds snippets for that page's rows only; `messageViews` adds its fixed number
 * of queries. An unknown community, author or a channel the caller cannot read matches nothing.
 */
export async function searchMessages(db: Db, userId: string, input: SearchInput) {
  const query = sql`websearch_to_tsquery('english', ${input.q})`;
  const below = input.cursor?.below ?? null;
  const phrase = await phraseOf(db, input.q);
  // A phrase's query goes back as the tsquery PostgreSQL made of `q` (its text reads back exactly), a
  // parameter a cached generic plan holds as is rather than parsing `q` again for every row it checks.
  const match = phrase ? sql`${phrase.tsquery}::tsquery` : query;
  const candidates = db.$with("candidates").as(
    db
      .select({ id: messages.id, search: messages.search })
      .from(messages)
      .innerJoin(channels, eq(channels.id, messages.channelId))
      .where(
        and(
          !phrase
            ? sql`${messages.search} @@ ${query}`
            : and(
                phrase.phrasesOnly
                  ? // Only phrases: the match as ts_match_vq (what @@ runs), which no index serves and
                    // which is costed the same whatever the query. With @@ the planner ANDed the
                    // pairs' bitmap with the words' (large for common words, and blind to adjacency),
                    // and a cached generic plan, guessing the words rare, read every match of a common
                    // pair where newest first finds 500 in a few thousand rows.
                    sql`ts_match_vq(${messages.search}, ${match})`
                  : // Other words beside the phrase may be rarer than its pairs: their index stays usable.
                    sql`${messages.search} @@ ${match}`,
                // The pairs' keys as literals (integers PostgreSQL computed), so every plan of this
                // text, custom or generic, is costed with the pairs' real frequency. After the match:
                // newest first, the match is the cheaper test of a row (equal costs keep this order).
                sql`${messages.wordPairs} @> ${sql.raw(`'{${phrase.keys.join(",")}}'::integer[]`)}`,
              ),
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
          below ? lt(messages.id, below) : undefined,
        ),
      )
      .orderBy(desc(messages.id))
      .limit(input.window ?? WINDOW),
  );
  const rank = sql<number>`ts_rank(${candidates.search}, ${match})`;
  const after = input.cursor?.rank != null && input.cursor.id ? input.cursor : undefined;
  const hits = db
    .with(candidates)
    .select({
      id: candidates.id,
      rank: rank.as("rank"),
      windowSize: sql<number>`(select count(*)::int from ${candidates})`.as("window_size"),
      // PostgreSQL has no min() over uuid.
      windowOldest: sql<string>`(select ${candidates.id} from ${candidates} order by 1 limit 1)`.as(
        "window_oldest",
      ),
    })
    .from(candidates)
    .where(after ? sql`(${rank}, ${candidates.id}) < (${after.rank}::real, ${after.id}::uuid)` : undefined)
    .orderBy(desc(rank), desc(candidates.id))
    .limit(input.limit + 1)
    .as("hits");
  const rows = await db
    .select({
      message: messageColumns,
      rank: hits.rank,
      windowSize: hits.windowSize,
      windowOldest: hits.windowOldest,
    })
    .from(hits)
    .innerJoin(messages, eq(messages.id, hits.id))
    .orderBy(desc(hits.rank), desc(hits.id));

  const page = rows.slice(0, input.limit);
  // Neither needs the other: two connections of the pool answer them at once.
  const [headlines, views] = await Promise.all([
    headlinesOf(
      db,
      page.map((r) => markdownToPlain(r.message.bodyMd)),
      query,
    ),
    messageViews(
      db,
      userId,
      page.map((r) => r.message),
    ),
  ]);
  const last = page.at(-1);
  // More in this window, or a full window means older matches may follow in the next one.
  const next: SearchCursor | null = !last
    ? null
    : rows.length > input.limit
      ? { below, rank: last.rank, id: last.message.id }
      : last.windowSize === (input.window ?? WINDOW)
        ? { below: last.windowOldest, rank: null, id: null }
        : null;
  return {
    items: page.map((r, i) => ({
      message: views[i],
      snippet: snippetHtml(headlines[i] ?? ""),
      rank: r.rank,
    })),
    has_more: next !== null,
    next_cursor: next ? encodeCursor(next) : null,
  };
}

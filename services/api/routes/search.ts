import { z } from "zod";
import { searchCursor, searchMessages } from "../../../lib/search/search.ts";
import { api } from "../api-route.ts";

// A UTC date (its midnight) or an ISO time; after=D&before=D+1 is the whole of day D.
const instant = z
  .union([z.iso.date(), z.iso.datetime({ offset: true })])
  .transform((value) => new Date(value));

export const searchRoutes = [
  api({
    method: "GET",
    path: "/api/search",
    summary:
      'Search the messages you can read: q takes words (stemmed), "phrases", -exclusions and OR; filters community (slug), channel (id), from (username), after (inclusive) and before (exclusive) as a UTC date or ISO time. Newest matches first in windows of 500, best match first within each window (then newest); page on with next_cursor. Each item\'s snippet is HTML: escaped text with the matches in <mark>…</mark>',
    scope: "messages:read",
    query: z.object({
      q: z.string().trim().min(1, "must not be empty").max(1000),
      community: z.string().optional(),
      channel: z.uuid().optional(),
      from: z.string().optional(),
      before: instant.optional(),
      after: instant.optional(),
      limit: z.coerce.number().int().min(1).max(100).default(20),
      cursor: searchCursor.optional(),
    }),
    handler: async ({ db, principal, query }) =>
      searchMessages(db.db, principal.user.id, {
        q: query.q,
        communitySlug: query.community,
        channelId: query.channel,
        fromUsername: query.from,
        before: query.before,
        after: query.after,
        limit: query.limit,
        cursor: query.cursor,
      }),
  }),
];

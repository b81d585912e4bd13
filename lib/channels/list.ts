import { and, asc, eq, isNotNull, isNull, type SQL, type SQLWrapper, sql } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { preparedShapes } from "../db/prepared.ts";
import { channelMembers, channels, communities, messages, notifications } from "../db/schema.ts";
import {
  type ListQuery,
  type ListShape,
  listPlaceholders,
  listShapeOf,
  listWherePlaced,
  toListPage,
} from "../list-page.ts";
import { readableBy } from "./access.ts";
import { UNREAD_COUNT_CAP } from "./unread-cap.ts";
import { channelView } from "./views.ts";

/**
 * SQL for a member's unread count: top-level messages by others after their read position, counted
 * up to UNREAD_COUNT_CAP (its cost is then bounded however far behind they are). Public channels
 * they have not joined, and channels they muted, count nothing.
 */
export const unreadCount = (
  userId: string | SQLWrapper,
) => sql<number>`case when ${channelMembers.userId} is null or ${channelMembers.muted} then 0 else (
  select count(*)::int from (
    select 1 from ${messages}
    where ${messages.channelId} = ${channels.id} and ${messages.parentId} is null and ${messages.deletedAt} is null
      and ${messages.userId} is distinct from ${userId}
      and (${channelMembers.lastReadMessageId} is null or ${messages.id} > ${channelMembers.lastReadMessageId})
    limit ${sql.raw(String(UNREAD_COUNT_CAP))}
  ) as unread
) end`;

/** SQL for a member's unread mentions in a channel (from their notifications). */
export const mentionCount = (userId: string | SQLWrapper) => sql<number>`(
  select count(*)::int from ${notifications}
  where ${notifications.userId} = ${userId} and ${notifications.channelId} = ${channels.id}
    and ${notifications.read} = false and ${notifications.type} in ('mention', 'dm')
)`;

// Prepared, one statement per shape: the sidebar and the channel browser read these all day, and
// drizzle spent more turning the query into SQL than PostgreSQL spent running it.
const reader = sql.placeholder("userId");
const channelsOf = preparedShapes((db, shape: `${"" | "s"}${"" | "x"}${"" | "j"}-${ListShape}`) => {
  const [flags = "", list = ""] = shape.split("-") as [string, ListShape];
  const community = flags.includes("s")
    ? sql`(select ${communities.id} from ${communities} where ${communities.slug} = ${sql.placeholder("slug")})`
    : sql.placeholder("communityId");
  return db
    .select({
      channel: channels,
      membership: channelMembers,
      unread: unreadCount(reader),
      mentions: mentionCount(reader),
    })
    .from(channels)
    .leftJoin(
      channelMembers,
      and(eq(channelMembers.channelId, channels.id), eq(channelMembers.userId, reader)),
    )
    .where(
      and(
        eq(channels.communityId, community),
        readableBy(reader),
        flags.includes("x") ? undefined : isNull(channels.archivedAt),
        listWherePlaced(channels.name, list),
        flags.includes("j") ? isNotNull(channelMembers.userId) : undefined,
      ),
    )
    .orderBy(asc(channels.name))
    .limit(sql.placeholder("limit"))
    .prepare(`list_channels_${shape}`);
});

/**
 * A page of the community's channels the caller can see, with unread and mention counts, by name;
 * archived ones only when asked for. The community by id, or by slug: readableBy lets only its
 * members see any of it, so a route can leave the access check to the rare empty page.
 */
export async function listCommunityChannels(
  db: Db,
  userId: string,
  community: { id: string } | { slug: string },
  query: ListQuery & { joined?: boolean; archived?: boolean },
) {
  const bySlug = "slug" in community;
  const shape =
    `${bySlug ? "s" : ""}${query.archived ? "x" : ""}${query.joined ? "j" : ""}-${listShapeOf(query)}` as const;
  const rows = await channelsOf(db, shape).execute({
    userId,
    ...(bySlug ? { slug: community.slug } : { communityId: community.id }),
    ...listPlaceholders(query),
  });
  return toListPage(
    rows,
    query,
    (r) => r.channel.name,
    (r) => channelView(r.channel, r.membership, { unread: r.unread, mentions: r.mentions }),
  );
}

/**
 * A member's unread and mention counts in the channels (and DMs) of theirs that `which` picks: what
 * their sidebar shows, for events that change it and for live streams that keep it current. Its
 * columns are named as its fields, so it reads as JSON inside another statement too.
 */
export const memberCounts = (db: Db, userId: string | SQLWrapper, which: SQL | undefined) =>
  db
    .select({
      channel_id: sql<string>`${channels.id}`.as("channel_id"),
      unread_count: unreadCount(userId).as("unread_count"),
      mention_count: mentionCount(userId).as("mention_count"),
      muted: sql<boolean>`${channelMembers.muted}`.as("muted"),
    })
    .from(channelMembers)
    .innerJoin(channels, eq(channels.id, channelMembers.channelId))
    .where(and(eq(channelMembers.userId, userId), which));

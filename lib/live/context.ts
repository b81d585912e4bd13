import { and, eq, isNull, or, sql } from "drizzle-orm";
import type { UserRow } from "../auth/sessions.ts";
import { readableBy } from "../channels/access.ts";
import { memberCounts } from "../channels/list.ts";
import type { Db } from "../db/client.ts";
import { preparedShapes } from "../db/prepared.ts";
import { channelMembers, channels, communities, communityMembers } from "../db/schema.ts";
import { dmIdsOf, dmPeopleOf } from "../dm/dm.ts";
import { notFound } from "../errors.ts";
import { fromJson } from "../messages/views.ts";

/** What a live stream needs to route events to its reader, as `GET /api/live/context` answers it. */
export interface LiveContext {
  user: { id: string; username: string };
  community: { id: string; slug: string; role: string } | null;
  /** The shown community's public channels. */
  public_channel_ids: string[];
  /** The shown community's private channels the reader is in, and every DM and group DM they are in. */
  private_channel_ids: string[];
  /** Public channels of the shown community the reader has joined: their messages reach the reader live. */
  joined_channel_ids: string[];
  /**
   * People whose presence the reader sees: the shown community's members and their DM partners (only
   * the DM partners with `presence=shared`, when the stream shares one member list per community).
   */
  people_ids: string[];
  /** Asked for with `members=true`: every member of the shown community (the reader too). */
  member_ids?: string[];
  /** Asked for with `unread=true`: the reader's counts in each channel of the community and each DM they are in. */
  unread?: UnreadCounts[];
}

export interface UnreadCounts {
  channel_id: string;
  unread_count: number;
  mention_count: number;
  /** Muted by the reader: new messages there add no unread weight. */
  muted?: boolean;
}

// One prepared statement per shape (which of unread, members and shared presence are asked for):
// every stream runs it as it opens, 2,000 at once in a storm. It used to be four statements (the
// community's access check, then its channels, the DMs and the people at once).
const reader = sql.placeholder("userId");

type Shape = `${"" | "u"}${"" | "m"}${"" | "s"}`;

const contextOf = preparedShapes((db, shape: Shape) => {
  // The community shown, if the reader is a member: no row for a slug they are not in (or none).
  const shown = db.$with("shown").as(
    db
      .select({ id: communities.id, slug: communities.slug, role: communityMembers.role })
      .from(communities)
      .innerJoin(
        communityMembers,
        and(eq(communityMembers.communityId, communities.id), eq(communityMembers.userId, reader)),
      )
      .where(eq(communities.slug, sql.placeholder("slug"))),
  );
  const shownId = sql`(select id from ${shown})`;
  const visible = db
    .select({
      id: sql`${channels.id}`.as("id"),
      visibility: sql`${channels.visibility}`.as("visibility"),
      joined:
        sql`exists (select 1 from ${channelMembers} where ${channelMembers.channelId} = ${channels.id} and ${channelMembers.userId} = ${reader})`.as(
          "joined",
        ),
    })
    .from(channels)
    .where(and(eq(channels.communityId, shownId), readableBy(reader)));
  const dmIds = dmIdsOf(db, reader);
  // People whose presence the reader sees (lib/users/known.ts): the community's members, unless the
  // stream shares one list per community, and their DM partners; never the reader.
  const dmPeople = sql`select id from ${dmPeopleOf(db, reader)} dp`;
  const people = shape.includes("s")
    ? dmPeople
    : sql`select user_id as id from ${communityMembers} where community_id = ${shownId} union ${dmPeople}`;
  const counts = memberCounts(
    db,
    reader,
    or(eq(channels.communityId, shownId), isNull(channels.communityId)),
  );
  return db
    .with(shown)
    .select({
      community: sql<
        { id: string; slug: string; role: string } | string | null
      >`(select json_build_object('id', id, 'slug', slug, 'role', role) from ${shown})`.as("community"),
      channels: sql<
        Json<{ id: string; visibility: string; joined: boolean }[]>
      >`(select coalesce(json_agg(v), '[]') from ${visible} v)`.as("channels"),
      dms: sql<Json<string[]>>`(select coalesce(json_agg(d.id), '[]') from ${dmIds} d)`.as("dms"),
      people: sql<
        Json<string[]>
      >`(select coalesce(json_agg(distinct k.id), '[]') from (${people}) k where k.id <> ${reader})`.as(
        "people",
      ),
      unread: shape.includes("u")
        ? sql<Json<UnreadCounts[]>>`(select coalesce(json_agg(x), '[]') from ${counts} x)`.as("unread")
        : sql<null>`null`.as("unread"),
      members: shape.includes("m")
        ? sql<
            Json<string[]>
          >`(select coalesce(json_agg(cm.user_id), '[]') from ${communityMembers} cm where cm.community_id = ${shownId})`.as(
            "members",
          )
        : sql<null>`null`.as("members"),
    })
    .from(sql`(select 1) one`)
    .prepare(`live_context_${shape}`);
});

/** A json column as a driver hands it over: parsed (PGlite), or text. */
type Json<T> = T | string;

/**
 * Everything a live stream routes by, in one statement however many channels, DMs and people: the
 * community (a non-member gets its 404), its readable channels, the reader's DMs and the people
 * (and the reader's unread counts, and the community's members, when asked).
 */
export async function liveContext(
  db: Db,
  user: UserRow,
  slug: string | null,
  opts: { unread?: boolean; sharedPresence?: boolean; members?: boolean } = {},
): Promise<LiveContext> {
  const shape: Shape = `${opts.unread ? "u" : ""}${opts.members ? "m" : ""}${opts.sharedPresence ? "s" : ""}`;
  const [row] = await contextOf(db, shape).execute({ userId: user.id, slug });
  const community = row?.community ? fromJson(row.community) : null;
  if (slug !== null && !community) throw notFound("community");
  const channelRows = row ? fromJson(row.channels) : [];
  const unread = row?.unread ? fromJson(row.unread) : undefined;
  return {
    user: { id: user.id, username: user.username },
    community,
    public_channel_ids: channelRows.filter((c) => c.visibility === "public").map((c) => c.id),
    private_channel_ids: [
      ...channelRows.filter((c) => c.visibility !== "public").map((c) => c.id),
      ...(row ? fromJson(row.dms) : []),
    ],
    joined_channel_ids: channelRows.filter((c) => c.visibility === "public" && c.joined).map((c) => c.id),
    people_ids: row ? fromJson(row.people) : [],
    ...(unread ? { unread } : {}),
    ...(opts.members && community && row?.members ? { member_ids: fromJson(row.members) } : {}),
  };
}

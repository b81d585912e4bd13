import { and, eq, inArray, isNull, ne, or, type SQLWrapper, sql } from "drizzle-orm";
import { union } from "drizzle-orm/pg-core";
import type { UserRow } from "../auth/sessions.ts";
import { readableBy } from "../channels/access.ts";
import { memberCounts } from "../channels/list.ts";
import { accessCommunity } from "../communities/access.ts";
import type { Db } from "../db/client.ts";
import { prepared } from "../db/prepared.ts";
import { channelMembers, channels, communityMembers, users } from "../db/schema.ts";
import { dmIdsOf, dmPeopleOf } from "../dm/dm.ts";

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

// Prepared: every stream runs these as it opens, and the SQL drizzle would build for each is most
// of the garbage a burst of opening streams leaves in the heap.
const reader = sql.placeholder("userId");
const shown = sql.placeholder("communityId");

/**
 * The people among `candidates` other than the reader. Every candidate is someone the reader knows
 * by the rule of profiles and presence (lib/users/known.ts): a member of a community the reader is in
 * (its access was checked first) or someone in one of the reader's DMs. So the rule need not run
 * again for each of them, which cost more than the rest of the stream's context together.
 */
const othersAmong = (db: Db, candidates: SQLWrapper) =>
  db
    .select({ id: users.id })
    .from(users)
    .where(and(inArray(users.id, candidates), ne(users.id, reader)));

const channelsShown = prepared((db) =>
  db
    .select({
      id: channels.id,
      visibility: channels.visibility,
      joined: sql<boolean>`exists (select 1 from ${channelMembers} where ${channelMembers.channelId} = ${channels.id} and ${channelMembers.userId} = ${reader})`,
    })
    .from(channels)
    .where(and(eq(channels.communityId, shown), readableBy(reader)))
    .prepare("live_channels"),
);
const dmsOfReader = prepared((db) => dmIdsOf(db, reader).prepare("live_dms"));
const peopleShown = prepared((db) =>
  othersAmong(
    db,
    union(
      db
        .select({ id: communityMembers.userId })
        .from(communityMembers)
        .where(eq(communityMembers.communityId, shown)),
      dmPeopleOf(db, reader),
    ),
  ).prepare("live_people"),
);
const membersShown = prepared((db) =>
  db
    .select({ id: communityMembers.userId })
    .from(communityMembers)
    .where(eq(communityMembers.communityId, shown))
    .prepare("live_members"),
);
const dmPeople = prepared((db) => othersAmong(db, dmPeopleOf(db, reader)).prepare("live_dm_people"));
const countsShown = prepared((db) =>
  memberCounts(db, reader, or(eq(channels.communityId, shown), isNull(channels.communityId))).prepare(
    "live_unread",
  ),
);

/**
 * Everything a live stream routes by, in four queries however many channels, DMs and people: the
 * community (a non-member gets its 404), then its readable channels, the reader's DMs and the
 * people, at once (and the reader's unread counts, a fifth, when asked).
 */
export async function liveContext(
  db: Db,
  user: UserRow,
  slug: string | null,
  opts: { unread?: boolean; sharedPresence?: boolean; members?: boolean } = {},
): Promise<LiveContext> {
  const access = slug ? await accessCommunity(db, user.id, slug) : null;
  const params = { userId: user.id, communityId: access?.community.id ?? null };
  const [channelRows, dmRows, people, unread, members] = await Promise.all([
    access ? channelsShown(db).execute(params) : [],
    dmsOfReader(db).execute(params),
    (access && !opts.sharedPresence ? peopleShown(db) : dmPeople(db)).execute(params),
    opts.unread ? countsShown(db).execute(params) : undefined,
    access && opts.members ? membersShown(db).execute(params) : undefined,
  ]);
  return {
    user: { id: user.id, username: user.username },
    community: access
      ? { id: access.community.id, slug: access.community.slug, role: access.member.role }
      : null,
    public_channel_ids: channelRows.filter((c) => c.visibility === "public").map((c) => c.id),
    private_channel_ids: [
      ...channelRows.filter((c) => c.visibility !== "public").map((c) => c.id),
      ...dmRows.map((d) => d.id),
    ],
    joined_channel_ids: channelRows.filter((c) => c.visibility === "public" && c.joined).map((c) => c.id),
    people_ids: people.map((p) => p.id),
    ...(unread ? { unread } : {}),
    ...(members ? { member_ids: members.map((m) => m.id) } : {}),
  };
}

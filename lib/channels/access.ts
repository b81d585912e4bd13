import { and, eq, gt, isNull, or, type SQLWrapper, sql } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { prepared } from "../db/prepared.ts";
import {
  channelMembers,
  channels,
  communityMembers,
  communityMutes,
  historyVersions,
  PEOPLE_VERSION,
} from "../db/schema.ts";
import { AppError, conflict, forbidden, notFound } from "../errors.ts";
import { checkDmPartnerActive } from "../users/deactivation.ts";

export type ChannelRow = typeof channels.$inferSelect;
export type ChannelMemberRow = typeof channelMembers.$inferSelect;

export interface ChannelAccess {
  channel: ChannelRow;
  /** The caller's channel membership (null for a public channel they have not joined). */
  membership: ChannelMemberRow | null;
  /** The caller's role in the channel's community; null for DMs. */
  role: string | null;
  /** Until when the caller is muted in the channel's community (read with the channel); null when not. */
  mutedUntil?: Date | null;
  /**
   * Which state of its history the database holds now (see historyVersions), read with the channel so
   * a held newest page is checked without a round trip of its own.
   */
  historyVersion?: string;
}

export const isDm = (c: Pick<ChannelRow, "type">) => c.type === "dm" || c.type === "group_dm";

// Nearly every channel route runs this; it reads the caller's mute too, so a post needs no query of
// its own to check it.
const channelFor = prepared((db) =>
  db
    .select({
      channel: channels,
      membership: channelMembers,
      role: communityMembers.role,
      mutedUntil: sql<Date | null>`(select ${communityMutes.expiresAt} from ${communityMutes}
        where ${communityMutes.communityId} = ${channels.communityId} and ${communityMutes.userId} = ${sql.placeholder("userId")}
          and ${communityMutes.expiresAt} > now())`.mapWith(communityMutes.expiresAt),
      // Each count only grows, so the sum of a channel's stripes changes with every change.
      historyVersion: sql<string>`coalesce((select sum(${historyVersions.version}) from ${historyVersions}
        where ${historyVersions.channelId} = ${channels.id}), 0) || '.' || coalesce((select sum(${historyVersions.version})
        from ${historyVersions} where ${historyVersions.channelId} = ${sql.raw(`'${PEOPLE_VERSION}'`)}), 0)`,
    })
    .from(channels)
    .leftJoin(
      channelMembers,
      and(eq(channelMembers.channelId, channels.id), eq(channelMembers.userId, sql.placeholder("userId"))),
    )
    .leftJoin(
      communityMembers,
      and(
        eq(communityMembers.communityId, channels.communityId),
        eq(communityMembers.userId, sql.placeholder("userId")),
      ),
    )
    .where(eq(channels.id, sql.placeholder("channelId")))
    .prepare("access_channel"),
);
const activeMute = prepared((db) =>
  db
    .select({ expiresAt: communityMutes.expiresAt })
    .from(communityMutes)
    .where(
      and(
        eq(communityMutes.communityId, sql.placeholder("communityId")),
        eq(communityMutes.userId, sql.placeholder("userId")),
        gt(communityMutes.expiresAt, sql`now()`),
      ),
    )
    .prepare("active_mute"),
);

/**
 * The channel if the caller may read it: a DM they take part in, a private channel they belong
 * to, or a public channel of a community they belong to. Anything else is the same 404 as a
 * channel that does not exist, so nothing confirms a private channel's existence.
 */
export async function accessChannel(db: Db, userId: string, channelId: string): Promise<ChannelAccess> {
  const [row] = await channelFor(db).execute({ userId, channelId });
  if (!row) throw notFound("channel");
  const { channel, membership, role, mutedUntil, historyVersion } = row;
  const readable = isDm(channel)
    ? membership !== null
    : role !== null && (channel.visibility === "public" || membership !== null);
  if (!readable) throw notFound("channel");
  return { channel, membership, role, mutedUntil, historyVersion };
}

/**
 * Throws unless the caller may write here now (post, edit, react): the channel is not archived, the
 * caller is not muted in its community, and a 1:1 DM's other person is not deactivated.
 */
export async function checkCanPost(db: Db, userId: string, access: ChannelAccess) {
  if (access.channel.archivedAt) throw new AppError("gone", "channel_archived", "this channel is archived");
  if (access.channel.type === "dm") await checkDmPartnerActive(db, access.channel.id, userId);
  if (!access.channel.communityId) return;
  const expiresAt =
    access.mutedUntil !== undefined
      ? access.mutedUntil
      : ((await activeMute(db).execute({ communityId: access.channel.communityId, userId }))[0]?.expiresAt ??
        null);
  if (expiresAt) throw forbidden(`you are muted in this community until ${expiresAt.toISOString()}`);
}

/** Throws 409 unless the caller has joined the channel (reading a public channel needs no join; some writes do). */
export function checkMember(access: ChannelAccess): ChannelMemberRow {
  if (!access.membership) throw conflict("join the channel first");
  return access.membership;
}

/**
 * SQL condition: `channels` row readable by `userId`, the same rule as accessChannel (for lists and
 * search): a DM they take part in, or a channel of a community they belong to that is public or
 * that they joined. `userId` may be a placeholder of a prepared statement.
 */
export function readableBy(userId: string | SQLWrapper) {
  const joined = sql`exists (select 1 from ${channelMembers} where ${channelMembers.channelId} = ${channels.id} and ${channelMembers.userId} = ${userId})`;
  const inCommunity = sql`exists (select 1 from ${communityMembers} where ${communityMembers.communityId} = ${channels.communityId} and ${communityMembers.userId} = ${userId})`;
  return or(
    and(isNull(channels.communityId), joined),
    and(inCommunity, or(eq(channels.visibility, "public"), joined)),
  );
}

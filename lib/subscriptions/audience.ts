import { and, eq, inArray, isNull } from "drizzle-orm";
import type { Envelope } from "../bus/envelope.ts";
import type { Db } from "../db/client.ts";
import { channelMembers, channels, communityMembers, users } from "../db/schema.ts";

/**
 * Which of these bots may see a community event, by the rule the live stream and the API read by:
 * an event naming its `audience` (a private channel's) reaches only those in it; another channel's
 * event, members of the community when the channel is public and members of the channel when it is
 * not; an event of no channel, members of the community. A bot removed or deactivated sees nothing.
 */
export async function botsThatMaySee(db: Db, event: Envelope, botIds: string[]): Promise<Set<string>> {
  if (botIds.length === 0 || !event.community_id) return new Set();
  const members = await db
    .select({ userId: communityMembers.userId })
    .from(communityMembers)
    .innerJoin(users, eq(users.id, communityMembers.userId))
    .where(
      and(
        eq(communityMembers.communityId, event.community_id),
        inArray(communityMembers.userId, botIds),
        isNull(users.deactivatedAt),
      ),
    );
  const inCommunity = new Set(members.map((m) => m.userId));
  if (inCommunity.size === 0) return inCommunity;
  const audience = event.data.audience;
  if (Array.isArray(audience)) return new Set([...inCommunity].filter((id) => audience.includes(id)));
  if (!event.channel_id) return inCommunity;
  const [channel] = await db
    .select({ visibility: channels.visibility, communityId: channels.communityId })
    .from(channels)
    .where(eq(channels.id, event.channel_id));
  // A channel gone (purged) or of another community tells nothing to anyone.
  if (!channel || channel.communityId !== event.community_id) return new Set();
  if (channel.visibility === "public") return inCommunity;
  const joined = await db
    .select({ userId: channelMembers.userId })
    .from(channelMembers)
    .where(
      and(eq(channelMembers.channelId, event.channel_id), inArray(channelMembers.userId, [...inCommunity])),
    );
  return new Set(joined.map((m) => m.userId));
}

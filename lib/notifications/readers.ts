import { eq } from "drizzle-orm";
import type { ChannelAccess } from "../channels/access.ts";
import type { Db } from "../db/client.ts";
import { channelMembers, communityMembers } from "../db/schema.ts";

/** Subquery: the users who can read the channel (its members, or for a public channel its community). */
export function readersOf(db: Db, channel: ChannelAccess["channel"]) {
  if (channel.communityId && channel.visibility === "public") {
    return db
      .select({ id: communityMembers.userId })
      .from(communityMembers)
      .where(eq(communityMembers.communityId, channel.communityId));
  }
  return db
    .select({ id: channelMembers.userId })
    .from(channelMembers)
    .where(eq(channelMembers.channelId, channel.id));
}

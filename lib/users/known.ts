import { type SQLWrapper, sql } from "drizzle-orm";
import { channelMembers, communityMembers, users } from "../db/schema.ts";

/**
 * SQL condition: the `users` row is `viewerId` or someone they share a community or a conversation
 * with — the people whose profile and presence they may see. Everyone else is as good as absent.
 * `viewerId` may be a placeholder of a prepared statement.
 */
export function knownTo(viewerId: string | SQLWrapper) {
  return sql`(${users.id} = ${viewerId}
    or exists (select 1 from ${communityMembers} a join ${communityMembers} b on a.community_id = b.community_id
               where a.user_id = ${users.id} and b.user_id = ${viewerId})
    or exists (select 1 from ${channelMembers} a join ${channelMembers} b on a.channel_id = b.channel_id
               where a.user_id = ${users.id} and b.user_id = ${viewerId}))`;
}

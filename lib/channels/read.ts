import { eq, sql } from "drizzle-orm";
import { envelope } from "../bus/envelope.ts";
import type { Outgoing } from "../bus/publish.ts";
import { subjects } from "../bus/subjects.ts";
import type { Db } from "../db/client.ts";
import { resultRows } from "../db/migrate.ts";
import { channels } from "../db/schema.ts";
import { notFound } from "../errors.ts";
import { fromJson } from "../messages/views.ts";
import { type ChannelAccess, checkMember } from "./access.ts";
import { memberCounts } from "./list.ts";

/**
 * Moves the caller's read position in a channel to `messageId` (back as well as forward: "mark
 * unread"), marks their notifications for messages up to it read, and tells their other clients
 * (with the channel's counts as they now are, for their sidebars). One statement, no transaction:
 * every open channel marks itself read as messages arrive, and an embedded database held by a
 * transaction between statements serves nothing else meanwhile.
 */
export async function doMarkRead(db: Db, userId: string, access: ChannelAccess, messageId: string) {
  checkMember(access);
  const { channel } = access;
  const [marked] = resultRows<{ found: boolean; cleared: string[] | string }>(
    await db.execute(sql`
      with target as (
        select id from messages where id = ${messageId}::uuid and channel_id = ${channel.id}::uuid
      ),
      moved as (
        update channel_members set last_read_message_id = ${messageId}::uuid, last_read_at = now()
        where channel_id = ${channel.id}::uuid and user_id = ${userId}::uuid and exists (select 1 from target)
      ),
      cleared as (
        update notifications set read = true
        where user_id = ${userId}::uuid and channel_id = ${channel.id}::uuid and read = false
          and type in ('mention', 'dm', 'thread_reply') and source_id <= ${messageId}::uuid
          and exists (select 1 from target)
        returning id
      )
      select exists (select 1 from target) as found,
        coalesce((select json_agg(id order by id) from cleared), '[]') as cleared`),
  );
  if (!marked?.found) throw notFound("message");
  const cleared = fromJson(marked.cleared);
  const events: Outgoing[] = [
    {
      subject: subjects.notifications(userId),
      event: envelope("channel.read", {
        community_id: channel.communityId,
        channel_id: channel.id,
        actor_id: userId,
        data: {
          message_id: messageId,
          notification_ids: cleared,
          // Read after the statement: its own changes are what the counts must show.
          counts: await memberCounts(db, userId, eq(channels.id, channel.id)),
        },
      }),
    },
  ];
  return { read: { channel_id: channel.id, last_read_message_id: messageId }, events };
}

import { and, desc, eq, isNull } from "drizzle-orm";
import { recordAudit } from "../audit/record.ts";
import type { Outgoing } from "../bus/publish.ts";
import type { ChannelAccess } from "../channels/access.ts";
import type { Db } from "../db/client.ts";
import { messages } from "../db/schema.ts";
import { doDeleteMessage } from "../messages/change.ts";

/**
 * Deletes the channel's newest `count` messages (thread replies included) as a moderator, in one
 * transaction: each goes the way of any deleted message (tombstone, reactions, mentions, files),
 * and the purge itself is audited. Returns the storage keys to remove after commit.
 */
export async function doPurgeChannel(
  db: Db,
  actorId: string,
  access: ChannelAccess,
  count: number,
  meta: { ip?: string } = {},
) {
  const { channel } = access;
  return db.transaction(async (tx) => {
    const newest = await tx
      .select()
      .from(messages)
      .where(and(eq(messages.channelId, channel.id), isNull(messages.deletedAt)))
      .orderBy(desc(messages.id))
      .limit(count);
    const events: Outgoing[] = [];
    const storageKeys: string[] = [];
    for (const message of newest) {
      const deleted = await doDeleteMessage(tx, actorId, { ...access, message }, meta);
      events.push(...deleted.events);
      storageKeys.push(...deleted.storageKeys);
    }
    await recordAudit(tx, {
      action: "channel.purged",
      actorId,
      communityId: channel.communityId,
      targetType: "channel",
      targetId: channel.id,
      data: { requested: count, deleted: newest.length, message_ids: newest.map((m) => m.id) },
      ip: meta.ip,
    });
    return { deleted: newest.length, events, storageKeys };
  });
}

import { and, eq, sql } from "drizzle-orm";
import type { Outgoing } from "../bus/publish.ts";
import { type ChannelAccess, checkCanPost } from "../channels/access.ts";
import { channelEvent } from "../channels/subjects.ts";
import type { Db } from "../db/client.ts";
import { resultRows } from "../db/migrate.ts";
import { reactions } from "../db/schema.ts";
import { AppError } from "../errors.ts";
import { fromJson, type MessageRow, reactionsJson } from "../messages/views.ts";

type Target = ChannelAccess & { message: MessageRow };

/**
 * The event of a change, carrying the message's reactions as they now are, so a client redraws its
 * chips from the event alone.
 */
async function event(db: Db, type: string, t: Target, userId: string, emoji: string): Promise<Outgoing> {
  const [now] = resultRows<{ reactions: unknown }>(
    await db.execute(sql`select ${reactionsJson(sql`${t.message.id}::uuid`)} as reactions`),
  );
  return channelEvent(db, type, t.channel, userId, {
    message_id: t.message.id,
    emoji,
    user_id: userId,
    reactions: fromJson(now?.reactions ?? []),
  });
}

/**
 * Adds the caller's reaction; adding it again changes nothing and publishes nothing. Reacting is
 * writing: a muted member, or anyone in an archived channel, may not.
 */
export async function doAddReaction(db: Db, userId: string, target: Target, emoji: string) {
  if (target.message.deletedAt) throw new AppError("gone", "message_deleted", "this message was deleted");
  await checkCanPost(db, userId, target);
  const added = await db
    .insert(reactions)
    .values({ messageId: target.message.id, userId, emoji })
    .onConflictDoNothing()
    .returning();
  return {
    changed: added.length > 0,
    events: added.length ? [await event(db, "reaction.added", target, userId, emoji)] : [],
  };
}

/** Removes the caller's reaction (not while muted); removing one that is not there changes nothing. */
export async function doRemoveReaction(db: Db, userId: string, target: Target, emoji: string) {
  await checkCanPost(db, userId, target);
  const removed = await db
    .delete(reactions)
    .where(
      and(
        eq(reactions.messageId, target.message.id),
        eq(reactions.userId, userId),
        eq(reactions.emoji, emoji),
      ),
    )
    .returning();
  return {
    changed: removed.length > 0,
    events: removed.length ? [await event(db, "reaction.removed", target, userId, emoji)] : [],
  };
}

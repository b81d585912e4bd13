import { and, eq, isNull } from "drizzle-orm";
import { recordAudit } from "../audit/record.ts";
import type { Outgoing } from "../bus/publish.ts";
import { type ChannelAccess, checkCanPost } from "../channels/access.ts";
import { channelEvent } from "../channels/subjects.ts";
import type { Db } from "../db/client.ts";
import { attachments, mentions, messages, notifications, pins, reactions } from "../db/schema.ts";
import { AppError, forbidden } from "../errors.ts";
import { recordMentionsAndNotify } from "../notifications/rules.ts";
import { previewAfterEdit } from "../unfurls/after-edit.ts";
import { checkBody } from "./post.ts";
import { type MessageRow, messageView, threadReplyCount } from "./views.ts";

const gone = () => new AppError("gone", "message_deleted", "this message was deleted");

/**
 * Edits the caller's own message; mentions are re-read from the new text, and a changed first link
 * drops the old preview (`unfurl`: the new link wants one). Editing is writing: a muted member, or
 * anyone in an archived channel, may not.
 */
export async function doEditMessage(
  db: Db,
  userId: string,
  access: ChannelAccess & { message: MessageRow },
  bodyMd: string,
) {
  checkBody(bodyMd);
  const { message, channel } = access;
  if (message.deletedAt) throw gone();
  if (message.userId !== userId) throw forbidden("you can only edit your own messages");
  await checkCanPost(db, userId, access);
  const { preview, unfurl } = previewAfterEdit(message, bodyMd);
  return db.transaction(async (tx) => {
    const [row] = await tx
      .update(messages)
      .set({ bodyMd, editedAt: new Date(), preview })
      .where(eq(messages.id, message.id))
      .returning();
    const updated = row as MessageRow;
    // Mentions follow the text; notifications already sent stay (they were true when sent).
    await tx.delete(mentions).where(eq(mentions.messageId, message.id));
    // Someone newly mentioned is told once, as if the message had said it from the start.
    const told = await recordMentionsAndNotify(tx, channel, updated, "edit");
    const view = await messageView(tx, null, updated);
    const events: Outgoing[] = [
      await channelEvent(tx, "message.updated", channel, userId, { message: view }),
      ...told.events,
    ];
    return { message: updated, events, unfurl };
  });
}

/**
 * Deletes a message, leaving a tombstone in history: its author may, and so may the community's
 * owners and admins (which is audited). Its reactions, mentions, attachments and notifications go.
 */
export async function doDeleteMessage(
  db: Db,
  userId: string,
  access: ChannelAccess & { message: MessageRow },
  meta: { ip?: string } = {},
) {
  const { message, channel, role } = access;
  if (message.deletedAt) throw gone();
  const own = message.userId === userId;
  const moderator = role === "owner" || role === "admin";
  if (!own && !moderator) throw forbidden("you can only delete your own messages");
  return db.transaction(async (tx) => {
    const [row] = await tx
      .update(messages)
      .set({ deletedAt: new Date() })
      .where(and(eq(messages.id, message.id), isNull(messages.deletedAt)))
      .returning();
    if (!row) throw gone();
    await tx.delete(reactions).where(eq(reactions.messageId, message.id));
    await tx.delete(mentions).where(eq(mentions.messageId, message.id));
    await tx.delete(notifications).where(eq(notifications.sourceId, message.id));
    await tx.delete(pins).where(eq(pins.messageId, message.id));
    const files = await tx
      .delete(attachments)
      .where(eq(attachments.messageId, message.id))
      .returning({ storageKey: attachments.storageKey, thumbKey: attachments.thumbKey });
    if (!own) {
      await recordAudit(tx, {
        action: "message.deleted_by_moderator",
        actorId: userId,
        communityId: channel.communityId,
        targetType: "message",
        targetId: message.id,
        data: { channel_id: channel.id, author_id: message.userId },
        ip: meta.ip,
      });
    }
    const events: Outgoing[] = [
      await channelEvent(tx, "message.deleted", channel, userId, {
        message_id: message.id,
        parent_id: message.parentId,
        // The replies of its thread now: the parent's when a reply went, its own (kept under the tombstone) otherwise.
        thread_reply_count: await threadReplyCount(tx, message.parentId ?? message.id),
      }),
    ];
    return {
      message: row as MessageRow,
      events,
      storageKeys: files.flatMap((f) => (f.thumbKey ? [f.storageKey, f.thumbKey] : [f.storageKey])),
    };
  });
}

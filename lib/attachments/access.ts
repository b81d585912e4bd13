import { and, eq, isNotNull, or } from "drizzle-orm";
import { readableBy } from "../channels/access.ts";
import type { Db } from "../db/client.ts";
import { attachments, channels } from "../db/schema.ts";
import { notFound } from "../errors.ts";

export type AttachmentRow = typeof attachments.$inferSelect;

/**
 * The attachment if the caller may read it: its channel is readable by them and, while it is a
 * pending upload not yet attached to a message, they uploaded it. Anything else is the same 404 as
 * an attachment that does not exist.
 */
export async function accessAttachment(db: Db, userId: string, attachmentId: string): Promise<AttachmentRow> {
  const [row] = await db
    .select({ attachment: attachments })
    .from(attachments)
    .innerJoin(channels, eq(channels.id, attachments.channelId))
    .where(
      and(
        eq(attachments.id, attachmentId),
        readableBy(userId),
        or(isNotNull(attachments.messageId), eq(attachments.uploaderId, userId)),
      ),
    );
  if (!row) throw notFound("attachment");
  return row.attachment;
}

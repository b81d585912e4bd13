import { eq } from "drizzle-orm";
import type { ChannelAccess } from "../channels/access.ts";
import { channelEvent } from "../channels/subjects.ts";
import type { Db } from "../db/client.ts";
import { messages } from "../db/schema.ts";
import { forbidden } from "../errors.ts";
import { type MessageRow, messageView } from "../messages/views.ts";

/**
 * Removes a message's link preview for good (an edit does not bring it back): its author may, and
 * so may the community's owners and admins. Returns the `message.updated` event.
 */
export async function doRemovePreview(
  db: Db,
  userId: string,
  access: ChannelAccess & { message: MessageRow },
) {
  const { message, channel, role } = access;
  if (message.userId !== userId && role !== "owner" && role !== "admin") {
    throw forbidden("only the author can remove a message's preview");
  }
  const [row] = await db
    .update(messages)
    .set({ preview: null, previewRemovedAt: new Date() })
    .where(eq(messages.id, message.id))
    .returning();
  const updated = row as MessageRow;
  const view = await messageView(db, userId, updated);
  return { view, events: [await channelEvent(db, "message.updated", channel, userId, { message: view })] };
}

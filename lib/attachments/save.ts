import { eq } from "drizzle-orm";
import { z } from "zod";
import type { Principal } from "../auth/authenticate.ts";
import type { Outgoing } from "../bus/publish.ts";
import type { ChannelAccess } from "../channels/access.ts";
import type { Db } from "../db/client.ts";
import { attachments } from "../db/schema.ts";
import { forbidden } from "../errors.ts";
import { makeThumbnail } from "../images/thumbnail.ts";
import { doPostMessage } from "../messages/post.ts";
import type { MessageRow } from "../messages/views.ts";
import type { ObjectStore } from "../storage/object-store.ts";
import type { AttachmentRow } from "./access.ts";
import { opensInline } from "./content-types.ts";
import type { ReceivedFile } from "./receive.ts";

/** The text fields an upload may carry; with `body_md` it is posted as a message in one go. */
export const uploadFields = z.object({
  body_md: z.string().optional(),
  parent_id: z.uuid().optional(),
  client_msg_id: z.string().trim().min(1).max(100).optional(),
});

export type UploadFields = z.output<typeof uploadFields>;

export type SavedUpload =
  | { attachment: AttachmentRow; message: null; created: true; events: Outgoing[] }
  | { attachment: AttachmentRow | null; message: MessageRow; created: boolean; events: Outgoing[] };

/**
 * Records a stored file under the id its key was made with. Without `body_md` it becomes a pending
 * upload of the caller's, for a later message's `attachment_ids`; with it, a message is posted
 * carrying the file in the same transaction. Whenever no row ends up pointing at the object — the
 * post fails, or it repeats a `client_msg_id` already sent (that message is returned as it was) —
 * the object is deleted again.
 */
export async function doSaveUpload(
  db: Db,
  store: ObjectStore,
  principal: Principal,
  access: ChannelAccess,
  upload: { id: string; file: ReceivedFile; fields: UploadFields },
): Promise<SavedUpload> {
  const { id, file, fields } = upload;
  const uploaderId = principal.user.id;
  const image = opensInline(file.contentType) ? await doMakeImageThumbnail(store, id, file.key) : null;
  const keys = image ? [file.key, image.thumbKey] : [file.key];
  try {
    if (fields.body_md !== undefined && principal.scopes && !principal.scopes.has("messages:write")) {
      throw forbidden("this token lacks the messages:write scope needed to post body_md");
    }
    const saved = await db.transaction(async (tx): Promise<SavedUpload> => {
      const [row] = await tx
        .insert(attachments)
        .values({
          id,
          channelId: access.channel.id,
          uploaderId,
          filename: file.filename,
          contentType: file.contentType,
          sizeBytes: file.size,
          storageKey: file.key,
          ...image,
        })
        .returning();
      const attachment = row as AttachmentRow;
      if (fields.body_md === undefined) return { attachment, message: null, created: true, events: [] };
      const posted = await doPostMessage(tx, uploaderId, access, {
        bodyMd: fields.body_md,
        parentId: fields.parent_id,
        clientMsgId: fields.client_msg_id,
        attachmentIds: [id],
      });
      if (posted.created) return { ...posted, attachment: { ...attachment, messageId: posted.message.id } };
      await tx.delete(attachments).where(eq(attachments.id, id));
      return { ...posted, attachment: null };
    });
    if (!saved.attachment) await Promise.allSettled(keys.map((key) => store.delete(key)));
    return saved;
  } catch (err) {
    await Promise.allSettled(keys.map((key) => store.delete(key)));
    throw err;
  }
}

// Thumbnails are made from pictures up to this size; a larger one is shown as a file card.
const MAX_THUMBNAIL_SOURCE_BYTES = 30 * 1024 * 1024;

/**
 * A stored picture's size and a thumbnail of it (at most 480 pixels), or null when the file is not
 * a picture this server can read: it then shows as a file card, and is still downloadable.
 */
export async function doMakeImageThumbnail(store: ObjectStore, id: string, key: string) {
  const object = await store.get(key);
  if (!object || object.size > MAX_THUMBNAIL_SOURCE_BYTES) {
    await object?.body.cancel();
    return null;
  }
  const bytes = new Uint8Array(await new Response(object.body).arrayBuffer());
  const thumb = await makeThumbnail(bytes, 480).catch(() => null);
  if (!thumb) return null;
  const thumbKey = `thumbs/${id}.webp`;
  await store.put(thumbKey, thumb.body, { contentType: thumb.contentType });
  return { width: thumb.sourceWidth, height: thumb.sourceHeight, thumbKey };
}

import { Readable } from "node:stream";
import { inArray } from "drizzle-orm";
import { opensInline } from "../attachments/content-types.ts";
import { doMakeImageThumbnail } from "../attachments/save.ts";
import { attachments } from "../db/schema.ts";
import { AppError } from "../errors.ts";
import { storageKey } from "../storage/keys.ts";
import type { ImportedConversation } from "./conversations.ts";
import type { MessageContext } from "./messages.ts";
import { type ParsedSlackMessage, UPLOADS_FOLDER } from "./model.ts";
import type { ExportZip } from "./zip.ts";

/** A file a message carried, and the attachment id it gets here (the same on every run). */
export type FileToStore = {
  id: string;
  messageId: string;
  uploaderId: string;
  file: NonNullable<ParsedSlackMessage["files"]>[number];
};

/** Where each file that rides along in the export is: `__uploads/<file id>/<name>`. */
export function uploadsOf(zip: ExportZip) {
  const uploads = new Map<string, string>();
  for (const name of zip.names()) {
    const [top, fileId, ...rest] = name.split("/");
    if (top === UPLOADS_FOLDER && fileId && rest.length) uploads.set(fileId, name);
  }
  return uploads;
}

export /** The day's files: those the export has go to the store as attachments; the rest are reported. */
async function storeFiles(ctx: MessageContext, conv: ImportedConversation, files: FileToStore[]) {
  if (files.length === 0) return;
  const { report } = ctx;
  const have = new Set(
    (
      await ctx.db
        .select({ id: attachments.id })
        .from(attachments)
        .where(
          inArray(
            attachments.id,
            files.map((f) => f.id),
          ),
        )
    ).map((r) => r.id),
  );
  for (const { id, messageId, uploaderId, file } of files) {
    const where = `${conv.label} file ${file.id} (${file.name ?? file.title ?? "unnamed"})`;
    if (have.has(id)) {
      report.files.existing++;
      continue;
    }
    if (file.mode === "tombstone" || file.mode === "hidden_by_limit") {
      report.skip("file deleted in Slack or hidden by its plan", where);
      continue;
    }
    const entry = ctx.uploads.get(file.id);
    if (!entry) {
      report.files.missing++;
      report.skip("file missing from the export", where);
      continue;
    }
    const filename = file.name || file.title || entry.split("/").pop() || "file";
    // The declared type is kept, as for uploads; downloads decide how to show it (lib/attachments).
    const contentType = (file.mimetype || "application/octet-stream").slice(0, 200);
    const key = storageKey({
      communityId: conv.kind === "dm" || conv.kind === "group_dm" ? null : ctx.communityId,
      channelId: conv.channelId,
      messageId,
      filename,
    });
    const { body, size } = await ctx.zip.stream(entry);
    if (size > ctx.maxUploadBytes) {
      body.destroy();
      report.skip("file larger than AJET_MAX_UPLOAD_BYTES", where);
      continue;
    }
    try {
      const stored = await ctx.store.put(key, Readable.toWeb(body) as ReadableStream<Uint8Array>, {
        contentType,
        maxBytes: ctx.maxUploadBytes,
      });
      // Pictures show inline as uploaded ones do: their size and a thumbnail.
      const image = opensInline(contentType) ? await doMakeImageThumbnail(ctx.store, id, key) : null;
      await ctx.db
        .insert(attachments)
        .values({
          id,
          messageId,
          channelId: conv.channelId,
          uploaderId,
          filename,
          contentType,
          sizeBytes: stored.size,
          storageKey: key,
          ...image,
        })
        .onConflictDoNothing();
      report.files.stored++;
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      report.skip(`file not stored: ${err.message}`, where);
    }
  }
}

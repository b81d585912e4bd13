import { and, isNull, lt } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { attachments } from "../db/schema.ts";
import { log } from "../log.ts";
import type { ObjectStore } from "../storage/object-store.ts";

/** Uploads never attached to a message are kept this long for a message to claim them. */
export const PENDING_UPLOAD_TTL_MS = 24 * 3600_000;

/**
 * Deletes uploads that no message claimed within the TTL: the rows first (so no later message can
 * claim a file being removed), then their stored files. Returns how many went.
 */
export async function doSweepPendingUploads(db: Db, store: ObjectStore, now = new Date()): Promise<number> {
  const gone = await db
    .delete(attachments)
    .where(
      and(
        isNull(attachments.messageId),
        lt(attachments.createdAt, new Date(now.getTime() - PENDING_UPLOAD_TTL_MS)),
      ),
    )
    .returning({ storageKey: attachments.storageKey, thumbKey: attachments.thumbKey });
  const keys = gone.flatMap((a) => (a.thumbKey ? [a.storageKey, a.thumbKey] : [a.storageKey]));
  const failed = (await Promise.allSettled(keys.map((key) => store.delete(key)))).filter(
    (r) => r.status === "rejected",
  );
  if (failed.length)
    log.warn("some swept uploads could not be deleted from storage", { count: failed.length });
  return gone.length;
}

/** Sweeps once an hour in the background; returns the function that stops it. */
export function startUploadSweeper(db: Db, store: ObjectStore, everyMs = 3600_000): () => Promise<void> {
  const timer = setInterval(() => {
    doSweepPendingUploads(db, store).catch((err) => log.warn("upload sweep failed", { error: String(err) }));
  }, everyMs);
  timer.unref();
  return async () => clearInterval(timer);
}

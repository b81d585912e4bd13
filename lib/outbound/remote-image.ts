import { eq } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { remoteImages } from "../db/schema.ts";
import { makeThumbnail, RASTER_TYPES } from "../images/thumbnail.ts";
import type { ObjectStore } from "../storage/object-store.ts";
import type { Outbound, Purpose } from "./fetch.ts";

export type RemoteImageRow = typeof remoteImages.$inferSelect;

const MAX_REMOTE_IMAGE_BYTES = 5 * 1024 * 1024;

/** Where clients load a cached remote image from (our server, never the remote host). */
export const remoteImageUrl = (row: Pick<RemoteImageRow, "id">) => `/api/images/${row.id}`;

/**
 * A remote picture (a preview's og:image, a webhook's icon_url) fetched once through the safe
 * fetcher, re-encoded as a thumbnail at most `size` pixels, kept in the object store and served by
 * us: readers' browsers never contact the remote host. Null when it cannot be had.
 */
export async function doCacheRemoteImage(
  deps: { db: Db; store: ObjectStore; outbound: Outbound },
  url: string,
  purpose: Purpose,
  size = 400,
): Promise<RemoteImageRow | null> {
  const [known] = await deps.db.select().from(remoteImages).where(eq(remoteImages.url, url));
  if (known) return known;
  try {
    const res = await deps.outbound.fetch(url, {
      purpose,
      accept: RASTER_TYPES,
      maxBytes: MAX_REMOTE_IMAGE_BYTES,
      timeoutMs: 5000,
    });
    if (res.status !== 200) return null;
    const thumb = await makeThumbnail(res.body, size);
    const id = Bun.randomUUIDv7();
    const storageKey = `remote-images/${id}.webp`;
    await deps.store.put(storageKey, thumb.body, { contentType: thumb.contentType });
    const [row] = await deps.db
      .insert(remoteImages)
      .values({
        id,
        url,
        storageKey,
        contentType: thumb.contentType,
        width: thumb.width,
        height: thumb.height,
      })
      .onConflictDoNothing()
      .returning();
    if (row) return row;
    // Someone cached it meanwhile: theirs is kept, ours goes.
    await deps.store.delete(storageKey);
    const [theirs] = await deps.db.select().from(remoteImages).where(eq(remoteImages.url, url));
    return theirs ?? null;
  } catch {
    return null;
  }
}

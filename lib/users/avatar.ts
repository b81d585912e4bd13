import { and, eq } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { users } from "../db/schema.ts";
import { invalid } from "../errors.ts";
import { makeThumbnail } from "../images/thumbnail.ts";
import type { ObjectStore } from "../storage/object-store.ts";

export type UserRow = typeof users.$inferSelect;

const AVATAR_SIZE = 256;

/** Where an uploaded avatar is served from; the file name changes with each upload, so it caches forever. */
export const avatarPath = (key: string) => `/api/${key}`;

/**
 * Sets the caller's avatar from an uploaded picture: decoded, cropped to a 256-pixel square and
 * re-encoded (nothing of the original file survives), kept in the object store. The previous
 * uploaded avatar is deleted. Returns the updated user.
 */
export async function doSetAvatar(db: Db, store: ObjectStore, user: UserRow, bytes: Uint8Array) {
  if (bytes.byteLength === 0) throw invalid("file: the picture is empty");
  const thumb = await makeThumbnail(bytes, AVATAR_SIZE, true);
  const key = `avatars/${user.id}/${Bun.randomUUIDv7()}.webp`;
  await store.put(key, thumb.body, { contentType: thumb.contentType });
  return replaceAvatar(db, store, user, key);
}

/** Takes the caller's avatar away (initials show instead). */
export function doRemoveAvatar(db: Db, store: ObjectStore, user: UserRow) {
  return replaceAvatar(db, store, user, null);
}

async function replaceAvatar(db: Db, store: ObjectStore, user: UserRow, key: string | null) {
  const [before] = await db.select({ key: users.avatarKey }).from(users).where(eq(users.id, user.id));
  const [row] = await db
    .update(users)
    .set({ avatarKey: key, avatarUrl: key ? avatarPath(key) : null })
    .where(eq(users.id, user.id))
    .returning();
  if (before?.key && before.key !== key) await store.delete(before.key).catch(() => undefined);
  return row as UserRow;
}

/** The avatar object of `userId` named `file`, if that is their current one. */
// An avatar's file name as uploads make it: a UUID and `.webp`. Anything else names no avatar (and a
// NUL or other odd byte never reaches the database).
const AVATAR_FILE = /^[0-9a-f-]{36}\.webp$/;

export async function findAvatar(db: Db, userId: string, file: string) {
  if (!AVATAR_FILE.test(file)) return null;
  const key = `avatars/${userId}/${file}`;
  const [row] = await db
    .select({ key: users.avatarKey })
    .from(users)
    .where(and(eq(users.id, userId), eq(users.avatarKey, key)));
  return row?.key ?? null;
}

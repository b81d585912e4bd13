import { dropControls, hasControls } from "../control-chars.ts";
import { AppError } from "../errors.ts";

const MAX_KEY_LENGTH = 1024;
// Bytes of UTF-8, not characters: filesystems (the disk store, MinIO, s3rver) allow 255 bytes per
// name, and the stores add a suffix of their own.
const MAX_FILENAME_BYTES = 200;

/**
 * The plan's storage key: `<community-id>/<channel-id>/<message-id>/<filename>`. DMs have no
 * community and use `dm`. The filename is sanitized, so the key is always safe.
 */
export function storageKey(parts: {
  communityId: string | null;
  channelId: string;
  messageId: string;
  filename: string;
}): string {
  return [parts.communityId ?? "dm", parts.channelId, parts.messageId, sanitizeFilename(parts.filename)].join(
    "/",
  );
}

/**
 * A filename safe to store and to send back in Content-Disposition: no directories, no control
 * characters, no leading dots, valid Unicode, at most 200 bytes of UTF-8 (keeping the extension).
 */
export function sanitizeFilename(name: string): string {
  // A lone surrogate cannot be encoded into a path or an S3 URL.
  const base = dropControls(name.toWellFormed(), true).split(/[/\\]/).pop() ?? "";
  let clean = base
    .replace(/["<>:|?*]/g, "_")
    .replace(/^[.\s]+/, "")
    .trim();
  if (Buffer.byteLength(clean) > MAX_FILENAME_BYTES) {
    const dot = clean.lastIndexOf(".");
    const ext = dot > 0 && clean.length - dot <= 16 ? clean.slice(dot) : "";
    let stem = "";
    let room = MAX_FILENAME_BYTES - Buffer.byteLength(ext);
    // By code point, so the cut never splits a character.
    for (const char of clean.slice(0, clean.length - ext.length)) {
      room -= Buffer.byteLength(char);
      if (room < 0) break;
      stem += char;
    }
    clean = stem + ext;
  }
  return clean === "" ? "file" : clean;
}

/**
 * Throws 400 unless `key` is relative, made of non-empty segments, and has no `.`/`..` segment,
 * backslash or control character — so no key can reach outside the store's root.
 */
export function checkKey(key: string): string {
  const bad = (why: string) => new AppError("invalid", "invalid_storage_key", `storage key ${why}`);
  if (key.length === 0 || key.length > MAX_KEY_LENGTH) throw bad(`must be 1 to ${MAX_KEY_LENGTH} characters`);
  if (hasControls(key)) throw bad("must not contain control characters");
  if (key.includes("\\")) throw bad("must not contain a backslash");
  if (key.startsWith("/")) throw bad("must be relative");
  for (const segment of key.split("/")) {
    if (segment === "" || segment === "." || segment === "..")
      throw bad("must not have empty, . or .. segments");
  }
  return key;
}

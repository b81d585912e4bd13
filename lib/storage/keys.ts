import { HttpError } from "../http/errors.ts";

const MAX_KEY_LENGTH = 1024;
const MAX_FILENAME_LENGTH = 200;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it removes
const control = /[\u0000-\u001f\u007f]/g;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it refuses
const hasControl = /[\u0000-\u001f\u007f]/;

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
 * characters, no leading dots, at most 200 characters (keeping the extension).
 */
export function sanitizeFilename(name: string): string {
  const base = name.replace(control, "").split(/[/\\]/).pop() ?? "";
  let clean = base
    .replace(/["<>:|?*]/g, "_")
    .replace(/^[.\s]+/, "")
    .trim();
  if (clean.length > MAX_FILENAME_LENGTH) {
    const dot = clean.lastIndexOf(".");
    const ext = dot > 0 && clean.length - dot <= 16 ? clean.slice(dot) : "";
    clean = clean.slice(0, MAX_FILENAME_LENGTH - ext.length) + ext;
  }
  return clean === "" ? "file" : clean;
}

/**
 * Throws 400 unless `key` is relative, made of non-empty segments, and has no `.`/`..` segment,
 * backslash or control character — so no key can reach outside the store's root.
 */
export function checkKey(key: string): string {
  const bad = (why: string) => new HttpError(400, "invalid_storage_key", `storage key ${why}`);
  if (key.length === 0 || key.length > MAX_KEY_LENGTH) throw bad(`must be 1 to ${MAX_KEY_LENGTH} characters`);
  if (hasControl.test(key)) throw bad("must not contain control characters");
  if (key.includes("\\")) throw bad("must not contain a backslash");
  if (key.startsWith("/")) throw bad("must be relative");
  for (const segment of key.split("/")) {
    if (segment === "" || segment === "." || segment === "..")
      throw bad("must not have empty, . or .. segments");
  }
  return key;
}

import { timingSafeEqual } from "node:crypto";

/** Readable prefixes, so secret scanners can spot a leaked token. */
export const TOKEN_PREFIX = {
  session: "ajs_",
  api: "ajt_",
  webhook: "ajw_",
  invite: "aji_",
  setup: "aju_",
  device: "ajd_",
  commandResponse: "ajr_",
} as const;
export type TokenKind = keyof typeof TOKEN_PREFIX;

export interface IssuedToken {
  /** Shown once to its owner; never stored. */
  token: string;
  /** The row id the token points at. */
  id: string;
  /** Hex SHA-256 of the secret part: the only thing stored. */
  hash: string;
}

export function sha256Hex(text: string): string {
  return new Bun.CryptoHasher("sha256").update(text).digest("hex");
}

/**
 * A new token `<prefix><id>.<secret>`: the id finds the row, the 256-bit secret proves possession.
 * Only the secret's SHA-256 is stored (a 256-bit secret cannot be brute-forced, so a slow hash would
 * only cost time on every request).
 */
export function issueToken(kind: TokenKind, id: string = Bun.randomUUIDv7()): IssuedToken {
  const secret = Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("base64url");
  return { token: `${TOKEN_PREFIX[kind]}${id.replaceAll("-", "")}.${secret}`, id, hash: sha256Hex(secret) };
}

/** Splits a presented token into its row id and secret; null when it is not of that kind or malformed. */
export function parseToken(kind: TokenKind, token: string): { id: string; secret: string } | null {
  const prefix = TOKEN_PREFIX[kind];
  if (!token.startsWith(prefix)) return null;
  const match = /^([0-9a-f]{32})\.([A-Za-z0-9_-]{43})$/.exec(token.slice(prefix.length));
  if (!match) return null;
  const hex = match[1] as string;
  const id = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  return { id, secret: match[2] as string };
}

/** Compares the presented secret with the stored hash in constant time. */
export function secretMatches(secret: string, storedHash: string): boolean {
  const presented = Buffer.from(sha256Hex(secret), "hex");
  const stored = Buffer.from(storedHash, "hex");
  return presented.length === stored.length && timingSafeEqual(presented, stored);
}

import { SESSION_COOKIE } from "../../lib/auth/authenticate.ts";
import type { Config } from "../../lib/config.ts";

/**
 * The session cookie: HttpOnly, SameSite=Strict, Secure — the last dropped only when the public URL
 * is plain http on a loopback address (local development), where browsers would refuse it.
 */
export function sessionCookie(config: Config, token: string, maxAgeSeconds: number): string {
  const url = new URL(config.publicUrl);
  const loopback = ["127.0.0.1", "localhost", "[::1]"].includes(url.hostname);
  const secure = url.protocol === "https:" || !loopback;
  return [
    `${SESSION_COOKIE}=${token}`,
    "Path=/",
    "HttpOnly",
    "SameSite=Strict",
    `Max-Age=${Math.floor(maxAgeSeconds)}`,
    ...(secure ? ["Secure"] : []),
  ].join("; ");
}

export function clearedSessionCookie(config: Config): string {
  return sessionCookie(config, "", 0);
}

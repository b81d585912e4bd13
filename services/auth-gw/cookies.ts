import { HOST_SESSION_COOKIE, SESSION_COOKIE, SESSION_COOKIES } from "../../lib/auth/authenticate.ts";
import type { Config } from "../../lib/config.ts";

/**
 * Whether the door's cookies carry `Secure`: always, except for plain http on a loopback address
 * (local development), where browsers would refuse them.
 */
export function secureCookies(config: Config): boolean {
  const url = new URL(config.publicUrl);
  const loopback = ["127.0.0.1", "localhost", "[::1]"].includes(url.hostname);
  return url.protocol === "https:" || !loopback;
}

/** The session cookie's name: `__Host-` prefixed when served over https, plain otherwise. */
export const sessionCookieName = (config: Config) =>
  new URL(config.publicUrl).protocol === "https:" ? HOST_SESSION_COOKIE : SESSION_COOKIE;

/** The session cookie: HttpOnly, SameSite=Strict, Path=/, Secure (see `secureCookies`), no Domain. */
export function sessionCookie(config: Config, token: string, maxAgeSeconds: number): string {
  return [
    `${sessionCookieName(config)}=${token}`,
    "Path=/",
    "HttpOnly",
    "SameSite=Strict",
    `Max-Age=${Math.floor(maxAgeSeconds)}`,
    ...(secureCookies(config) ? ["Secure"] : []),
  ].join("; ");
}

export function clearedSessionCookie(config: Config): string {
  return sessionCookie(config, "", 0);
}

/**
 * Removes from the request every session cookie not of the name this server uses, before anything
 * reads it — here or behind the door. Over https a plain `ajet_session` could have been planted by a
 * sibling subdomain (signing the browser in as the planter); on loopback http another local app
 * could plant a `__Host-` one. The header is rewritten in place: the services behind the door get
 * this same request, and Bun's per-request socket controls (stream timeouts) need it.
 */
export function dropForeignSessionCookies(req: Request, config: Config) {
  const header = req.headers.get("cookie");
  if (!header) return;
  const ours = sessionCookieName(config);
  const foreign = SESSION_COOKIES.filter((name) => name !== ours);
  const parts = header.split(";").map((p) => p.trim());
  const kept = parts.filter((p) => !foreign.some((name) => p.startsWith(`${name}=`)));
  if (kept.length === parts.length) return;
  if (kept.length === 0) req.headers.delete("cookie");
  else req.headers.set("cookie", kept.join("; "));
}

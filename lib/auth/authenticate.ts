import type { Db } from "../db/client.ts";
import type { users } from "../db/schema.ts";
import { unauthorized } from "../errors.ts";
import { validateApiToken } from "./api-tokens.ts";
import type { CredentialCache } from "./credential-cache.ts";
import type { Scope } from "./scopes.ts";
import { DEFAULT_SESSION_POLICY, type SessionPolicy, validateSession } from "./sessions.ts";
import { TOKEN_PREFIX } from "./tokens.ts";

export const SESSION_COOKIE = "ajet_session";
/**
 * The session cookie's name over https: a browser takes a `__Host-` cookie only from this very host
 * over https (Secure, Path=/, no Domain), so no sibling subdomain or network attacker can plant one.
 */
export const HOST_SESSION_COOKIE = `__Host-${SESSION_COOKIE}`;
/** The names a session cookie may have, in the order they are read. */
export const SESSION_COOKIES = [HOST_SESSION_COOKIE, SESSION_COOKIE] as const;

/** Who is making a request, and with what. */
export interface Principal {
  user: typeof users.$inferSelect;
  via: "session" | "token";
  /** The session or API token row id, for logout and audit. */
  credentialId: string;
  /** Null for people (a session may do what its user may); a bot token's scopes otherwise. */
  scopes: ReadonlySet<Scope> | null;
  /** A bot's community: it acts only there. */
  botCommunityId: string | null;
}

/**
 * The presented token: `Authorization: Bearer …` first, then the session cookie (`__Host-` first;
 * the gateway's door leaves only the name this server uses). Taken as sent: our tokens need no
 * decoding, and a malformed one is just a token that does not authenticate.
 */
export function presentedToken(req: Request): string | null {
  const header = req.headers.get("authorization");
  if (header) {
    const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
    return match ? (match[1] as string) : null;
  }
  const cookies = new Map<string, string>();
  for (const part of (req.headers.get("cookie") ?? "").split(";")) {
    const [name = "", ...value] = part.trim().split("=");
    if (!cookies.has(name)) cookies.set(name, value.join("="));
  }
  for (const name of SESSION_COOKIES) {
    const value = cookies.get(name);
    if (value !== undefined) return value;
  }
  return null;
}

/**
 * The caller, or null when no valid credential came with the request. With a cache (the gateway's),
 * a token checked a moment ago is not read again.
 */
export async function authenticate(
  db: Db,
  req: Request,
  policy: SessionPolicy = DEFAULT_SESSION_POLICY,
  cache?: CredentialCache,
): Promise<Principal | null> {
  const token = presentedToken(req);
  if (!token) return null;
  const known = cache?.get(token);
  if (known) return known;
  const mark = cache?.mark() ?? 0;
  const checked = await check(db, token, policy);
  if (checked) cache?.remember(token, checked.principal, checked.expiresAt, mark);
  return checked?.principal ?? null;
}

/** The principal behind a token, and when it stops working by itself (ms since the epoch; null: never). */
async function check(
  db: Db,
  token: string,
  policy: SessionPolicy,
): Promise<{ principal: Principal; expiresAt: number | null } | null> {
  if (token.startsWith(TOKEN_PREFIX.session)) {
    const found = await validateSession(db, token, policy);
    if (!found) return null;
    const { session } = found;
    return {
      principal: {
        user: found.user,
        via: "session",
        credentialId: session.id,
        scopes: null,
        botCommunityId: null,
      },
      expiresAt: Math.min(session.expiresAt.getTime(), session.absoluteExpiresAt.getTime()),
    };
  }
  if (token.startsWith(TOKEN_PREFIX.api)) {
    const found = await validateApiToken(db, token);
    if (!found) return null;
    return {
      principal: {
        user: found.user,
        via: "token",
        credentialId: found.token.id,
        scopes: new Set(found.token.scopes as Scope[]),
        botCommunityId: found.apiUser.communityId,
      },
      expiresAt: found.token.expiresAt?.getTime() ?? null,
    };
  }
  return null;
}

/** The caller, or 401. */
export async function requirePrincipal(db: Db, req: Request, policy?: SessionPolicy): Promise<Principal> {
  const principal = await authenticate(db, req, policy);
  if (!principal) throw unauthorized();
  return principal;
}

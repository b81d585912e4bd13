import type { Db } from "../db/client.ts";
import type { users } from "../db/schema.ts";
import { unauthorized } from "../errors.ts";
import { validateApiToken } from "./api-tokens.ts";
import type { Scope } from "./scopes.ts";
import { DEFAULT_SESSION_POLICY, type SessionPolicy, validateSession } from "./sessions.ts";
import { TOKEN_PREFIX } from "./tokens.ts";

export const SESSION_COOKIE = "ajet_session";

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

/** The presented token: `Authorization: Bearer …` first, then the session cookie. */
export function presentedToken(req: Request): string | null {
  const header = req.headers.get("authorization");
  if (header) {
    const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
    return match ? (match[1] as string) : null;
  }
  const cookie = req.headers.get("cookie");
  if (!cookie) return null;
  for (const part of cookie.split(";")) {
    const [name, ...value] = part.trim().split("=");
    if (name === SESSION_COOKIE) return decodeURIComponent(value.join("="));
  }
  return null;
}

/** The caller, or null when no valid credential came with the request. */
export async function authenticate(
  db: Db,
  req: Request,
  policy: SessionPolicy = DEFAULT_SESSION_POLICY,
): Promise<Principal | null> {
  const token = presentedToken(req);
  if (!token) return null;
  if (token.startsWith(TOKEN_PREFIX.session)) {
    const found = await validateSession(db, token, policy);
    if (!found) return null;
    return {
      user: found.user,
      via: "session",
      credentialId: found.session.id,
      scopes: null,
      botCommunityId: null,
    };
  }
  if (token.startsWith(TOKEN_PREFIX.api)) {
    const found = await validateApiToken(db, token);
    if (!found) return null;
    return {
      user: found.user,
      via: "token",
      credentialId: found.token.id,
      scopes: new Set(found.token.scopes as Scope[]),
      botCommunityId: found.apiUser.communityId,
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

import { timingSafeEqual } from "node:crypto";
import { z } from "zod";
import type { Principal } from "../auth/authenticate.ts";
import { SCOPES } from "../auth/scopes.ts";
import type { UserRow } from "../auth/sessions.ts";
import { USER_KINDS } from "../db/schema.ts";

/** The shared secret: a request carrying it comes from the gateway or a session manager. */
export const SECRET_HEADER = "x-ajet-internal";
/** Who the gateway verified, carried to the services behind it so none looks the credential up again. */
export const IDENTITY_HEADER = "x-ajet-identity";
/** The route template that answered, on an answer to a trusted hop (the gateway logs and counts by it). */
export const ROUTE_HEADER = "x-ajet-route";
/**
 * On an answer about something another instance of the service holds (a live stream steered by a
 * POST that landed on the wrong session manager): nothing was done here, try the next instance.
 */
export const ELSEWHERE_HEADER = "x-ajet-elsewhere";

const sha256 = (text: string) => new Bun.CryptoHasher("sha256").update(text).digest();

/**
 * Recognises the internal secret: both sides are hashed first, so the comparison takes the same
 * time whatever was presented, its length included.
 */
export function secretCheck(secret: string): (presented: string | null) => boolean {
  const expected = sha256(secret);
  return (presented) => presented !== null && timingSafeEqual(sha256(presented), expected);
}

// The user row exactly as the gateway read it, so the API answers /api/me without a query. Typed
// against the table: a new column fails to compile here until it is carried too.
const userShape: z.ZodType<UserRow, unknown> = z.object({
  id: z.string(),
  username: z.string(),
  displayName: z.string(),
  email: z.string().nullable(),
  avatarUrl: z.string().nullable(),
  avatarKey: z.string().nullable(),
  kind: z.enum(USER_KINDS),
  lastSeenAt: z.coerce.date().nullable(),
  deactivatedAt: z.coerce.date().nullable(),
  dndUntil: z.coerce.date().nullable(),
  createdAt: z.coerce.date(),
});

const identityShape = z.object({
  user: userShape,
  via: z.enum(["session", "token"]),
  credentialId: z.string(),
  scopes: z.array(z.enum(SCOPES)).nullable(),
  botCommunityId: z.string().nullable(),
});

/** The principal as one header value (base64url JSON: names may be any Unicode). */
export function encodeIdentity(principal: Principal): string {
  const { scopes, ...rest } = principal;
  return Buffer.from(JSON.stringify({ ...rest, scopes: scopes ? [...scopes] : null })).toString("base64url");
}

/** The principal a trusted hop carried, or null when it carried none or one that does not parse. */
export function decodeIdentity(value: string | null): Principal | null {
  if (!value) return null;
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(value, "base64url").toString("utf8"));
  } catch {
    return null;
  }
  const parsed = identityShape.safeParse(json);
  if (!parsed.success) return null;
  const { scopes, ...rest } = parsed.data;
  return { ...rest, scopes: scopes ? new Set(scopes) : null };
}

/** The headers of one internal hop: the secret, and the identity when there is one. */
export function hopHeaders(secret: string, identity: Principal | null): Record<string, string> {
  return identity
    ? { [SECRET_HEADER]: secret, [IDENTITY_HEADER]: encodeIdentity(identity) }
    : { [SECRET_HEADER]: secret };
}

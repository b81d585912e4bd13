import { z } from "zod";
import type { ProviderId } from "../../lib/auth/oauth-providers.ts";
import type { Config } from "../../lib/config.ts";
import { secureCookies } from "./cookies.ts";

/** A sign-in in flight lasts this long between leaving for the provider and coming back. */
export const FLOW_TTL_SECONDS = 600;

const flowSchema = z.object({
  state: z.string().min(1),
  verifier: z.string().min(1),
  next: z.string(),
  invite: z.string().nullable(),
  // Absent in cookies written before the setup link could travel through a sign-in.
  setup: z.string().nullable().default(null),
});
export type OAuthFlow = z.output<typeof flowSchema>;

const cookieName = (id: ProviderId) => `ajet_oauth_${id}`;

/**
 * The state, PKCE verifier, `next`, and invite or setup link of one sign-in, in a cookie scoped to that provider's
 * routes. SameSite=Lax, not Strict: the provider sends the browser back with a cross-site top-level
 * GET, on which browsers send Lax cookies but not Strict ones. `Secure` follows the session cookie's
 * rule (dropped only for plain http on loopback).
 */
export function flowCookie(config: Config, id: ProviderId, flow: OAuthFlow | null): string {
  const value = flow ? Buffer.from(JSON.stringify(flow)).toString("base64url") : "";
  return [
    `${cookieName(id)}=${value}`,
    `Path=/auth/${id}`,
    "HttpOnly",
    "SameSite=Lax",
    `Max-Age=${flow ? FLOW_TTL_SECONDS : 0}`,
    ...(secureCookies(config) ? ["Secure"] : []),
  ].join("; ");
}

/** The flow the browser carries back, or null when the cookie is missing, expired or mangled. */
export function readFlowCookie(req: Request, id: ProviderId): OAuthFlow | null {
  const name = cookieName(id);
  for (const part of (req.headers.get("cookie") ?? "").split(";")) {
    const [key, ...rest] = part.trim().split("=");
    if (key !== name) continue;
    try {
      const parsed = flowSchema.safeParse(JSON.parse(Buffer.from(rest.join("="), "base64url").toString()));
      return parsed.success ? parsed.data : null;
    } catch {
      return null;
    }
  }
  return null;
}

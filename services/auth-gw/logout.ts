import { authenticate } from "../../lib/auth/authenticate.ts";
import { type CredentialCache, credentialsChanged } from "../../lib/auth/credential-cache.ts";
import { doRevokeSession } from "../../lib/auth/sessions.ts";
import { publishAll } from "../../lib/bus/publish.ts";
import { invalid } from "../../lib/errors.ts";
import { route } from "../../lib/http/router.ts";
import { clearedSessionCookie } from "./cookies.ts";
import type { GatewayDeps } from "./deps.ts";
import type { StreamWatch } from "./stream-watch.ts";

/**
 * `POST /auth/logout`: ends the presented session — its token fails from the next request and its
 * open streams close now — and clears the cookie. A form gets a 303 to `/`; a script (bearer or
 * JSON) a 204. Signing out with a stale cookie just clears it.
 */
export function logoutRoute(deps: GatewayDeps, streams: StreamWatch, credentials: CredentialCache) {
  const { config, db } = deps;
  return route("POST", "/auth/logout", async (req, ctx) => {
    const principal = await authenticate(db.db, req, config.sessions);
    if (principal?.via === "token") {
      throw invalid("a bot token is not a session; revoke it where it was made", "not_a_session");
    }
    if (principal) {
      await doRevokeSession(db.db, principal.user.id, principal.credentialId, {
        action: "logout",
        ip: ctx.ip,
      });
      streams.cut(principal);
      // Here at once; other gateways when the event reaches them.
      const change = { userId: principal.user.id, credentialId: principal.credentialId, ended: true };
      credentials.forget(change);
      await publishAll(deps.bus, [credentialsChanged(change, principal.user.id)]);
    }
    const script =
      req.headers.has("authorization") ||
      /json/.test(req.headers.get("content-type") ?? "") ||
      /json/.test(req.headers.get("accept") ?? "");
    const headers = { "Set-Cookie": clearedSessionCookie(config) };
    return script
      ? new Response(null, { status: 204, headers })
      : new Response(null, { status: 303, headers: { ...headers, Location: "/" } });
  });
}

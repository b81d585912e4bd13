import { authenticate, type Principal, presentedToken } from "../../lib/auth/authenticate.ts";
import type { CredentialCache } from "../../lib/auth/credential-cache.ts";
import type { Around } from "../../lib/http/app.ts";
import { toResponse } from "../../lib/http/errors.ts";
import { Hop } from "../../lib/http/hop.ts";
import { pathSegments } from "../../lib/http/router.ts";
import { openLimiter } from "../../lib/limits/limits.ts";
import { addressKey, tooManyRequests } from "../../lib/limits/local-buckets.ts";
import { rateLimitRefusals, signInFailures } from "../../lib/metrics/metrics.ts";
import { dropForeignSessionCookies } from "./cookies.ts";
import { createCors } from "./cors.ts";
import { checkCsrf } from "./csrf.ts";
import type { GatewayDeps } from "./deps.ts";
import { createFailedAuthLog } from "./failed-auth.ts";
import { addSecurityHeaders } from "./security-headers.ts";
import type { StreamWatch } from "./stream-watch.ts";

// Sign-in, setup, invite and device-code routes (by their first path segment): few requests from
// honest people, worth guessing at for others.
const DOOR_ROUTES = new Set(["setup", "invite", "auth", "login", "device"]);

/**
 * What every request passes on its way in and out of the gateway: the credential checked (remembered
 * for a few seconds, but forgotten by every gateway as soon as it ends anywhere: a revoked session
 * fails on its next request), a token bucket spent (per credential, or
 * per address when anonymous — never per name typed into a form, so nobody can lock out another
 * person), CORS preflights answered, cross-site cookie writes refused; and on the way out, open
 * streams watched, CORS and security headers added. Which rules a path gets is decided on the
 * segments the router will route, so no spelling of a door route (`/%61uth`, `//auth`) escapes them;
 * a path the router cannot read is refused first.
 */
export function createDoor(deps: GatewayDeps, streams: StreamWatch, credentials: CredentialCache): Around {
  const { config, db } = deps;
  const limits = {
    // Every request spends from it: over PostgreSQL, a slice is spent in memory (no write per request).
    general: openLimiter(db, "general", config.rateLimits.general, { sliced: true }),
    auth: openLimiter(db, "auth", config.rateLimits.auth),
  };
  const cors = createCors(config.corsOrigins);
  const noteFailedAuth = createFailedAuthLog(db.db);
  // Read per request: with AJET_PORT=0 the URL is known only once the gateway listens.
  const publicOrigin = () => new URL(config.publicUrl).origin;

  return async (req, ctx, next) => {
    dropForeignSessionCookies(req, config);
    const token = presentedToken(req);
    ctx.hop = new Hop(req.signal);
    let principal: Principal | null = null;
    let res: Response;
    try {
      const segments = pathSegments(ctx.url.pathname);
      if (token) principal = await authenticate(db.db, req, config.sessions, credentials);
      if (principal) ctx.logFields.user_id = principal.user.id;
      // Carried to the service behind (lib/http/proxy.ts), which then need not check it again.
      ctx.identity = principal;
      if (token && !principal) {
        ctx.logFields.auth = "failed";
        signInFailures.inc({ via: "credential" });
        await noteFailedAuth(ctx.ip, token);
      }
      const bucket = DOOR_ROUTES.has(segments[0] ?? "") ? "auth" : "general";
      const wait = await limits[bucket].take(
        principal ? `${principal.via}:${principal.credentialId}` : addressKey(ctx.ip),
      );
      if (wait > 0) {
        rateLimitRefusals.inc({ bucket });
        throw tooManyRequests(wait);
      }
      const preflight = cors.preflight(req);
      if (preflight) res = preflight;
      else {
        checkCsrf(req, segments, publicOrigin());
        res = await next();
      }
    } catch (err) {
      res = toResponse(err);
    }
    if (res.headers.get("content-type")?.startsWith("text/event-stream"))
      streams.track(principal, res, ctx.hop);
    cors.allow(req, res);
    addSecurityHeaders(res, { https: publicOrigin().startsWith("https:"), credentialed: token !== null });
    return res;
  };
}

import { SESSION_COOKIES } from "../../lib/auth/authenticate.ts";
import { forbidden } from "../../lib/errors.ts";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);
// The door's own forms sign people in (`/setup/…`, `/invite/…`, `/auth/…`): a cross-site post there
// is login CSRF even with no cookie yet.
const DOOR_FORMS = new Set(["setup", "invite", "auth"]);

function carriesSessionCookie(req: Request): boolean {
  const cookie = req.headers.get("cookie");
  const parts = cookie?.split(";").map((part) => part.trim()) ?? [];
  return parts.some((part) => SESSION_COOKIES.some((name) => part.startsWith(`${name}=`)));
}

/**
 * Refuses a browser's cross-site write that rides on the session cookie (or posts a door form):
 * `Sec-Fetch-Site: cross-site`, or an `Origin` other than ours. Requests with an Authorization
 * header are not subject to it: a browser never adds one on its own, and scripts send no Origin.
 * `segments` is the path as the router reads it (`pathSegments`).
 */
export function checkCsrf(req: Request, segments: string[], publicOrigin: string) {
  if (SAFE_METHODS.has(req.method) || req.headers.has("authorization")) return;
  const doorForm = segments.length > 1 && DOOR_FORMS.has(segments[0] ?? "");
  if (!carriesSessionCookie(req) && !doorForm) return;
  const site = req.headers.get("sec-fetch-site");
  const origin = req.headers.get("origin");
  if (site === "cross-site" || (origin !== null && origin !== publicOrigin)) {
    throw forbidden(
      `this request came from another site; send it from ${publicOrigin} or with an Authorization header`,
      "csrf",
    );
  }
}

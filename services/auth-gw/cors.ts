import { HttpError } from "../../lib/http/errors.ts";

const METHODS = "GET, POST, PUT, PATCH, DELETE";
const HEADERS = "Authorization, Content-Type, X-Trace-Id, Last-Event-ID";
const EXPOSED = "X-Trace-Id, Retry-After";

/**
 * Cross-origin access for the origins in AJET_CORS_ORIGINS only, with bearer tokens: no
 * `Access-Control-Allow-Credentials`, so the session cookie never works cross-origin.
 */
export function createCors(allowed: readonly string[]) {
  const origins = new Set(allowed);
  return {
    /** The answer to a preflight, at the door; null when the request is not one. */
    preflight(req: Request): Response | null {
      const origin = req.headers.get("origin");
      if (req.method !== "OPTIONS" || !origin || !req.headers.has("access-control-request-method")) {
        return null;
      }
      if (!origins.has(origin)) {
        throw new HttpError(403, "cors", `cross-origin requests from ${origin} are not allowed`, {
          Vary: "Origin",
        });
      }
      return new Response(null, {
        status: 204,
        headers: {
          "Access-Control-Allow-Origin": origin,
          "Access-Control-Allow-Methods": METHODS,
          "Access-Control-Allow-Headers": HEADERS,
          "Access-Control-Max-Age": "600",
          Vary: "Origin",
        },
      });
    },
    /** Marks an answer readable by the calling origin when that origin is allowed. */
    allow(req: Request, res: Response) {
      if (origins.size === 0) return;
      // Whether the answer carries CORS headers depends on Origin: caches must key on it.
      res.headers.append("Vary", "Origin");
      const origin = req.headers.get("origin");
      if (!origin || !origins.has(origin)) return;
      res.headers.set("Access-Control-Allow-Origin", origin);
      res.headers.set("Access-Control-Expose-Headers", EXPOSED);
    },
  };
}

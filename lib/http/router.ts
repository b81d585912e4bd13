import type { Server } from "bun";
import type { Principal } from "../auth/authenticate.ts";
import { invalid, notFound } from "../errors.ts";
import { HttpError } from "./errors.ts";
import type { Hop } from "./hop.ts";

/** What a handler gets besides the Request. */
export interface RequestContext {
  params: Record<string, string>;
  url: URL;
  traceId: string;
  /** The client's address as seen by this service (the gateway sets X-Forwarded-For downstream). */
  ip: string;
  /**
   * Who is calling, as the gateway verified their credential: set by its door, and carried from
   * there on every internal hop. Null for anonymous requests and untrusted hops.
   */
  identity: Principal | null;
  /** The server that took the request; absent when a handler is called in-process. */
  server?: Server<unknown>;
  /**
   * Set by the gateway's door: what ends a proxied request's hop behind, the client leaving or the
   * door closing this request's stream (its credential stopped working). The proxy also ends it at
   * its deadline, and then puts a new one here for the next instance it tries. Without it, the
   * proxy makes one on the request's own signal.
   */
  hop?: Hop;
  /**
   * Extra fields for this request's one access-log line: the router sets `route` (the matched
   * template), the gateway's door `user_id`.
   */
  logFields: Record<string, unknown>;
}

export type Handler = (req: Request, ctx: RequestContext) => Response | Promise<Response>;

export interface Route {
  method: string;
  path: string;
  handler: Handler;
}

type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE" | "HEAD" | "OPTIONS" | "*";

/** One route: `path` segments may be `:name` parameters; a final `*` matches the rest (as `params["*"]`). */
export const route = (method: Method, path: string, handler: Handler): Route => ({ method, path, handler });

interface Compiled extends Route {
  segments: string[];
  rest: boolean;
}

/**
 * The path as the router reads it: percent-escapes decoded per segment, empty segments dropped (the
 * URL parser has already resolved `.` and `..` and read `\` as `/`). Anything that decides by path
 * before routing (the gateway's door) must decide on this, or a spelling like `/%61uth` or `//auth`
 * reaches a route without its rules. Throws `invalid_path` for escapes that are not valid UTF-8.
 */
export function pathSegments(pathname: string): string[] {
  try {
    return pathname.split("/").filter(Boolean).map(decodeURIComponent);
  } catch {
    throw invalid("the path is not valid percent-encoding", "invalid_path");
  }
}

/**
 * A tiny router: exact segments, `:params`, a trailing `*`. Unknown paths are 404 and known paths
 * with another method 405 with `Allow`, both in the uniform error shape.
 */
export function createRouter(routes: Route[]) {
  const compiled: Compiled[] = routes.map((r) => {
    const segments = r.path.split("/").filter(Boolean);
    const rest = segments.at(-1) === "*";
    return { ...r, segments: rest ? segments.slice(0, -1) : segments, rest };
  });

  function match(r: Compiled, parts: string[]): Record<string, string> | undefined {
    if (r.rest ? parts.length < r.segments.length : parts.length !== r.segments.length) return undefined;
    const params: Record<string, string> = {};
    for (let i = 0; i < r.segments.length; i++) {
      const seg = r.segments[i] as string;
      const part = parts[i] as string;
      if (seg.startsWith(":")) params[seg.slice(1)] = part;
      else if (seg !== part) return undefined;
    }
    if (r.rest) params["*"] = parts.slice(r.segments.length).join("/");
    return params;
  }

  return async function dispatch(req: Request, ctx: Omit<RequestContext, "params">): Promise<Response> {
    const parts = pathSegments(ctx.url.pathname);
    const allowed = new Set<string>();
    for (const r of compiled) {
      const params = match(r, parts);
      if (!params) continue;
      if (r.method === "*" || r.method === req.method || (r.method === "GET" && req.method === "HEAD")) {
        // The template, never the path: metrics label by it and the access log names it.
        ctx.logFields.route = r.path;
        return r.handler(req, { ...ctx, params });
      }
      allowed.add(r.method);
    }
    if (allowed.size > 0) {
      throw new HttpError(405, "method_not_allowed", `${req.method} is not allowed here`, {
        Allow: [...allowed].join(", "),
      });
    }
    throw notFound("route");
  };
}

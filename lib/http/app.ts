import type { Server } from "bun";
import { forbidden } from "../errors.ts";
import { log, requestContext } from "../log.ts";
import { httpDuration, httpRequests } from "../metrics/metrics.ts";
import { toResponse } from "./errors.ts";
import { decodeIdentity, IDENTITY_HEADER, ROUTE_HEADER, SECRET_HEADER, secretCheck } from "./internal-hop.ts";
import { createRouter, type RequestContext, type Route, route } from "./router.ts";
import { traceIdFrom } from "./trace.ts";

/** A readiness check: resolves when the dependency answers, rejects with the reason otherwise. */
export type ReadyCheck = () => Promise<void>;

export interface App {
  name: string;
  /**
   * Serves one request: trace id, routing, error mapping, access log. Callable in-process (the
   * embedded gateway does) as well as from Bun.serve.
   */
  fetch(req: Request, info?: { server?: Server<unknown>; ip?: string }): Promise<Response>;
  /** Aborted when the service shuts down; long-lived responses (SSE) end on it. */
  readonly shutdown: AbortSignal;
  beginShutdown(): void;
}

const READY_TIMEOUT_MS = 2000;

// Probes (a load balancer's, an orchestrator's) reach a service without the internal secret.
const OPEN_TO_ALL = new Set(["/healthz", "/readyz"]);

/**
 * Code run around every request of a service, before routing and after it (the gateway's door:
 * authentication, rate limits, CSRF, security headers). `next` routes the request and maps errors to
 * responses; what `around` throws itself is mapped too.
 */
export type Around = (
  req: Request,
  ctx: Omit<RequestContext, "params">,
  next: () => Promise<Response>,
) => Promise<Response>;

/**
 * A service: its routes plus `/healthz` (the process answers) and `/readyz` (every dependency
 * answers within 2 s; `ok` or `failed` per check, the reason only in the log, since it names
 * internal hosts and ports). Every response carries `X-Trace-Id` and `X-Ajet-Service`.
 */
export function createApp(options: {
  name: string;
  routes: Route[];
  ready: Record<string, ReadyCheck>;
  /** Log level of the per-request access line: the gateway logs every request at info. */
  accessLog?: "info" | "debug";
  around?: Around;
  /**
   * Makes this a service behind the gateway: a request without this secret is refused with 403
   * (`/healthz` and `/readyz` aside), and only one with it is believed about the client's address
   * (X-Forwarded-For) and who is calling (the identity the gateway verified).
   */
  internalSecret?: string;
  /**
   * For the gateway: take the client's address from the last X-Forwarded-For entry, because a
   * reverse proxy it is told about sets it. Otherwise any client could pick its own address.
   */
  trustForwardedFor?: boolean;
}): App {
  const controller = new AbortController();
  const dispatch = createRouter([
    route("GET", "/healthz", () => Response.json({ ok: true, service: options.name })),
    route("GET", "/readyz", async () => {
      const results = await checkReady(options.ready);
      const ok = Object.values(results).every((r) => r === "ok");
      return Response.json({ ok, service: options.name, checks: results }, { status: ok ? 200 : 503 });
    }),
    ...options.routes,
  ]);
  const access = options.accessLog === "info" ? log.info : log.debug;
  const isInternal = options.internalSecret ? secretCheck(options.internalSecret) : null;
  const routed = async (req: Request, ctx: Omit<RequestContext, "params">) => {
    try {
      return await dispatch(req, ctx);
    } catch (err) {
      return toResponse(err);
    }
  };

  return {
    name: options.name,
    shutdown: controller.signal,
    beginShutdown: () => controller.abort(),
    fetch(req, info = {}) {
      const traceId = traceIdFrom(req);
      const started = performance.now();
      const url = new URL(req.url);
      const trusted = isInternal ? isInternal(req.headers.get(SECRET_HEADER)) : false;
      const forwarded =
        trusted || (!isInternal && options.trustForwardedFor) ? req.headers.get("x-forwarded-for") : null;
      const ip = forwarded?.split(",").at(-1)?.trim() || info.ip || "";
      const identity = trusted ? decodeIdentity(req.headers.get(IDENTITY_HEADER)) : null;
      const logFields: Record<string, unknown> = {};
      const ctx = { url, traceId, ip, identity, server: info.server, logFields };
      return requestContext.run({ traceId, service: options.name }, async () => {
        let response: Response;
        try {
          if (isInternal && !trusted && !OPEN_TO_ALL.has(url.pathname)) {
            throw forbidden("this service answers only the gateway and its own services", "internal_only");
          }
          response = options.around
            ? await options.around(req, ctx, () => routed(req, ctx))
            : await routed(req, ctx);
        } catch (err) {
          response = toResponse(err);
        }
        response.headers.set("X-Trace-Id", traceId);
        if (ctx.identity && logFields.user_id === undefined) logFields.user_id = ctx.identity.user.id;
        // Tells the gateway which route answered, for its one access line; it never leaves the gateway.
        if (trusted && logFields.route !== undefined)
          response.headers.set(ROUTE_HEADER, String(logFields.route));
        // A proxied response keeps the name of the service that actually answered.
        if (!response.headers.has("X-Ajet-Service")) response.headers.set("X-Ajet-Service", options.name);
        const seconds = (performance.now() - started) / 1000;
        // Unrouted requests (404s, refusals at the door) share one label: paths are unbounded.
        const labels = {
          service: options.name,
          method: methodLabel(req.method),
          route: String(logFields.route ?? "none"),
        };
        httpRequests.inc({ ...labels, status: String(response.status) });
        httpDuration.observe(labels, seconds);
        access("request", {
          method: req.method,
          path: url.pathname,
          status: response.status,
          duration_ms: Math.round(seconds * 10_000) / 10,
          ...logFields,
        });
        return response;
      });
    },
  };
}

const METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);
// A client may send any token as a method; only the standard ones become label values.
const methodLabel = (method: string) => (METHODS.has(method) ? method : "other");

async function checkReady(checks: Record<string, ReadyCheck>): Promise<Record<string, string>> {
  const entries = await Promise.all(
    Object.entries(checks).map(async ([name, check]) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no answer within ${READY_TIMEOUT_MS} ms`)),
          READY_TIMEOUT_MS,
        );
      });
      try {
        await Promise.race([check(), timeout]);
        return [name, "ok"] as const;
      } catch (err) {
        log.warn("not ready", { check: name, error: err instanceof Error ? err.message : String(err) });
        return [name, "failed"] as const;
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  return Object.fromEntries(entries);
}

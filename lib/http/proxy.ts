import type { Principal } from "../auth/authenticate.ts";
import { log, requestContext } from "../log.ts";
import type { App } from "./app.ts";
import { HttpError } from "./errors.ts";
import { Hop } from "./hop.ts";
import {
  ELSEWHERE_HEADER,
  hopHeaders,
  IDENTITY_HEADER,
  ROUTE_HEADER,
  SECRET_HEADER,
} from "./internal-hop.ts";
import type { RequestContext } from "./router.ts";
import { type Instances, instanceOrder, restInstance } from "./upstream-pool.ts";

/**
 * Where a request goes on an internal hop: another process over HTTP, or a service in this process;
 * with the internal secret that service expects.
 */
export type Upstream = { name: string; secret: string } & (
  | {
      url: Instances;
      /**
       * How long an instance may take to start answering (its headers; a stream's body may then
       * last for ever) before a read moves on to the next one and the caller gets 504.
       */
      timeoutMs?: number;
    }
  | { app: App }
);

/** An instance that took longer than its deadline to start answering. */
class UpstreamTimeout extends Error {
  override name = "UpstreamTimeout";
}

/** The request's hop behind: the door's, or one on the request's own signal. */
function hopOf(req: Request, ctx: RequestContext): Hop {
  if (!ctx.hop) ctx.hop = new Hop(req.signal);
  return ctx.hop;
}

/**
 * Sends with a deadline on the answer's start: the client going away still aborts at once, and the
 * deadline stops mattering once headers arrived, so a long stream or download goes on. The
 * deadline ends the request's hop (`ctx.hop`), and a new hop takes its place for whatever is sent
 * next: the hop is the one signal a request behind holds for as long as it lasts.
 */
async function withHeaderDeadline(
  timeoutMs: number | undefined,
  req: Request,
  ctx: RequestContext,
  send: (signal: AbortSignal) => Promise<Response>,
): Promise<Response> {
  const hop = hopOf(req, ctx);
  if (!timeoutMs) return send(hop.signal);
  const timer = setTimeout(() => hop.abort(new UpstreamTimeout()), timeoutMs);
  try {
    return await send(hop.signal);
  } catch (err) {
    if (hop.signal.reason instanceof UpstreamTimeout && !req.signal.aborted) {
      ctx.hop = new Hop(req.signal);
      throw new UpstreamTimeout();
    }
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

// Hop-by-hop headers belong to one connection and must not be forwarded.
const hopByHop = [
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "host",
  "content-length",
];

function forwardHeaders(req: Request, ctx: RequestContext, secret: string): Headers {
  const headers = new Headers(req.headers);
  for (const h of hopByHop) headers.delete(h);
  // Only the gateway speaks for the caller: what a client sent under these names goes no further.
  headers.delete(SECRET_HEADER);
  headers.delete(IDENTITY_HEADER);
  for (const [name, value] of Object.entries(hopHeaders(secret, ctx.identity))) headers.set(name, value);
  headers.set("x-trace-id", ctx.traceId);
  // The client's address as this service decided it (trusting X-Forwarded-For only when told to);
  // passing on what the client sent would let it pick the address the services behind us see.
  if (ctx.ip) headers.set("x-forwarded-for", ctx.ip);
  else headers.delete("x-forwarded-for");
  headers.set("x-forwarded-proto", ctx.url.protocol.replace(":", ""));
  headers.set("x-forwarded-host", ctx.url.host);
  return headers;
}

const RESEND_BODY_BYTES = 64 * 1024;

/**
 * Forwards the request and streams the answer back unbuffered (SSE included). The client going
 * away aborts the upstream request, so a closed tab frees its stream at once.
 */
export async function proxy(req: Request, ctx: RequestContext, upstream: Upstream): Promise<Response> {
  const headers = forwardHeaders(req, ctx, upstream.secret);
  const hasBody = req.method !== "GET" && req.method !== "HEAD";
  let response: Response;
  if ("app" in upstream) {
    const inner = new Request(req.url, {
      method: req.method,
      headers,
      body: hasBody ? req.body : undefined,
      signal: hopOf(req, ctx).signal,
    });
    response = await upstream.app.fetch(inner, { ip: ctx.ip });
  } else {
    // A small body (a message, a reaction: JSON) is read first so it can go to the next instance if
    // one refuses the connection; uploads and other large bodies stream through, sent once.
    const length = Number(req.headers.get("content-length") ?? Number.NaN);
    const held = hasBody && length >= 0 && length <= RESEND_BODY_BYTES;
    const body = held ? await req.arrayBuffer() : hasBody ? req.body : undefined;
    try {
      const resend = !hasBody ? "after any failure" : held ? "when refused" : "never";
      // A streamed upload's answer waits for the client to finish sending: no deadline on it.
      const timeoutMs = hasBody && !held ? undefined : upstream.timeoutMs;
      response = await fetchFirstReachable(upstream, resend, (base) =>
        withHeaderDeadline(timeoutMs, req, ctx, (signal) =>
          fetch(base + ctx.url.pathname + ctx.url.search, {
            method: req.method,
            headers,
            body,
            redirect: "manual",
            signal,
            // Pass compressed bodies through as they are.
            decompress: false,
          }),
        ),
      );
    } catch (err) {
      if (req.signal.aborted) return new Response(null, { status: 499 });
      if (err instanceof UpstreamTimeout) {
        throw new HttpError(
          504,
          "upstream_timeout",
          `the ${upstream.name} service did not answer in time; try again shortly`,
        );
      }
      throw new HttpError(
        502,
        "bad_gateway",
        `the ${upstream.name} service is not reachable; try again shortly`,
      );
    }
  }
  const out = new Headers(response.headers);
  for (const h of hopByHop) if (h !== "content-length") out.delete(h);
  // The service's own route template names this request in the gateway's access line and metrics.
  const routed = out.get(ROUTE_HEADER);
  out.delete(ROUTE_HEADER);
  if (routed) ctx.logFields.route = routed;
  if (response.headers.get("content-type")?.startsWith("text/event-stream")) {
    // A stream is idle between events; the gateway must not time it out.
    ctx.server?.timeout(req, 0);
  }
  // The body is read outside the request's log context: a stream keeps the context it was first
  // read in (its trace id, and the frame holding it) for as long as it lasts, a few hundred bytes
  // per open stream in a gateway holding thousands. Nothing logs from inside the body's piping.
  return new Response(
    requestContext.exit(() => response.body),
    {
      status: response.status,
      statusText: response.statusText,
      headers: out,
    },
  );
}

/**
 * A request of this service's own to another service (an SM reading the API), in-process or over
 * HTTP, as an internal hop: with the secret, and the identity of the caller it speaks for.
 */
export function requestUpstream(
  upstream: Upstream,
  path: string,
  init: RequestInit = {},
  identity: Principal | null = null,
): Promise<Response> {
  const headers = new Headers(init.headers);
  for (const [name, value] of Object.entries(hopHeaders(upstream.secret, identity))) headers.set(name, value);
  const request = { ...init, headers };
  if ("app" in upstream)
    return upstream.app.fetch(new Request(`http://${upstream.name}.internal${path}`, request));
  // A body given as text can be sent again to another instance; a stream only once.
  const method = (init.method ?? "GET").toUpperCase();
  const held = init.body === undefined || init.body === null || typeof init.body === "string";
  const resend =
    method === "GET" || method === "HEAD" ? "after any failure" : held ? "when refused" : "never";
  return fetchFirstReachable(upstream, resend, (base) => fetch(base + path, request));
}

/**
 * Sends to the service's instances in turn until one is reached. A read (GET, HEAD) goes to the next
 * instance after any failure. A write goes again only when the instance refused the connection, so
 * it cannot have been done there, and only with its body held in memory (a streamed body is gone):
 * otherwise the caller gets the error and decides (a message's client_msg_id makes a retry safe).
 * An instance that answers the request is about something another one holds (ELSEWHERE_HEADER) has
 * done nothing, so the request goes on to the next, unless its body could not be kept.
 * Throws the last error.
 */
async function fetchFirstReachable(
  upstream: { name: string; url: Instances },
  resend: "after any failure" | "when refused" | "never",
  send: (base: string) => Promise<Response>,
): Promise<Response> {
  const order = instanceOrder(upstream.url);
  for (const [i, base] of order.entries()) {
    try {
      const res = await send(base);
      if (res.headers.has(ELSEWHERE_HEADER) && resend !== "never" && i < order.length - 1) {
        await res.body?.cancel();
        continue;
      }
      return res;
    } catch (err) {
      if (err instanceof DOMException && err.name === "AbortError") throw err;
      restInstance(base);
      log.warn("upstream unreachable", { upstream: upstream.name, instance: base, error: String(err) });
      const refused = (err as { code?: string }).code === "ECONNREFUSED";
      const again = resend === "after any failure" || (resend === "when refused" && refused);
      if (!again || i === order.length - 1) throw err;
    }
  }
  throw new Error(`${upstream.name} has no instances`);
}

/** A readiness check that the upstream's `/healthz` answers 200. */
export function upstreamAlive(upstream: Upstream) {
  return async () => {
    const res = await requestUpstream(upstream, "/healthz", { signal: AbortSignal.timeout(2000) });
    if (!res.ok) throw new Error(`${upstream.name} answered ${res.status}`);
  };
}

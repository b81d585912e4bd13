import type { z } from "zod";
import { type Principal, requirePrincipal } from "../../lib/auth/authenticate.ts";
import type { Scope } from "../../lib/auth/scopes.ts";
import { type Outgoing, publishAll } from "../../lib/bus/publish.ts";
import { refuseNul } from "../../lib/control-chars.ts";
import { forbidden, notFound } from "../../lib/errors.ts";
import { readJson } from "../../lib/http/body.ts";
import { type RequestContext, type Route, route } from "../../lib/http/router.ts";
import type { ApiDeps } from "./deps.ts";

/** What an API handler gets: the parsed input, the caller, and the service's resources. */
export interface ApiContext<B, Q> extends ApiDeps {
  req: Request;
  params: Record<string, string>;
  url: URL;
  traceId: string;
  ip: string;
  principal: Principal;
  body: B;
  query: Q;
  /** Publishes events after the transaction that produced them has committed. */
  publish(events: readonly Outgoing[]): Promise<void>;
}

type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/** One API route: its auth needs, its input schemas (the same ones the OpenAPI document shows), its handler. */
export interface ApiRouteSpec<B extends z.ZodType = z.ZodType, Q extends z.ZodType = z.ZodType> {
  method: Method;
  path: string;
  summary: string;
  /** The token scope the route needs; `null` for routes any signed-in caller may use. */
  scope: Scope | null;
  /** Refuse bots entirely (routes about a person's own sessions, DMs of people…). */
  peopleOnly?: boolean;
  body?: B;
  query?: Q;
  /** Status of a successful answer when the handler returns a plain object. */
  status?: number;
  /** Routes that take a non-JSON body (uploads) read it themselves. */
  rawBody?: boolean;
  handler(ctx: ApiContext<z.output<B>, z.output<Q>>): Promise<Response | object>;
}

/** Declares a route; kept as data so the router and the OpenAPI document read the same list. */
export function api<B extends z.ZodType = z.ZodType, Q extends z.ZodType = z.ZodType>(
  spec: ApiRouteSpec<B, Q>,
): ApiRouteSpec<B, Q> {
  return spec;
}

/**
 * The spec as a router route: authenticate → check scope → parse → handle → respond. The caller is
 * the one the gateway verified when it says so; only a trusted hop without that (a service called
 * straight) has its credential checked here.
 */
export function toRoute(spec: ApiRouteSpec, deps: ApiDeps): Route {
  return route(spec.method, spec.path, async (req: Request, rc: RequestContext) => {
    const principal = rc.identity ?? (await requirePrincipal(deps.db.db, req, deps.config.sessions));
    if (principal.scopes && spec.scope && !principal.scopes.has(spec.scope)) {
      throw forbidden(`this token lacks the ${spec.scope} scope`);
    }
    if (spec.peopleOnly && principal.via === "token") throw forbidden("bots cannot use this route");
    const query = spec.query ? spec.query.parse(queryOf(rc.url)) : undefined;
    const body =
      spec.body && !spec.rawBody
        ? await readJson(req, spec.body, deps.config.limits.maxBodyBytes)
        : undefined;
    const result = await spec.handler({
      ...deps,
      req,
      params: rc.params,
      url: rc.url,
      traceId: rc.traceId,
      ip: rc.ip,
      principal,
      body,
      query,
      publish: (events) => publishAll(deps.bus, events),
    });
    if (result instanceof Response) return result;
    return Response.json(result, {
      status: spec.status ?? 200,
      headers: { "Cache-Control": "private, no-store" },
    });
  });
}

/** The query's parameters; NUL in one is refused here, as the JSON reader refuses it in a body. */
function queryOf(url: URL): Record<string, string> {
  const params = Object.fromEntries(url.searchParams);
  for (const [key, value] of Object.entries(params)) refuseNul(key, value);
  return params;
}

const uuidShape = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A path id; one that cannot be an id names nothing, so it is the same 404 as a missing one. */
export function idParam(value: string | undefined, what: string): string {
  if (!value || !uuidShape.test(value)) throw notFound(what);
  return value.toLowerCase();
}

import type { Config } from "../../lib/config.ts";
import type { Database } from "../../lib/db/client.ts";
import { proxy, type Upstream } from "../../lib/http/proxy.ts";
import { route } from "../../lib/http/router.ts";

export interface GatewayDeps {
  config: Config;
  db: Database;
  upstreams: { api: Upstream; web: Upstream; tui: Upstream };
}

/**
 * Every route of the gateway, the only public door. `/healthz` and `/readyz` are its own (added by
 * createApp); everything else goes to the service that owns it.
 */
export function gatewayRoutes(deps: GatewayDeps) {
  const { api, web, tui } = deps.upstreams;
  return [
    route("*", "/api/*", (req, ctx) => proxy(req, ctx, api)),
    route("*", "/hook/*", (req, ctx) => proxy(req, ctx, api)),
    route("*", "/tui/*", (req, ctx) => proxy(req, ctx, tui)),
    route("*", "/*", (req, ctx) => proxy(req, ctx, web)),
  ];
}

import type { CredentialCache } from "../../lib/auth/credential-cache.ts";
import { proxy } from "../../lib/http/proxy.ts";
import { route } from "../../lib/http/router.ts";
import type { GatewayDeps } from "./deps.ts";
import { deviceRoutes } from "./device.ts";
import { logoutRoute } from "./logout.ts";
import { oauthRoutes } from "./oauth.ts";
import { onboardingRoutes } from "./onboarding.ts";
import type { StreamWatch } from "./stream-watch.ts";

export type { GatewayDeps } from "./deps.ts";

/**
 * Every route of the gateway, the only public door. `/healthz` and `/readyz` are its own (added by
 * createApp); everything else goes to the service that owns it.
 */
export function gatewayRoutes(deps: GatewayDeps, streams: StreamWatch, credentials: CredentialCache) {
  const { api, web, tui } = deps.upstreams;
  return [
    ...onboardingRoutes(deps),
    ...oauthRoutes(deps),
    ...deviceRoutes(deps),
    logoutRoute(deps, streams, credentials),
    route("*", "/api/*", (req, ctx) => proxy(req, ctx, api)),
    route("*", "/hook/*", (req, ctx) => proxy(req, ctx, api)),
    route("POST", "/commands/respond/*", (req, ctx) => proxy(req, ctx, api)),
    route("*", "/tui/*", (req, ctx) => proxy(req, ctx, tui)),
    route("*", "/*", (req, ctx) => proxy(req, ctx, web)),
  ];
}

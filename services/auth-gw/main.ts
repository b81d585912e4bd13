import { createCredentialCache } from "../../lib/auth/credential-cache.ts";
import { type App, createApp } from "../../lib/http/app.ts";
import { upstreamAlive } from "../../lib/http/proxy.ts";
import { defineService } from "../../lib/http/service.ts";
import { internalSecretOf } from "../../lib/internal-secret.ts";
import { log } from "../../lib/log.ts";
import { runMain } from "../../lib/runtime.ts";
import { createDoor } from "./door.ts";
import { type GatewayDeps, gatewayRoutes } from "./routes.ts";
import { announceSetupLink } from "./setup-link.ts";
import { createStreamWatch } from "./stream-watch.ts";

/** The auth gateway: authenticates, traces and proxies every public request. */
export function createGatewayApp(deps: GatewayDeps): App {
  const { api, web, tui } = deps.upstreams;
  const streams = createStreamWatch(deps.db.db, deps.config.streamRecheckMs);
  const credentials = createCredentialCache({ ttlMs: deps.config.credentialCacheMs });
  // A credential that ended anywhere is forgotten here, and its streams are re-checked now rather
  // than at the next tick.
  const listening = credentials.listen(deps.bus, () => void streams.recheck());
  listening.catch((err) =>
    log.warn("the gateway cannot hear credential changes; it checks every request", { error: String(err) }),
  );
  const app = createApp({
    name: "auth-gw",
    routes: gatewayRoutes(deps, streams, credentials),
    around: createDoor(deps, streams, credentials),
    trustForwardedFor: deps.config.trustProxy,
    ready: {
      database: deps.db.ping,
      api: upstreamAlive(api),
      "web-sm": upstreamAlive(web),
      "tui-sm": upstreamAlive(tui),
    },
    accessLog: "info",
  });
  app.shutdown.addEventListener(
    "abort",
    () => {
      streams.closeAll();
      void listening.then((stop) => stop()).catch(() => {});
    },
    { once: true },
  );
  return app;
}

export const { start, stop } = defineService({
  name: "auth-gw",
  needs: { db: true, bus: true },
  port: (config) => config.ports.gateway,
  maxBodyBytes: (config) => config.limits.maxUploadBytes + 1024 * 1024,
  build: async (config, { db, bus }) => {
    if (config.maxConcurrentFetches < 4096) {
      log.warn(
        "BUN_CONFIG_MAX_HTTP_REQUESTS is low: Bun then proxies at most that many requests and streams at once; start the gateway with BUN_CONFIG_MAX_HTTP_REQUESTS=65336",
        { current: config.maxConcurrentFetches },
      );
    }
    const secret = internalSecretOf(config);
    const app = createGatewayApp({
      config,
      db,
      bus,
      upstreams: {
        api: { name: "api", url: config.upstreams.api, secret, timeoutMs: config.upstreamTimeoutMs },
        web: { name: "web-sm", url: config.upstreams.web, secret, timeoutMs: config.upstreamTimeoutMs },
        tui: { name: "tui-sm", url: config.upstreams.tui, secret, timeoutMs: config.upstreamTimeoutMs },
      },
    });
    return { app };
  },
  started: (config, { db }) => announceSetupLink(config, db),
});

if (import.meta.main) runMain("auth-gw", start);

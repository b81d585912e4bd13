import type { EventBus } from "../bus/event-bus.ts";
import type { Config } from "../config.ts";
import { internalSecretOf } from "../internal-secret.ts";
import type { LiveHub } from "../live/hub.ts";
import { startLive } from "../live/session-manager.ts";
import { createStreamLimits, type StreamLimits } from "../live/stream-limits.ts";
import type { StreamRegistry } from "../live/stream-registry.ts";
import { trackOpenStreams } from "../metrics/metrics.ts";
import { type App, createApp } from "./app.ts";
import { type Upstream, upstreamAlive } from "./proxy.ts";
import type { Route } from "./router.ts";
import { defineService } from "./service.ts";

export interface SessionManagerDeps {
  config: Config;
  bus: EventBus;
  api: Upstream;
  /** Shared by the session managers of one process; each makes its own otherwise. */
  limits?: StreamLimits;
}

/**
 * What both session managers are: a live hub and its streams on the bus, behind the gateway (the
 * internal secret), routes that read through the API as the caller, ready when the bus and the API
 * answer.
 */
export function defineSessionManager(spec: {
  name: "web-sm" | "tui-sm";
  port(config: Config): number;
  /** The largest request body the service takes; its routes still read each body within their own limit. */
  maxBodyBytes?(config: Config): number;
  routes(deps: SessionManagerDeps & { hub: LiveHub; streams: StreamRegistry; limits: StreamLimits }): Route[];
}) {
  async function create(deps: SessionManagerDeps) {
    const started = await startLive(deps.bus, undefined, spec.name);
    const untrack = trackOpenStreams(spec.name, () => started.streams.size);
    const live = {
      ...started,
      close: async () => {
        untrack();
        await started.close();
      },
    };
    const limits = deps.limits ?? createStreamLimits(deps.config.streamLimits);
    const app: App = createApp({
      name: spec.name,
      routes: spec.routes({ ...deps, hub: live.hub, streams: live.streams, limits }),
      ready: { bus: deps.bus.ping, api: upstreamAlive(deps.api) },
      internalSecret: internalSecretOf(deps.config),
    });
    return { app, live };
  }
  const service = defineService({
    name: spec.name,
    needs: { bus: true },
    port: spec.port,
    maxBodyBytes: (config) => spec.maxBodyBytes?.(config) ?? config.limits.maxBodyBytes,
    build: async (config, { bus }) => {
      const api = { name: "api", url: config.upstreams.api, secret: internalSecretOf(config) };
      const { app, live } = await create({ config, bus, api });
      // The streams end first, so the graceful stop is not held up by them.
      return { app, close: live.close };
    },
  });
  return { create, ...service };
}

import type { EventBus } from "../../lib/bus/event-bus.ts";
import type { Config } from "../../lib/config.ts";
import { type App, createApp } from "../../lib/http/app.ts";
import { type Upstream, upstreamAlive } from "../../lib/http/proxy.ts";
import { startLive } from "../../lib/live/session-manager.ts";
import { defineService, runMain } from "../../lib/runtime.ts";
import { webRoutes } from "./routes.ts";

/** The web session manager: HTML pages, the fragments htmx swaps, and one SSE stream per browser tab. */
export async function createWebService(deps: { config: Config; bus: EventBus; api: Upstream }) {
  const live = await startLive(deps.bus);
  const app: App = createApp({
    name: "web-sm",
    routes: webRoutes({ ...deps, hub: live.hub, streams: live.streams }),
    ready: { bus: deps.bus.ping, api: upstreamAlive(deps.api) },
  });
  return { app, live };
}

export const { start, stop } = defineService({
  name: "web-sm",
  needs: { bus: true },
  port: (config) => config.ports.web,
  maxBodyBytes: (config) => config.limits.maxBodyBytes,
  build: async (config, { bus }) => {
    const { app, live } = await createWebService({
      config,
      bus,
      api: { name: "api", url: config.upstreams.api },
    });
    // The streams end first, so the graceful stop is not held up by them.
    return { app, close: live.close };
  },
});

if (import.meta.main) runMain("web-sm", start);

import type { EventBus } from "../../lib/bus/event-bus.ts";
import type { Config } from "../../lib/config.ts";
import { type App, createApp } from "../../lib/http/app.ts";
import { type Upstream, upstreamAlive } from "../../lib/http/proxy.ts";
import { startLive } from "../../lib/live/session-manager.ts";
import { defineService, runMain } from "../../lib/runtime.ts";
import { tuiRoutes } from "./routes.ts";

/** The TUI session manager: JSON SSE streams for terminal clients, typing straight onto the bus. */
export async function createTuiService(deps: { config: Config; bus: EventBus; api: Upstream }) {
  const live = await startLive(deps.bus);
  const app: App = createApp({
    name: "tui-sm",
    routes: tuiRoutes({ ...deps, hub: live.hub, streams: live.streams }),
    ready: { bus: deps.bus.ping, api: upstreamAlive(deps.api) },
  });
  return { app, live };
}

export const { start, stop } = defineService({
  name: "tui-sm",
  needs: { bus: true },
  port: (config) => config.ports.tui,
  maxBodyBytes: (config) => config.limits.maxBodyBytes,
  build: async (config, { bus }) => {
    const { app, live } = await createTuiService({
      config,
      bus,
      api: { name: "api", url: config.upstreams.api },
    });
    // The streams end first, so the graceful stop is not held up by them.
    return { app, close: live.close };
  },
});

if (import.meta.main) runMain("tui-sm", start);

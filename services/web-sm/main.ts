import type { EventBus } from "../../lib/bus/event-bus.ts";
import type { Config } from "../../lib/config.ts";
import { type App, createApp } from "../../lib/http/app.ts";
import { listen } from "../../lib/http/listen.ts";
import { type Upstream, upstreamAlive } from "../../lib/http/proxy.ts";
import { startLive } from "../../lib/live/session-manager.ts";
import { openResources, type Running, runMain } from "../../lib/runtime.ts";
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

let running: Running | undefined;

export async function start(config: Config): Promise<Running> {
  const resources = await openResources(config, { bus: true }, "web-sm");
  const bus = resources.bus as NonNullable<typeof resources.bus>;
  const { app, live } = await createWebService({
    config,
    bus,
    api: { name: "api", url: config.upstreams.api },
  });
  const listening = listen(app, {
    host: config.host,
    port: config.ports.web,
    maxRequestBodySize: config.limits.maxBodyBytes,
  });
  running = {
    url: listening.url,
    async stop() {
      await live.close();
      await listening.stop(config.shutdownGraceMs);
      await resources.close();
    },
  };
  return running;
}

export async function stop() {
  await running?.stop();
  running = undefined;
}

if (import.meta.main) runMain("web-sm", start);

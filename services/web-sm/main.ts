import type { Config } from "../../lib/config.ts";
import { type App, createApp } from "../../lib/http/app.ts";
import { listen } from "../../lib/http/listen.ts";
import { upstreamAlive } from "../../lib/http/proxy.ts";
import { openResources, type Running, runMain } from "../../lib/runtime.ts";
import { type WebDeps, webRoutes } from "./routes.ts";

/** The web session manager: HTML pages and one SSE stream per browser tab. */
export function createWebApp(deps: WebDeps): App {
  return createApp({
    name: "web-sm",
    routes: webRoutes(deps),
    ready: { bus: deps.bus.ping, api: upstreamAlive(deps.api) },
  });
}

let running: Running | undefined;

export async function start(config: Config): Promise<Running> {
  const resources = await openResources(config, { bus: true }, "web-sm");
  const bus = resources.bus as NonNullable<typeof resources.bus>;
  const app = createWebApp({ config, bus, api: { name: "api", url: config.upstreams.api } });
  const listening = listen(app, {
    host: config.host,
    port: config.ports.web,
    maxRequestBodySize: config.limits.maxBodyBytes,
  });
  running = {
    url: listening.url,
    async stop() {
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

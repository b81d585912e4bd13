import type { Config } from "../../lib/config.ts";
import { type App, createApp } from "../../lib/http/app.ts";
import { listen } from "../../lib/http/listen.ts";
import { openResources, type Running, runMain } from "../../lib/runtime.ts";
import { type ApiDeps, apiRoutes } from "./routes.ts";

/** The API service: stateless REST over Postgres, the only writer of chat data. */
export function createApiApp(deps: ApiDeps): App {
  return createApp({
    name: "api",
    routes: apiRoutes(deps),
    ready: { database: deps.db.ping, bus: deps.bus.ping, storage: deps.store.ping },
  });
}

let running: Running | undefined;

export async function start(config: Config): Promise<Running> {
  const resources = await openResources(config, { db: true, bus: true, store: true }, "api");
  const { db, bus, store } = resources as Required<typeof resources>;
  const app = createApiApp({ config, db, bus, store });
  const listening = listen(app, {
    host: config.host,
    port: config.ports.api,
    maxRequestBodySize: config.limits.maxUploadBytes + 1024 * 1024,
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

if (import.meta.main) runMain("api", start);

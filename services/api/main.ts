import { startUploadSweeper } from "../../lib/attachments/sweep.ts";
import { type App, createApp } from "../../lib/http/app.ts";
import { defineService } from "../../lib/http/service.ts";
import { internalSecretOf } from "../../lib/internal-secret.ts";
import { runMain } from "../../lib/runtime.ts";
import { type ApiDeps, apiRoutes } from "./routes.ts";

/** The API service: stateless REST over Postgres, the only writer of chat data. */
export function createApiApp(deps: ApiDeps): App {
  return createApp({
    name: "api",
    routes: apiRoutes(deps),
    internalSecret: internalSecretOf(deps.config),
    ready: { database: deps.db.ping, bus: deps.bus.ping, storage: deps.store.ping },
  });
}

export const { start, stop } = defineService({
  name: "api",
  needs: { db: true, bus: true, store: true },
  port: (config) => config.ports.api,
  maxBodyBytes: (config) => config.limits.maxUploadBytes + 1024 * 1024,
  build: async (config, { db, bus, store }) => ({
    app: createApiApp({ config, db, bus, store }),
    close: startUploadSweeper(db.db, store),
  }),
});

if (import.meta.main) runMain("api", start);

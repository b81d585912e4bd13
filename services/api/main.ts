import { startUploadSweeper } from "../../lib/attachments/sweep.ts";
import { type App, createApp } from "../../lib/http/app.ts";
import { defineService } from "../../lib/http/service.ts";
import { internalSecretOf } from "../../lib/internal-secret.ts";
import { createOutbound } from "../../lib/outbound/fetch.ts";
import { runMain } from "../../lib/runtime.ts";
import { startUnfurls } from "../../lib/unfurls/queue.ts";
import type { ApiInputs } from "./deps.ts";
import { type ApiDeps, apiRoutes } from "./routes.ts";

/** The API service: stateless REST over Postgres, the only writer of chat data. */
/** The API app, and a way to wait for the work it does after answering (link previews). */
export type ApiApp = App & { idle(): Promise<void> };

export function createApiApp(inputs: ApiInputs): ApiApp {
  const outbound = inputs.outbound ?? createOutbound({ allow: inputs.config.outboundAllow });
  const deps: ApiDeps = {
    ...inputs,
    outbound,
    unfurls: startUnfurls({ ...inputs, db: inputs.db.db, outbound }),
  };
  const app = createApp({
    name: "api",
    routes: apiRoutes(deps),
    internalSecret: internalSecretOf(deps.config),
    ready: { database: deps.db.ping, bus: deps.bus.ping, storage: deps.store.ping },
  });
  return Object.assign(app, { idle: deps.unfurls.idle });
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

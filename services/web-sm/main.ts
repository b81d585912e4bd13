import { defineSessionManager } from "../../lib/http/session-manager.ts";
import { runMain } from "../../lib/runtime.ts";
import { webRoutes } from "./routes.ts";

/** The web session manager: HTML pages, the fragments htmx swaps, and one SSE stream per browser tab. */
export const {
  create: createWebService,
  start,
  stop,
} = defineSessionManager({ name: "web-sm", port: (config) => config.ports.web, routes: webRoutes });

if (import.meta.main) runMain("web-sm", start);

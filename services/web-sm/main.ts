import { defineSessionManager } from "../../lib/http/session-manager.ts";
import { runMain } from "../../lib/runtime.ts";
import { AVATAR_FORM_BYTES } from "../../lib/users/avatar-size.ts";
import { webRoutes } from "./routes.ts";

/** The web session manager: HTML pages, the fragments htmx swaps, and one SSE stream per browser tab. */
export const {
  create: createWebService,
  start,
  stop,
} = defineSessionManager({
  name: "web-sm",
  port: (config) => config.ports.web,
  // The settings page's avatar form posts the picture here (read within its own limit there).
  maxBodyBytes: (config) => Math.max(config.limits.maxBodyBytes, AVATAR_FORM_BYTES),
  routes: webRoutes,
});

if (import.meta.main) runMain("web-sm", start);

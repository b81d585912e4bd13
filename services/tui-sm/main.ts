import { defineSessionManager } from "../../lib/http/session-manager.ts";
import { runMain } from "../../lib/runtime.ts";
import { tuiRoutes } from "./routes.ts";

/** The TUI session manager: JSON SSE streams for terminal clients, typing straight onto the bus. */
export const {
  create: createTuiService,
  start,
  stop,
} = defineSessionManager({ name: "tui-sm", port: (config) => config.ports.tui, routes: tuiRoutes });

if (import.meta.main) runMain("tui-sm", start);

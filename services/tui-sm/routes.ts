import type { EventBus } from "../../lib/bus/event-bus.ts";
import type { Config } from "../../lib/config.ts";
import type { Upstream } from "../../lib/http/proxy.ts";
import { route } from "../../lib/http/router.ts";

export interface TuiDeps {
  config: Config;
  bus: EventBus;
  api: Upstream;
}

/** Every route of the TUI session manager. */
export function tuiRoutes(_deps: TuiDeps) {
  return [route("GET", "/tui/healthz", () => Response.json({ ok: true, service: "tui-sm" }))];
}

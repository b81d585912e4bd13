import type { EventBus } from "../../lib/bus/event-bus.ts";
import type { Config } from "../../lib/config.ts";
import type { Database } from "../../lib/db/client.ts";
import type { Upstream } from "../../lib/http/proxy.ts";

/** What the gateway is built from. It publishes only what its own writes cause (an invite used). */
export interface GatewayDeps {
  config: Config;
  db: Database;
  bus: EventBus;
  upstreams: { api: Upstream; web: Upstream; tui: Upstream };
}

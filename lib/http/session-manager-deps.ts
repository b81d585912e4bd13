import type { EventBus } from "../bus/event-bus.ts";
import type { Config } from "../config.ts";
import type { LiveHub } from "../live/hub.ts";
import type { StreamLimits } from "../live/stream-limits.ts";
import type { StreamRegistry } from "../live/stream-registry.ts";
import type { Upstream } from "./proxy.ts";

/** What a session manager's routes are given, web and terminal alike. */
export interface SessionManagerDeps {
  config: Config;
  bus: EventBus;
  /** The API, reached as an internal hop with the caller's identity. */
  api: Upstream;
  hub: LiveHub;
  streams: StreamRegistry;
  limits: StreamLimits;
}

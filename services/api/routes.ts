import type { EventBus } from "../../lib/bus/event-bus.ts";
import type { Config } from "../../lib/config.ts";
import type { Database } from "../../lib/db/client.ts";
import { route } from "../../lib/http/router.ts";
import type { ObjectStore } from "../../lib/storage/object-store.ts";

export interface ApiDeps {
  config: Config;
  db: Database;
  bus: EventBus;
  store: ObjectStore;
}

/** Every route of the API service. */
export function apiRoutes(_deps: ApiDeps) {
  return [route("GET", "/api/healthz", () => Response.json({ ok: true, service: "api" }))];
}

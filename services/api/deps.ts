import type { EventBus } from "../../lib/bus/event-bus.ts";
import type { Config } from "../../lib/config.ts";
import type { Database } from "../../lib/db/client.ts";
import type { ObjectStore } from "../../lib/storage/object-store.ts";

/** What the API service is built from. */
export interface ApiDeps {
  config: Config;
  db: Database;
  bus: EventBus;
  store: ObjectStore;
}

import type { EventBus } from "../../lib/bus/event-bus.ts";
import type { Config } from "../../lib/config.ts";
import type { Database } from "../../lib/db/client.ts";
import type { NewestPages } from "../../lib/messages/newest-pages.ts";
import type { Outbound } from "../../lib/outbound/fetch.ts";
import type { Scheduler } from "../../lib/schedule/scheduler.ts";
import type { ObjectStore } from "../../lib/storage/object-store.ts";
import type { Unfurls } from "../../lib/unfurls/queue.ts";

/** What the API service is built from. */
export interface ApiDeps {
  config: Config;
  db: Database;
  bus: EventBus;
  store: ObjectStore;
  /** The safe way out to other servers (link previews, remote icons). */
  outbound: Outbound;
  unfurls: Unfurls;
  /** Wakes this instance's job poller when a reminder or scheduled message is made (none until started). */
  scheduler: Pick<Scheduler, "wake">;
  /** The newest pages of the channels read lately, answered again while unchanged. */
  newestPages: NewestPages;
}

/** What the API is started with; the outbound fetcher defaults to the configured one. */
export type ApiInputs = Omit<ApiDeps, "outbound" | "unfurls" | "scheduler" | "newestPages"> & {
  outbound?: Outbound;
};

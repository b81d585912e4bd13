import { startUploadSweeper } from "../../lib/attachments/sweep.ts";
import { type App, createApp } from "../../lib/http/app.ts";
import { defineService } from "../../lib/http/service.ts";
import { startOutboxWorker } from "../../lib/integrations/outbox-worker.ts";
import { internalSecretOf } from "../../lib/internal-secret.ts";
import { NewestPages } from "../../lib/messages/newest-pages.ts";
import { createOutbound } from "../../lib/outbound/fetch.ts";
import { outgoingWebhookCalls } from "../../lib/outgoing-webhooks/calls.ts";
import { runMain } from "../../lib/runtime.ts";
import { type Scheduler, startScheduler } from "../../lib/schedule/scheduler.ts";
import { subscriptionCalls } from "../../lib/subscriptions/calls.ts";
import { startUnfurls } from "../../lib/unfurls/queue.ts";
import type { ApiInputs } from "./deps.ts";
import { type ApiDeps, apiRoutes } from "./routes.ts";

/** The API service: stateless REST over Postgres, the only writer of chat data. */
/**
 * The API app, a way to wait for the work it does after answering (link previews, calls to
 * integrations) and to stop that work, and its job poller (reminders, scheduled messages), started
 * by whoever runs the service; answers its stop.
 */
export type ApiApp = App & {
  idle(): Promise<void>;
  stopWork(): Promise<void>;
  startScheduler(): () => Promise<void>;
};

export function createApiApp(inputs: ApiInputs): ApiApp {
  const outbound = inputs.outbound ?? createOutbound({ allow: inputs.config.outboundAllow });
  let scheduler: Scheduler | undefined;
  const deps: ApiDeps = {
    ...inputs,
    outbound,
    unfurls: startUnfurls({ ...inputs, db: inputs.db.db, outbound }),
    scheduler: { wake: (dueAt) => scheduler?.wake(dueAt) },
    newestPages: new NewestPages(),
  };
  const app = createApp({
    name: "api",
    routes: apiRoutes(deps),
    internalSecret: internalSecretOf(deps.config),
    ready: { database: deps.db.ping, bus: deps.bus.ping, storage: deps.store.ping },
  });
  const outbox = startOutboxWorker(
    { db: deps.db.db, bus: deps.bus, outbound, store: deps.store, config: deps.config },
    [outgoingWebhookCalls, subscriptionCalls],
  );
  return Object.assign(app, {
    idle: async () => {
      await deps.unfurls.idle();
      await outbox.idle();
    },
    stopWork: outbox.stop,
    startScheduler() {
      const started = startScheduler({
        db: inputs.db.db,
        bus: inputs.bus,
        pollMs: inputs.config.schedulerPollMs,
        posted: (message) => deps.unfurls.queue(message),
      });
      scheduler = started;
      return async () => {
        scheduler = undefined;
        await started.stop();
      };
    },
  });
}

export const { start, stop } = defineService({
  name: "api",
  needs: { db: true, bus: true, store: true },
  port: (config) => config.ports.api,
  maxBodyBytes: (config) => config.limits.maxUploadBytes + 1024 * 1024,
  build: async (config, { db, bus, store }) => {
    const app = createApiApp({ config, db, bus, store });
    const stopSweeper = startUploadSweeper(db.db, store);
    const stopScheduler = app.startScheduler();
    return {
      app,
      async close() {
        await stopScheduler();
        await app.stopWork();
        await stopSweeper();
      },
    };
  },
});

if (import.meta.main) runMain("api", start);

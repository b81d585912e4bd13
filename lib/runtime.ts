import type { EventBus } from "./bus/event-bus.ts";
import { openBus } from "./bus/open-bus.ts";
import { type Config, loadConfig } from "./config.ts";
import { type Database, openDatabase } from "./db/client.ts";
import { configureLog, log } from "./log.ts";
import { StartupError } from "./startup-error.ts";
import type { ObjectStore } from "./storage/object-store.ts";
import { openStore } from "./storage/open-store.ts";

/** The shared resources a service uses; `close()` releases what was opened. */
export interface Resources {
  db?: Database;
  bus?: EventBus;
  store?: ObjectStore;
  close(): Promise<void>;
}

/**
 * Opens what a service needs, in order, and closes what was already open if a later one fails, so
 * a failed start leaves nothing half-open (and no data-dir lock behind).
 */
export async function openResources(
  config: Config,
  needs: { db?: boolean; bus?: boolean; store?: boolean },
  name: string,
  // The admin CLI opens a database without migrating it: `admin migrate` and `doctor` are how.
  options: { migrate?: boolean } = {},
): Promise<Resources> {
  const opened: Resources = {
    async close() {
      await opened.bus?.close().catch((err) => log.warn("closing the bus failed", { error: String(err) }));
      await opened.store?.close().catch(() => {});
      await opened.db
        ?.close()
        .catch((err) => log.warn("closing the database failed", { error: String(err) }));
    },
  };
  try {
    // Remote dependencies first: if one is unreachable, nothing has been written locally yet.
    if (needs.bus) opened.bus = await openBus(config.bus, name);
    if (needs.store) opened.store = await openStore(config.storage);
    if (needs.db) opened.db = await openDatabase(config.database, { migrate: options.migrate ?? true });
  } catch (err) {
    await opened.close();
    throw err;
  }
  return opened;
}

export interface Running {
  url: string;
  /** Where this process serves Prometheus metrics, or null when it does not. */
  metricsUrl?: string | null;
  stop(): Promise<void>;
}

/**
 * Runs a service as its own process: config parsed once, one line and exit code 1 for anything
 * that stops start-up, graceful stop on SIGTERM/SIGINT.
 */
export function runMain(name: string, start: (config: Config) => Promise<Running>) {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    return exitWith(err);
  }
  configureLog({ level: config.logLevel, service: name, format: config.logFormat });
  start(config).then((running) => {
    log.info("listening", { url: running.url });
    let stopping = false;
    const stop = () => {
      if (stopping) return;
      stopping = true;
      running.stop().then(
        () => process.exit(0),
        (err) => {
          log.error("stop failed", { error: String(err) });
          process.exit(1);
        },
      );
    };
    process.on("SIGTERM", stop);
    process.on("SIGINT", stop);
  }, exitWith);
}

/** Prints one line (no stack trace) and exits 1. */
export function exitWith(err: unknown): never {
  const message =
    err instanceof StartupError ? err.message : `failed to start: ${(err as Error)?.message ?? err}`;
  process.stderr.write(`ajet-chat: ${message.split("\n")[0]}\n`);
  if (!(err instanceof StartupError)) log.debug("start failure", { stack: (err as Error)?.stack });
  process.exit(1);
}

import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

/**
 * The process's one registry: every service in the process (all four in the embedded server)
 * records here, told apart by the `service` label where one process can hold several. Labels take
 * only bounded values — route templates, status codes, fixed words — never ids or paths.
 */
export const registry = new Registry();

// Event-loop delay, memory, CPU, open files: prom-client's process metrics, measured working on Bun.
collectDefaultMetrics({ register: registry });

const registers = [registry];

export const httpRequests = new Counter({
  name: "ajet_http_requests_total",
  help: "HTTP requests answered, by service, method, route template and status",
  labelNames: ["service", "method", "route", "status"] as const,
  registers,
});

export const httpDuration = new Histogram({
  name: "ajet_http_request_duration_seconds",
  help: "Time to answer a request (to its headers, for streams), by service, method and route template",
  labelNames: ["service", "method", "route"] as const,
  buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers,
});

export const eventsDelivered = new Counter({
  name: "ajet_live_events_delivered_total",
  help: "Bus events written to a live stream (one per stream that got it)",
  registers,
});

export const liveFanOut = new Histogram({
  name: "ajet_live_fanout_seconds",
  help: "From a stored event reaching a session manager to its write into the last stream it goes to (events that reach at least one), by service",
  labelNames: ["service"] as const,
  buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers,
});

export const eventsDropped = new Counter({
  name: "ajet_live_events_dropped_total",
  help: "Bus events a live stream did not get because it had closed; reason resync counts resumes whose gap could not be replayed",
  labelNames: ["reason"] as const,
  registers,
});

export const busPublished = new Counter({
  name: "ajet_bus_published_total",
  help: "Events published on the bus, by subject kind (events, dm, notifications, typing, presence)",
  labelNames: ["kind"] as const,
  registers,
});

export const busPublishFailures = new Counter({
  name: "ajet_bus_publish_failures_total",
  help: "Committed changes whose event could not be published (clients recover by resync)",
  registers,
});

export const busConsumed = new Counter({
  name: "ajet_bus_consumed_total",
  help: "Events this process received from the bus, by subject kind",
  labelNames: ["kind"] as const,
  registers,
});

export const newestPagesAnswered = new Counter({
  name: "ajet_history_newest_pages_total",
  help: "Newest pages of a channel's history answered, held (the channel unchanged since it was read) or read",
  labelNames: ["from"] as const,
  registers,
});

export const queryDuration = new Histogram({
  name: "ajet_db_query_duration_seconds",
  help: "Time of one SQL statement outside transactions, and of a whole transaction",
  labelNames: ["kind"] as const,
  buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
  registers,
});

export const webhookDeliveries = new Counter({
  name: "ajet_webhook_deliveries_total",
  help: "Incoming webhook posts, by the answer they got (ok, rate_limited, no_service, …)",
  labelNames: ["outcome"] as const,
  registers,
});

export const scheduledDeliveries = new Counter({
  name: "ajet_scheduled_deliveries_total",
  help: "Reminders and scheduled messages this instance delivered, by outcome (sent, failed: refused at send time, retry: an error left it for another try)",
  labelNames: ["kind", "outcome"] as const,
  registers,
});

export const rateLimitRefusals = new Counter({
  name: "ajet_rate_limit_refusals_total",
  help: "Requests refused by a rate limit, by bucket (general, auth, webhook, device_poll)",
  labelNames: ["bucket"] as const,
  registers,
});

export const signInFailures = new Counter({
  name: "ajet_signin_failures_total",
  help: "Credentials presented that did not authenticate, and sign-ins that failed, by where",
  labelNames: ["via"] as const,
  registers,
});

/**
 * A gauge read at scrape time from whatever registered a source: several hubs or pools can live in
 * one process (the embedded server, tests), so sources with the same label are summed.
 */
function sourcedGauge(name: string, help: string, labelName: string) {
  const sources = new Set<{ label: string; read: () => number }>();
  new Gauge({
    name,
    help,
    labelNames: [labelName],
    registers,
    collect() {
      this.reset();
      for (const { label, read } of sources) this.inc({ [labelName]: label }, read());
    },
  });
  /** Adds a source; the returned function removes it (when its owner closes). */
  return (label: string, read: () => number) => {
    const source = { label, read };
    sources.add(source);
    return () => sources.delete(source);
  };
}

export const trackOpenStreams = sourcedGauge(
  "ajet_live_streams",
  "Live streams (SSE) open in this process, by session manager",
  "service",
);
export const trackPoolInUse = sourcedGauge(
  "ajet_db_pool_in_use",
  "Database connections busy with a statement or a transaction",
  "kind",
);
export const trackPoolWaiting = sourcedGauge(
  "ajet_db_pool_waiting",
  "Statements and transactions waiting for a free database connection",
  "kind",
);
export const trackPoolSize = sourcedGauge(
  "ajet_db_pool_size",
  "Largest number of database connections",
  "kind",
);

/**
 * The bus position this process has received up to, against the bus head, read at scrape time;
 * async because NATS answers the head over the network.
 */
const lagSources = new Set<() => Promise<number>>();
new Gauge({
  name: "ajet_bus_consumer_lag_events",
  help: "Persisted events on the bus not yet received by this process's subscriptions",
  registers,
  async collect() {
    const lags = await Promise.all([...lagSources].map((read) => read().catch(() => 0)));
    this.set(lags.length === 0 ? 0 : Math.max(...lags));
  },
});
export function trackBusLag(read: () => Promise<number>) {
  lagSources.add(read);
  return () => lagSources.delete(read);
}

/**
 * The embedded database's thread, read at scrape time: the seconds it spent running statements, and
 * the seconds transactions held it (mostly idle, waiting for the main thread's next statement). Busy
 * near one second per second is the embedded server's ceiling: PGlite runs one statement at a time.
 */
const dbThreadSources = new Set<() => Promise<{ busyMs: number; heldMs: number }>>();
for (const [name, help, field] of [
  [
    "ajet_embedded_db_busy_seconds_total",
    "Seconds the embedded database thread spent running statements",
    "busyMs",
  ],
  [
    "ajet_embedded_db_held_seconds_total",
    "Seconds transactions held the embedded database (nothing else runs meanwhile)",
    "heldMs",
  ],
] as const) {
  new Counter({
    name,
    help,
    registers,
    async collect() {
      const read = await Promise.all([...dbThreadSources].map((r) => r().catch(() => null)));
      this.reset();
      this.inc(read.reduce((n, s) => n + (s?.[field] ?? 0), 0) / 1000);
    },
  });
}
export function trackDbThread(read: () => Promise<{ busyMs: number; heldMs: number }>) {
  dbThreadSources.add(read);
  return () => dbThreadSources.delete(read);
}

/** The part of a subject that says what kind of event it is: `chat.events.<id>` → `events`. */
export const subjectKind = (subject: string) => subject.split(".")[1] ?? "other";

import type { BusMessage, EventBus } from "../bus/event-bus.ts";
import type { Config } from "../config.ts";
import type { Db } from "../db/client.ts";
import { inBackground, log } from "../log.ts";
import type { IntegrationResult } from "../outbound/call-integration.ts";
import type { Outbound } from "../outbound/fetch.ts";
import type { ObjectStore } from "../storage/object-store.ts";
import { recordDelivery } from "./delivery-log.ts";
import { eventIdOf } from "./event-id.ts";
import {
  claimDue,
  dropCall,
  enqueueCalls,
  markDelivered,
  markFailed,
  type NewCall,
  type OutboxKind,
  type OutboxRow,
  sweepOutbox,
} from "./outbox.ts";

export interface OutboxDeps {
  db: Db;
  bus: EventBus;
  outbound: Outbound;
  store: ObjectStore;
  config: Config;
}

/** What the outbox needs of one kind of integration. */
export interface OutboxHandler {
  kind: OutboxKind;
  /**
   * The calls one community event asks for (only to integrations that may see it). `eventId` names
   * the event for receivers; it hashes the whole event, so it is made only when a call needs it.
   */
  callsFor(db: Db, message: BusMessage, eventId: () => string): Promise<NewCall[]>;
  /**
   * Makes one call; null when its integration is gone (the call is dropped). `request` is the body
   * sent, for the delivery log; `timeoutMs` fits the call inside its lease.
   */
  deliver(
    deps: OutboxDeps,
    row: OutboxRow,
    timeoutMs: number,
  ): Promise<{ request: string; result: IntegrationResult } | null>;
}

export interface OutboxWorker {
  /** Resolves once the events seen so far are queued and every due call has been tried (tests). */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

const BATCH = 20;
const SWEEP_EVERY_MS = 10 * 60 * 1000;

/**
 * Each api instance's share of calling integrations: it queues the calls each community event asks
 * for (every instance sees every event; the table keeps one row per call), and, every poll interval
 * or at once after queueing, claims due calls with a lease and makes them. Outcomes go to the
 * delivery log; a failure is retried with backoff until the dead letters.
 */
export function startOutboxWorker(deps: OutboxDeps, handlers: readonly OutboxHandler[]): OutboxWorker {
  const { db, config } = deps;
  const workerId = Bun.randomUUIDv7();
  const byKind = new Map(handlers.map((h) => [h.kind, h]));
  // A call must end before its lease does, or a second instance could make it too.
  const timeoutMs = Math.max(50, Math.min(10_000, Math.floor(config.outbox.leaseMs / 2)));
  const pending = new Set<Promise<unknown>>();
  let stopped = false;
  let running: Promise<void> | null = null;
  let again = false;
  let lastSweep = 0;
  let failing = false;

  const track = <T>(p: Promise<T>) => {
    pending.add(p);
    p.finally(() => pending.delete(p)).catch(() => {});
    return p;
  };

  function onEvent(m: BusMessage) {
    if (stopped || m.seq === undefined) return;
    inBackground("api", () => queueCallsFor(m));
  }

  function queueCallsFor(m: BusMessage) {
    let id: string | undefined;
    const eventId = () => {
      id ??= eventIdOf(m.subject, m.event);
      return id;
    };
    track(
      Promise.all(handlers.map((h) => h.callsFor(db, m, eventId)))
        .then((calls) => enqueueCalls(db, calls.flat()))
        .then((queued) => {
          if (queued > 0) kick();
        })
        .catch((err: unknown) =>
          log.warn("queueing integration calls failed", { type: m.event.type, error: String(err) }),
        ),
    );
  }

  function kick() {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = track(inBackground("api", drain)).finally(() => {
      running = null;
      if (again) {
        again = false;
        kick();
      }
    });
  }

  async function drain() {
    try {
      if (Date.now() - lastSweep > SWEEP_EVERY_MS) {
        lastSweep = Date.now();
        await sweepOutbox(db);
      }
      for (;;) {
        if (stopped) return;
        const rows = await claimDue(db, workerId, config.outbox.leaseMs, BATCH);
        failing = false;
        await Promise.all(rows.map(attempt));
        if (rows.length < BATCH) return;
      }
    } catch (err) {
      // Once per outage, not once per poll: the database being away is one event.
      if (!stopped && !failing) log.warn("integration outbox poll failed", { error: String(err) });
      failing = true;
    }
  }

  async function attempt(row: OutboxRow) {
    const handler = byKind.get(row.kind as OutboxKind);
    const made = handler ? await handler.deliver(deps, row, timeoutMs) : null;
    // A stopped instance leaves the outcome unwritten; its lease lapses and another makes the call
    // again (at least once).
    if (stopped) return;
    if (!made) return dropCall(db, row);
    const { request, result } = made;
    await recordDelivery(db, {
      communityId: row.communityId,
      kind: row.kind as OutboxKind,
      subjectId: row.targetId,
      request,
      result: { ...result, attempts: row.attempts + 1 },
    });
    if (result.ok) {
      await markDelivered(db, row, workerId);
      return;
    }
    const outcome = await markFailed(db, row, workerId, result.error ?? "failed", config.outbox);
    // A retry may be due before the next poll (a short backoff).
    if (outcome === "retry" && config.outbox.backoffMs * 2 ** row.attempts < config.outbox.pollMs) {
      const timer = setTimeout(kick, config.outbox.backoffMs * 2 ** row.attempts + 5);
      timer.unref?.();
    }
    if (outcome === "dead")
      log.warn("integration call dead-lettered", { kind: row.kind, target: row.targetId });
  }

  const timer = setInterval(kick, config.outbox.pollMs);
  timer.unref?.();
  const subscribed = deps.bus.subscribe("chat.events.>", onEvent);
  kick();

  return {
    async idle() {
      await subscribed;
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
    async stop() {
      stopped = true;
      clearInterval(timer);
      await subscribed;
      await deps.bus.unsubscribe("chat.events.>", onEvent);
    },
  };
}

import { hostname } from "node:os";
import { and, asc, eq, inArray, isNull, lte, or, sql } from "drizzle-orm";
import type { EventBus } from "../bus/event-bus.ts";
import { publishAll } from "../bus/publish.ts";
import type { Db } from "../db/client.ts";
import { scheduledJobs } from "../db/schema.ts";
import { inBackground, log, requestContext } from "../log.ts";
import { scheduledDeliveries } from "../metrics/metrics.ts";
import { doDeliver } from "./deliver.ts";
import { type ScheduledRow, sweepFinished } from "./jobs.ts";
import { nextDue, readRepeat } from "./when.ts";

/** How long a claim holds a job: a delivery takes milliseconds, so one lasting this long died. */
const LEASE_MS = 60_000;
/** Jobs claimed per statement; the poller claims again at once while batches come back full. */
const BATCH = 20;
/** How often an instance deletes long-finished jobs (on its first poll, then at most this often). */
const SWEEP_EVERY_MS = 10 * 60 * 1000;

/** The job poller of one API instance. */
export interface Scheduler {
  /** A job due at `dueAt` was just made: look then rather than at the next poll. */
  wake(dueAt: Date): void;
  /** Stops polling and waits for the deliveries under way. */
  stop(): Promise<void>;
}

/**
 * Polls `scheduled_jobs` for due rows and delivers them, exactly once however many API instances
 * poll the same database: a row is claimed with `for update skip locked` and a lease, delivered
 * with its occurrence's dedupe key (lib/schedule/deliver.ts), and then finished only by the claim
 * that holds it. The next poll is at `pollMs` or when the soonest waiting job is due, whichever
 * comes first (read on the database's clock, which every instance shares).
 */
export function startScheduler(deps: {
  db: Db;
  bus: EventBus;
  pollMs: number;
  /** Called with each message a job posted (link previews). */
  posted?: (message: { id: string; bodyMd: string }) => void;
}): Scheduler {
  const { db, bus, pollMs } = deps;
  const me = `${hostname()}:${process.pid}:${Bun.randomUUIDv7().slice(-8)}`;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let plannedAt = Number.POSITIVE_INFINITY;
  let running: Promise<void> | null = null;
  let rerun = false;
  let stopped = false;
  let sweptAt = Number.NEGATIVE_INFINITY;

  const plan = (ms: number) => {
    if (stopped) return;
    clearTimeout(timer);
    plannedAt = Date.now() + ms;
    // Woken while serving a request, the timer would otherwise carry that request's trace id.
    timer = requestContext.exit(() => setTimeout(run, ms));
  };

  function run() {
    if (running) {
      rerun = true;
      return;
    }
    plannedAt = Number.POSITIVE_INFINITY;
    running = inBackground("api", tick)
      .catch((err) => {
        log.warn("scheduled jobs poll failed", { error: String(err) });
        return pollMs;
      })
      .then((nextMs) => {
        running = null;
        plan(rerun ? 0 : nextMs);
        rerun = false;
      });
  }

  /** Claims and delivers what is due; answers how long until the next look. */
  async function tick(): Promise<number> {
    for (;;) {
      const claimed = await claim();
      for (const job of claimed) {
        if (stopped) return pollMs;
        // Each delivery has a trace id of its own: its log lines and events carry it.
        await inBackground("api", () => deliverOne(job));
      }
      if (claimed.length < BATCH || stopped) break;
    }
    // After the deliveries, which must not wait for it; a failure waits for the next sweep.
    if (Date.now() - sweptAt >= SWEEP_EVERY_MS) {
      sweptAt = Date.now();
      await sweepFinished(db).catch((err) =>
        log.warn("sweeping finished jobs failed", { error: String(err) }),
      );
    }
    const [soonest] = await db
      .select({
        ms: sql<number | null>`(extract(epoch from (min(${scheduledJobs.dueAt}) - now())) * 1000)::float8`,
      })
      .from(scheduledJobs)
      .where(
        and(
          isNull(scheduledJobs.doneAt),
          or(isNull(scheduledJobs.leaseUntil), lte(scheduledJobs.leaseUntil, sql`now()`)),
        ),
      );
    const ms = soonest?.ms === null || soonest?.ms === undefined ? pollMs : Number(soonest.ms);
    return Math.max(0, Math.min(pollMs, Math.ceil(ms)));
  }

  function claim(): Promise<ScheduledRow[]> {
    const due = db
      .select({ id: scheduledJobs.id })
      .from(scheduledJobs)
      .where(
        and(
          isNull(scheduledJobs.doneAt),
          lte(scheduledJobs.dueAt, sql`now()`),
          or(isNull(scheduledJobs.leaseUntil), lte(scheduledJobs.leaseUntil, sql`now()`)),
        ),
      )
      .orderBy(asc(scheduledJobs.dueAt))
      .limit(BATCH)
      .for("update", { skipLocked: true });
    return db
      .update(scheduledJobs)
      .set({ leaseUntil: sql`now() + ${`${LEASE_MS} milliseconds`}::interval`, leasedBy: me })
      .where(inArray(scheduledJobs.id, due))
      .returning();
  }

  async function deliverOne(job: ScheduledRow) {
    let delivered: Awaited<ReturnType<typeof doDeliver>>;
    try {
      delivered = await doDeliver(db, job);
    } catch (err) {
      scheduledDeliveries.inc({ kind: job.kind, outcome: "retry" });
      // Left leased: tried again once the lease runs out, with the same dedupe key.
      log.warn("a scheduled job could not be delivered; it will be tried again", {
        job_id: job.id,
        error: String(err),
      });
      return;
    }
    scheduledDeliveries.inc({ kind: job.kind, outcome: delivered.ok ? "sent" : "failed" });
    if (delivered.ok) {
      await publishAll(bus, delivered.events);
      if (delivered.created && delivered.message) deps.posted?.(delivered.message);
    }
    const repeat = job.repeat ? readRepeat(job.repeat) : null;
    const next =
      delivered.ok && repeat
        ? nextDue(repeat, new Date(Math.max(Date.now(), job.dueAt.getTime())), job.timeZone)
        : null;
    // Only the claim that holds the row finishes it, and never one cancelled meanwhile.
    await db
      .update(scheduledJobs)
      .set({
        leaseUntil: null,
        leasedBy: null,
        lastMessageId: delivered.ok ? (delivered.message?.id ?? null) : job.lastMessageId,
        ...(next
          ? { dueAt: next }
          : { doneAt: sql`now()`, failedReason: delivered.ok ? null : delivered.reason }),
      })
      .where(and(eq(scheduledJobs.id, job.id), eq(scheduledJobs.leasedBy, me), isNull(scheduledJobs.doneAt)));
    if (!delivered.ok) log.info("a scheduled job was not sent", { job_id: job.id, reason: delivered.reason });
  }

  plan(0);
  return {
    wake(dueAt) {
      if (stopped) return;
      const ms = Math.max(0, dueAt.getTime() - Date.now());
      if (Date.now() + ms < plannedAt) plan(ms);
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}

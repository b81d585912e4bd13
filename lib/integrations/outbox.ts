import { and, asc, desc, eq, inArray, isNotNull, isNull, lt, lte, or, sql } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { integrationOutbox, type OUTBOX_KINDS } from "../db/schema.ts";

export type OutboxRow = typeof integrationOutbox.$inferSelect;
export type OutboxKind = (typeof OUTBOX_KINDS)[number];

/** A call to make because of one event. */
export interface NewCall {
  communityId: string;
  kind: OutboxKind;
  targetId: string;
  eventId: string;
  payload: Record<string, unknown>;
}

/**
 * Queues calls. Every api instance sees each event, so each queues the same calls: the unique
 * (target, event) keeps one row, and the others' inserts do nothing. Answers how many were new.
 */
export async function enqueueCalls(db: Db, calls: NewCall[]): Promise<number> {
  if (calls.length === 0) return 0;
  const rows = await db
    .insert(integrationOutbox)
    .values(calls)
    .onConflictDoNothing({ target: [integrationOutbox.targetId, integrationOutbox.eventId] })
    .returning({ id: integrationOutbox.id });
  return rows.length;
}

/**
 * Claims up to `limit` due calls for `workerId` until `leaseMs` from now. SKIP LOCKED lets
 * instances claiming at once take different rows; an expired lease (its holder stopped) is free.
 */
export function claimDue(db: Db, workerId: string, leaseMs: number, limit: number): Promise<OutboxRow[]> {
  const o = integrationOutbox;
  const due = db
    .select({ id: o.id })
    .from(o)
    .where(
      and(
        isNull(o.deliveredAt),
        isNull(o.deadAt),
        lte(o.nextAttemptAt, sql`now()`),
        or(isNull(o.leaseUntil), lt(o.leaseUntil, sql`now()`)),
      ),
    )
    .orderBy(asc(o.nextAttemptAt))
    .limit(limit)
    .for("update", { skipLocked: true });
  return db
    .update(o)
    .set({ leaseUntil: sql`now() + ${leaseMs} * interval '1 millisecond'`, leasedBy: workerId })
    .where(inArray(o.id, due))
    .returning();
}

// Only the lease holder writes an outcome: a worker whose lease lapsed learns its call was taken.
const held = (row: OutboxRow, workerId: string) =>
  and(eq(integrationOutbox.id, row.id), eq(integrationOutbox.leasedBy, workerId));

/** Marks a claimed call done; false when the lease was lost meanwhile. */
export async function markDelivered(db: Db, row: OutboxRow, workerId: string): Promise<boolean> {
  const done = await db
    .update(integrationOutbox)
    .set({ deliveredAt: new Date(), attempts: row.attempts + 1, leaseUntil: null, lastError: null })
    .where(held(row, workerId))
    .returning({ id: integrationOutbox.id });
  return done.length > 0;
}

/**
 * Records a failed attempt: the next one after `backoffMs · 2^(attempts-1)`, or, at `maxAttempts`,
 * the call goes to the dead letters, where its owner sees it and may retry it.
 */
export async function markFailed(
  db: Db,
  row: OutboxRow,
  workerId: string,
  error: string,
  policy: { backoffMs: number; maxAttempts: number },
): Promise<"retry" | "dead" | "lost"> {
  const attempts = row.attempts + 1;
  const dead = attempts >= policy.maxAttempts;
  const delayMs = policy.backoffMs * 2 ** (attempts - 1);
  const done = await db
    .update(integrationOutbox)
    .set({
      attempts,
      lastError: error,
      leaseUntil: null,
      deadAt: dead ? new Date() : null,
      nextAttemptAt: sql`now() + ${delayMs} * interval '1 millisecond'`,
    })
    .where(held(row, workerId))
    .returning({ id: integrationOutbox.id });
  if (done.length === 0) return "lost";
  return dead ? "dead" : "retry";
}

/** Forgets a call whose integration is gone. */
export async function dropCall(db: Db, row: OutboxRow) {
  await db.delete(integrationOutbox).where(eq(integrationOutbox.id, row.id));
}

/** Days a dead letter is kept for its integration's admins to read and retry. */
const KEEP_DEAD_DAYS = 30;

/**
 * Delivered calls are kept a day: long enough that a late copy of the event is still recognised.
 * Dead letters go after KEEP_DEAD_DAYS, so an integration that stays broken does not fill the table.
 */
export async function sweepOutbox(db: Db) {
  await db
    .delete(integrationOutbox)
    .where(
      or(
        lt(integrationOutbox.deliveredAt, sql`now() - interval '1 day'`),
        lt(integrationOutbox.deadAt, sql`now() - make_interval(days => ${KEEP_DEAD_DAYS})`),
      ),
    );
}

/** One integration's dead letters, newest first. Callers check the reader may manage it. */
export function listDead(db: Db, targetId: string, limit = 100): Promise<OutboxRow[]> {
  return db
    .select()
    .from(integrationOutbox)
    .where(and(eq(integrationOutbox.targetId, targetId), isNotNull(integrationOutbox.deadAt)))
    .orderBy(desc(integrationOutbox.deadAt))
    .limit(limit);
}

/** Puts dead letters of one integration (one, or all when `id` is null) back in line, with fresh attempts. */
export async function doRetryDead(db: Db, targetId: string, id: string | null): Promise<number> {
  const rows = await db
    .update(integrationOutbox)
    .set({ deadAt: null, attempts: 0, nextAttemptAt: new Date(), leaseUntil: null, leasedBy: null })
    .where(
      and(
        eq(integrationOutbox.targetId, targetId),
        isNotNull(integrationOutbox.deadAt),
        id ? eq(integrationOutbox.id, id) : undefined,
      ),
    )
    .returning({ id: integrationOutbox.id });
  return rows.length;
}

/** A dead letter as the API and CLI show it. */
export function deadLetterView(row: OutboxRow) {
  return {
    id: row.id,
    event_id: row.eventId,
    attempts: row.attempts,
    last_error: row.lastError,
    dead_at: row.deadAt?.toISOString() ?? null,
    created_at: row.createdAt.toISOString(),
    payload: row.payload,
  };
}

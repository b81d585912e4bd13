import { and, desc, eq, isNull, sql } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { channels, scheduledJobs, users } from "../db/schema.ts";
import { conflict, invalid, notFound } from "../errors.ts";
import { type Repeat, readRepeat, repeatText, repeatWords } from "./when.ts";

export type ScheduledRow = typeof scheduledJobs.$inferSelect;

/** Jobs one person may have waiting at once, so nobody fills the table every poll reads. */
export const MAX_PENDING_PER_PERSON = 100;
/** Days a sent or cancelled job's row is kept: nothing reads it again (a failed one stays until dismissed). */
const KEEP_FINISHED_DAYS = 7;
/** How far ahead something may be scheduled. */
const MAX_AHEAD_MS = 366 * 86_400_000;

export interface NewJob {
  kind: "reminder" | "message";
  createdBy: string;
  target: { channelId: string } | { userId: string };
  bodyMd: string;
  dueAt: Date;
  repeat: Repeat | null;
  timeZone: string;
}

/**
 * Stores a reminder or a message to send later. The caller has checked the author may post at the
 * target now; delivery checks again. Throws 400 for a time already past or more than a year ahead,
 * and 409 when the person already has the most jobs waiting.
 */
export async function doScheduleJob(db: Db, job: NewJob, now = new Date()): Promise<ScheduledRow> {
  if (job.dueAt.getTime() <= now.getTime()) throw invalid("that time has already passed");
  if (job.dueAt.getTime() - now.getTime() > MAX_AHEAD_MS) throw invalid("that is more than a year ahead");
  const [{ pending } = { pending: 0 }] = await db
    .select({ pending: sql<number>`count(*)::int` })
    .from(scheduledJobs)
    .where(and(eq(scheduledJobs.createdBy, job.createdBy), isNull(scheduledJobs.doneAt)));
  if (pending >= MAX_PENDING_PER_PERSON)
    throw conflict(
      `you already have ${MAX_PENDING_PER_PERSON} reminders and scheduled messages waiting; cancel some first`,
      "too_many_scheduled",
    );
  const [row] = await db
    .insert(scheduledJobs)
    .values({
      kind: job.kind,
      createdBy: job.createdBy,
      channelId: "channelId" in job.target ? job.target.channelId : null,
      targetUserId: "userId" in job.target ? job.target.userId : null,
      bodyMd: job.bodyMd,
      repeat: job.repeat ? repeatText(job.repeat) : null,
      timeZone: job.timeZone,
      dueAt: job.dueAt,
    })
    .returning();
  if (!row) throw new Error("the scheduled job was not stored");
  return row;
}

const stateOf = (j: ScheduledRow) =>
  j.failedReason
    ? j.cancelledAt
      ? "dismissed"
      : "failed"
    : j.cancelledAt
      ? "cancelled"
      : j.doneAt
        ? "sent"
        : "pending";

/** A job as the API shows it to its author. */
export function scheduledView(
  j: ScheduledRow,
  names: { channelName?: string | null; username?: string | null } = {},
) {
  const repeat = j.repeat ? readRepeat(j.repeat) : null;
  return {
    id: j.id,
    kind: j.kind,
    channel_id: j.channelId,
    channel_name: names.channelName ?? null,
    user_id: j.targetUserId,
    username: names.username ?? null,
    body_md: j.bodyMd,
    send_at: j.dueAt,
    repeat: repeat ? repeatWords(repeat) : null,
    time_zone: j.timeZone,
    state: stateOf(j),
    failed_reason: j.failedReason,
    message_id: j.lastMessageId,
    created_at: j.createdAt,
  };
}

export type ScheduledView = ReturnType<typeof scheduledView>;

/**
 * The caller's reminders and scheduled messages still waiting (soonest first), then those that
 * could not be sent, with why, until dismissed. Only their own: the query is the authorization.
 */
export async function listScheduled(db: Db, userId: string, kind?: "reminder" | "message") {
  const rows = await db
    .select({ job: scheduledJobs, channelName: channels.name, username: users.username })
    .from(scheduledJobs)
    .leftJoin(channels, eq(channels.id, scheduledJobs.channelId))
    .leftJoin(users, eq(users.id, scheduledJobs.targetUserId))
    .where(
      and(
        eq(scheduledJobs.createdBy, userId),
        kind ? eq(scheduledJobs.kind, kind) : undefined,
        sql`(${scheduledJobs.doneAt} is null or (${scheduledJobs.failedReason} is not null and ${scheduledJobs.cancelledAt} is null))`,
      ),
    )
    // Waiting ones first, soonest first; then the failed, newest first.
    .orderBy(
      sql`${scheduledJobs.doneAt} is not null`,
      sql`case when ${scheduledJobs.doneAt} is null then ${scheduledJobs.dueAt} end`,
      desc(scheduledJobs.dueAt),
    )
    .limit(MAX_PENDING_PER_PERSON * 2);
  return rows.map((r) => scheduledView(r.job, r));
}

/**
 * Cancels one of the caller's waiting jobs, or dismisses one that failed (it leaves the list);
 * anyone else's, or one already sent or cancelled, is a 404.
 */
export async function doCancelScheduled(db: Db, userId: string, id: string) {
  const [row] = await db
    .update(scheduledJobs)
    .set({ doneAt: sql`coalesce(${scheduledJobs.doneAt}, now())`, cancelledAt: sql`now()` })
    .where(
      and(
        eq(scheduledJobs.id, id),
        eq(scheduledJobs.createdBy, userId),
        isNull(scheduledJobs.cancelledAt),
        sql`(${scheduledJobs.doneAt} is null or ${scheduledJobs.failedReason} is not null)`,
      ),
    )
    .returning();
  if (!row) throw notFound("scheduled item");
  return scheduledView(row);
}

/** Deletes sent, cancelled and dismissed jobs finished (or dismissed) more than KEEP_FINISHED_DAYS ago. */
export async function sweepFinished(db: Db) {
  await db.delete(scheduledJobs).where(
    and(
      // A failed job counts from when it was dismissed.
      sql`greatest(${scheduledJobs.doneAt}, ${scheduledJobs.cancelledAt}) < now() - make_interval(days => ${KEEP_FINISHED_DAYS})`,
      sql`(${scheduledJobs.failedReason} is null or ${scheduledJobs.cancelledAt} is not null)`,
    ),
  );
}

import { and, eq, sql } from "drizzle-orm";
import type { Outgoing } from "../bus/publish.ts";
import { accessChannel, checkCanPost } from "../channels/access.ts";
import type { Db } from "../db/client.ts";
import { communityMembers, notifications, users } from "../db/schema.ts";
import { forbidden, isCallerError } from "../errors.ts";
import { doPostMessage } from "../messages/post.ts";
import { notificationEvent } from "../notifications/notify.ts";
import type { ScheduledRow } from "./jobs.ts";

/** What delivering one occurrence of a job did. */
export type Delivered =
  | { ok: true; events: Outgoing[]; message: { id: string; bodyMd: string } | null; created: boolean }
  | { ok: false; reason: string };

/** The body a reminder arrives with, as Slackbot words it. */
export const reminderText = (what: string) => `Reminder: ${what}`;

/**
 * The dedupe key of one occurrence: the job and the time it was due. A delivery retried after a
 * crash (the row was claimed again once its lease ran out) finds what the first attempt wrote,
 * whether or not that attempt lived to mark the job done.
 */
export const occurrenceKey = (job: ScheduledRow) => `job:${job.id}:${job.dueAt.getTime()}`;

/**
 * Delivers one occurrence of a claimed job, checking again that its author may still post there:
 * a message or a #channel reminder is a post by the author (its client_msg_id is the occurrence
 * key); a reminder for a person is a `system` notification whose id is made from the key, so a
 * second delivery inserts nothing. A refusal (left the channel, archived, muted, deactivated) is
 * `ok: false` with the reason in words; anything else throws, and the job is tried again.
 */
export async function doDeliver(db: Db, job: ScheduledRow): Promise<Delivered> {
  try {
    const [author] = await db.select().from(users).where(eq(users.id, job.createdBy));
    if (!author || author.deactivatedAt) throw forbidden("the author's account is deactivated");
    if (job.channelId) {
      const access = await accessChannel(db, author.id, job.channelId);
      await checkCanPost(db, author.id, access);
      const posted = await doPostMessage(db, author.id, access, {
        bodyMd: job.kind === "reminder" ? reminderText(job.bodyMd) : job.bodyMd,
        clientMsgId: occurrenceKey(job),
        author,
      });
      return { ok: true, events: posted.events, message: posted.message, created: posted.created };
    }
    const userId = job.targetUserId as string;
    if (userId !== author.id) await checkStillReachable(db, author.id, userId);
    return { ok: true, events: await remind(db, job, userId), message: null, created: true };
  } catch (err) {
    if (isCallerError(err)) return { ok: false, reason: err.message };
    throw err;
  }
}

/** A reminder for someone else reaches them while they share a community and are not deactivated. */
async function checkStillReachable(db: Db, authorId: string, userId: string) {
  const [row] = await db
    .select({ deactivatedAt: users.deactivatedAt })
    .from(users)
    .innerJoin(communityMembers, eq(communityMembers.userId, users.id))
    .where(
      and(
        eq(users.id, userId),
        sql`${communityMembers.communityId} in (select community_id from community_members where user_id = ${authorId}::uuid)`,
      ),
    )
    .limit(1);
  if (!row) throw forbidden("you no longer share a community with them");
  if (row.deactivatedAt) throw forbidden("their account is deactivated");
}

/** The reminder's notification, written once per occurrence; a repeat announces the first again. */
async function remind(db: Db, job: ScheduledRow, userId: string): Promise<Outgoing[]> {
  const id = occurrenceId(job);
  const text = reminderText(job.bodyMd);
  await db
    .insert(notifications)
    .values({
      id,
      userId,
      type: "system",
      sourceId: job.id,
      actorId: job.createdBy,
      data: { kind: "reminder", text, repeat: job.repeat },
      reason: "other",
    })
    .onConflictDoNothing();
  const [row] = await db.select().from(notifications).where(eq(notifications.id, id));
  if (!row) throw new Error("the reminder's notification was not stored");
  return [{ ...notificationEvent(row, true, text), dedupeKey: `notification.created:${id}` }];
}

/**
 * A UUIDv7-shaped id made from the occurrence key: the due time in its first 48 bits (notifications
 * sort by id) and a hash of the key in the rest, so the same occurrence always gets the same id.
 */
export function occurrenceId(job: ScheduledRow): string {
  const hash = new Bun.CryptoHasher("sha256").update(occurrenceKey(job)).digest("hex");
  const ms = job.dueAt.getTime().toString(16).padStart(12, "0").slice(-12);
  const variant = ((Number.parseInt(hash[3] ?? "0", 16) & 3) | 8).toString(16);
  const hex = `${ms}7${hash.slice(0, 3)}${variant}${hash.slice(4, 19)}`;
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

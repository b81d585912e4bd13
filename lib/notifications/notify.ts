import { envelope } from "../bus/envelope.ts";
import type { Outgoing } from "../bus/publish.ts";
import { subjects } from "../bus/subjects.ts";
import type { Db } from "../db/client.ts";
import { type NOTIFICATION_TYPES, notifications } from "../db/schema.ts";

export type NotificationType = (typeof NOTIFICATION_TYPES)[number];
export type NotificationRow = typeof notifications.$inferSelect;

export interface NewNotification {
  userId: string;
  type: NotificationType;
  sourceId: string;
  channelId?: string | null;
  actorId: string | null;
  data?: Record<string, unknown>;
  /** Which rule fired: what "why was I notified?" answers. */
  reason?: NotificationRow["reason"];
  /** false: kept, but the recipient's clients do not ring (a muted channel, do-not-disturb). */
  ring?: boolean;
  /** The start of the message, carried in the live event only (never stored: lists read it fresh). */
  preview?: string;
}

export function notificationView(n: NotificationRow) {
  return {
    id: n.id,
    type: n.type,
    source_id: n.sourceId,
    channel_id: n.channelId,
    actor_id: n.actorId,
    data: n.data ?? {},
    reason: n.reason,
    read: n.read,
    created_at: n.createdAt,
  };
}

/**
 * Writes notification rows (never for the actor's own action) in the caller's transaction and
 * returns the events that tell each recipient's clients, to publish after commit.
 */
export async function notify(db: Db, list: NewNotification[]): Promise<Outgoing[]> {
  const rows = list.filter((n) => n.userId !== n.actorId);
  if (rows.length === 0) return [];
  const inserted = await db
    .insert(notifications)
    .values(
      rows.map((n) => ({
        userId: n.userId,
        type: n.type,
        sourceId: n.sourceId,
        channelId: n.channelId ?? null,
        actorId: n.actorId,
        data: n.data ?? {},
        reason: n.reason ?? null,
      })),
    )
    .returning();
  return inserted.map((n, i) => notificationEvent(n, rows[i]?.ring ?? true, rows[i]?.preview));
}

/** The event that tells a recipient's clients of a new notification. */
export const notificationEvent = (n: NotificationRow, ring = true, preview?: string): Outgoing => ({
  subject: subjects.notifications(n.userId),
  event: envelope("notification.created", {
    channel_id: n.channelId,
    actor_id: n.actorId,
    data: { notification: notificationView(n), ring, ...(preview !== undefined ? { preview } : {}) },
  }),
});

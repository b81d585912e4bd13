import { and, eq } from "drizzle-orm";
import { credentialsChanged } from "../auth/credential-cache.ts";
import type { UserRow } from "../auth/sessions.ts";
import { envelope } from "../bus/envelope.ts";
import type { Outgoing } from "../bus/publish.ts";
import { subjects } from "../bus/subjects.ts";
import { type ChannelAccess, checkMember } from "../channels/access.ts";
import { memberCounts } from "../channels/list.ts";
import { channelView } from "../channels/views.ts";
import type { Db } from "../db/client.ts";
import { channelMembers, channels, type NOTIFY_LEVELS, users } from "../db/schema.ts";

export type NotifyLevel = (typeof NOTIFY_LEVELS)[number];

/** The longest do-not-disturb one can set at once. */
export const MAX_DND_MS = 7 * 86_400_000;

/**
 * Sets the caller's notification level in a channel they are in (`null`: back to the default) and
 * whether it is muted. Their other clients hear of it with the channel's counts as they now are
 * (a muted channel's unread messages weigh nothing).
 */
export async function doSetChannelNotify(
  db: Db,
  userId: string,
  access: ChannelAccess,
  change: { notify?: NotifyLevel | null; muted?: boolean },
) {
  checkMember(access);
  const [row] = await db
    .update(channelMembers)
    .set({
      ...(change.notify !== undefined ? { notify: change.notify } : {}),
      ...(change.muted !== undefined ? { muted: change.muted } : {}),
    })
    .where(and(eq(channelMembers.channelId, access.channel.id), eq(channelMembers.userId, userId)))
    .returning();
  const view = channelView(access.channel, row ?? access.membership);
  const counts = await memberCounts(db, userId, eq(channels.id, access.channel.id));
  const events: Outgoing[] = [
    {
      subject: subjects.notifications(userId),
      event: envelope("notify.preferences", {
        channel_id: access.channel.id,
        actor_id: userId,
        data: { notify: view.notify, muted: view.muted, counts },
      }),
    },
  ];
  return { channel: view, events };
}

/** Do not disturb until `until` (null ends it): notifications are still kept, but nothing rings. */
export async function doSetDnd(db: Db, userId: string, until: Date | null) {
  const [row] = await db.update(users).set({ dndUntil: until }).where(eq(users.id, userId)).returning();
  const user = row as UserRow;
  const events: Outgoing[] = [
    {
      subject: subjects.notifications(userId),
      event: envelope("notify.dnd", { actor_id: userId, data: { dnd_until: user.dndUntil } }),
    },
    // The account row a gateway hands on with each request now says otherwise.
    credentialsChanged({ userId, ended: false }, userId),
  ];
  return { user, events };
}

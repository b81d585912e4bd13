import { and, eq, gt, inArray, ne, or, sql } from "drizzle-orm";
import type { Outgoing } from "../bus/publish.ts";
import { type ChannelAccess, isDm } from "../channels/access.ts";
import type { Db } from "../db/client.ts";
import { channelMembers, messages, type NOTIFICATION_REASONS, notifications, users } from "../db/schema.ts";
import type { ParsedMentions } from "../messages/mentions.ts";
import type { MessageRow } from "../messages/views.ts";
import { type NewNotification, notify } from "./notify.ts";
import { readersOf } from "./readers.ts";

export type NotificationReason = (typeof NOTIFICATION_REASONS)[number];

interface Rule {
  type: NewNotification["type"];
  reason: NotificationReason;
}

/**
 * Notifies the people a message concerns, by the first rule that fits each: a mention of them,
 * @channel, @here while they are active, a DM, a reply in a thread they are in, or their channel
 * preference "all". Never the author; never someone whose preference here is "nothing". Someone who
 * muted the channel or set do-not-disturb gets the notification kept but not rung. On an edit only
 * mentions count, and only for people this message never notified (an edit notifies once; removing
 * a mention takes nothing back).
 */
export async function notifyForMessage(
  db: Db,
  access: ChannelAccess,
  m: MessageRow,
  found: { parsed: ParsedMentions; mentioned: { id: string }[] },
  opts: { edit?: boolean } = {},
): Promise<Outgoing[]> {
  const { channel } = access;
  const rules = new Map<string, Rule>();
  const add = (ids: (string | null)[], rule: Rule) => {
    for (const id of ids) if (id && !rules.has(id) && id !== m.userId) rules.set(id, rule);
  };
  add(
    found.mentioned.map((u) => u.id),
    { type: "mention", reason: "mention" },
  );
  const { parsed } = found;
  if (parsed.channel || parsed.here) {
    const members = await db
      .select({ id: channelMembers.userId })
      .from(channelMembers)
      .innerJoin(users, eq(users.id, channelMembers.userId))
      .where(
        and(
          eq(channelMembers.channelId, channel.id),
          eq(users.kind, "human"),
          parsed.channel ? undefined : gt(users.lastSeenAt, sql`now() - interval '2 minutes'`),
        ),
      );
    add(
      members.map((r) => r.id),
      { type: "mention", reason: parsed.channel ? "channel" : "here" },
    );
  }
  if (!opts.edit) {
    // Every member of a DM; in a channel only those who asked for every message (a post in a big
    // channel must not read all its members).
    const dm = isDm(channel);
    const listening = await db
      .select({ id: channelMembers.userId })
      .from(channelMembers)
      .where(
        and(eq(channelMembers.channelId, channel.id), dm ? undefined : eq(channelMembers.notify, "all")),
      );
    if (dm)
      add(
        listening.map((r) => r.id),
        { type: "dm", reason: "dm" },
      );
    if (m.parentId) {
      const thread = await db
        .selectDistinct({ id: messages.userId })
        .from(messages)
        .where(
          and(
            or(eq(messages.id, m.parentId), eq(messages.parentId, m.parentId)),
            ne(messages.id, m.id),
            inArray(messages.userId, readersOf(db, channel)),
          ),
        );
      add(
        thread.map((r) => r.id),
        { type: "thread_reply", reason: "thread" },
      );
    }
    if (!dm)
      add(
        listening.map((r) => r.id),
        { type: "message", reason: "all" },
      );
  }
  if (rules.size === 0) return [];
  const ids = [...rules.keys()];
  const prefs = await db
    .select({
      id: users.id,
      notify: channelMembers.notify,
      muted: channelMembers.muted,
      dnd: sql<boolean>`coalesce(${users.dndUntil} > now(), false)`,
    })
    .from(users)
    .leftJoin(
      channelMembers,
      and(eq(channelMembers.userId, users.id), eq(channelMembers.channelId, channel.id)),
    )
    .where(inArray(users.id, ids));
  const already = opts.edit
    ? new Set(
        (
          await db
            .select({ id: notifications.userId })
            .from(notifications)
            .where(and(eq(notifications.sourceId, m.id), inArray(notifications.userId, ids)))
        ).map((r) => r.id),
      )
    : new Set<string>();
  const list: NewNotification[] = [];
  for (const p of prefs) {
    const rule = rules.get(p.id);
    if (!rule || p.notify === "nothing" || already.has(p.id)) continue;
    list.push({
      userId: p.id,
      type: rule.type,
      reason: rule.reason,
      ring: !p.muted && !p.dnd,
      sourceId: m.id,
      channelId: channel.id,
      actorId: m.userId,
      data: { channel_name: channel.name, community_id: channel.communityId, parent_id: m.parentId },
      // For the recipient's desktop notification: they can read the channel, or the rule would not fire.
      preview: m.bodyMd.slice(0, 140),
    });
  }
  return notify(db, list);
}

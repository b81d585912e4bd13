import { sql } from "drizzle-orm";
import type { ChannelAccess } from "../channels/access.ts";
import type { Db } from "../db/client.ts";
import { resultRows } from "../db/migrate.ts";
import { type Notified, type NotifiedJson, notifiedRows, notifying } from "../notifications/rules.ts";
import type { ParsedMentions } from "./mentions.ts";
import type { MentionView, MessageRow } from "./views.ts";
import { fromJson } from "./views.ts";

/** What the one statement of a person's post did. */
export interface PostedRow {
  /** Whether the reply's parent was fine (or there was none), missing, or itself a reply. */
  parent: "ok" | "missing" | "nested";
  /** The new message, or null when its client_msg_id was already used (nothing else was written). */
  message: MessageRow | null;
  mentions: MentionView[];
  /** Each with whether the recipient's clients ring (not in a muted channel, not in do-not-disturb). */
  notifications: Notified[];
  /** The channel's members, for a private channel's or a DM's event; null for a public channel. */
  audience: string[] | null;
  /** The thread's replies, this one included, for a reply. */
  replyCount: number;
}

interface Raw {
  parent: PostedRow["parent"];
  id: string | null;
  channel_id: string;
  user_id: string | null;
  parent_id: string | null;
  body_md: string;
  client_msg_id: string | null;
  created_at: string | Date;
  mentions: MentionView[] | string;
  notifications: NotifiedJson;
  audience: string[] | string | null;
  reply_count: number | string;
}

/**
 * A person's message, in one statement — one round trip, no transaction held open while JavaScript
 * runs: the parent check, the message, the author's membership and read position, and the mentions
 * and notifications of lib/notifications/rules.ts (`notifying`, the same rules every other message
 * and edit goes through). Everything the event needs comes back with it.
 */
export async function insertPost(
  db: Db,
  authorId: string,
  access: ChannelAccess,
  input: { bodyMd: string; parentId: string | null; clientMsgId: string | null },
  parsed: ParsedMentions,
): Promise<PostedRow> {
  const { channel } = access;
  const { parentId } = input;
  const id = Bun.randomUUIDv7();
  // Most posts mention nobody, start no thread reply and are not in a DM: their statement is the insert,
  // the read position and the few members who asked for every message. Each shape is its own
  // statement text, so each gets its own plan.
  const told = notifying(
    { id, authorId, parentId },
    channel,
    parsed,
    "post",
    sql`exists (select 1 from ins)`,
  );
  // A public channel's events go to its community; anything else's to its members.
  const publicChannel = Boolean(channel.communityId) && channel.visibility === "public";
  const parent = parentId
    ? sql`select case
        when not exists (select 1 from messages where id = ${parentId}::uuid and channel_id = ${channel.id}::uuid) then 'missing'
        when exists (select 1 from messages where id = ${parentId}::uuid and parent_id is not null) then 'nested'
        else 'ok' end as state`
    : sql`select 'ok' as state`;
  const result = await db.execute(sql`
    with parent as (${parent}),
    ins as (
      insert into messages (id, channel_id, user_id, parent_id, body_md, client_msg_id)
      select ${id}::uuid, ${channel.id}::uuid, ${authorId}::uuid, ${parentId}::uuid, ${input.bodyMd}, ${input.clientMsgId}
      from parent where state = 'ok'
      on conflict do nothing
      returning id, channel_id, user_id, parent_id, body_md, client_msg_id, created_at
    ),
    membership as (
      insert into channel_members (channel_id, user_id, last_read_message_id, last_read_at)
      select channel_id, user_id, id, now() from ins
      on conflict (channel_id, user_id) do update
        set last_read_message_id = excluded.last_read_message_id, last_read_at = excluded.last_read_at
    ), ${told.ctes}
    select parent.state as parent, ins.*, ${told.mentions} as mentions, ${told.notifications} as notifications,
      ${publicChannel ? sql`null` : sql`(select coalesce(json_agg(user_id), '[]') from channel_members where channel_id = ${channel.id}::uuid)`} as audience,
      ${parentId ? sql`1 + (select count(*) from messages t where t.parent_id = ${parentId}::uuid and t.deleted_at is null)` : sql`0`} as reply_count
    from parent left join ins on true`);
  const [raw] = resultRows<Raw>(result);
  if (!raw) throw new Error("the post statement returned no row");
  return {
    parent: raw.parent,
    message: raw.id
      ? {
          id: raw.id,
          channelId: raw.channel_id,
          userId: raw.user_id,
          webhookId: null,
          parentId: raw.parent_id,
          bodyMd: raw.body_md,
          embeds: null,
          authorName: null,
          authorAvatarUrl: null,
          clientMsgId: raw.client_msg_id,
          webhookKey: null,
          createdAt: new Date(raw.created_at),
          editedAt: null,
          deletedAt: null,
          preview: null,
          previewRemovedAt: null,
        }
      : null,
    mentions: fromJson(raw.mentions),
    notifications: notifiedRows(raw.notifications),
    audience: raw.audience === null ? null : fromJson(raw.audience),
    replyCount: Number(raw.reply_count),
  };
}

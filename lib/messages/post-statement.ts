import { sql } from "drizzle-orm";
import type { ChannelAccess } from "../channels/access.ts";
import { isDm } from "../channels/access.ts";
import type { Db } from "../db/client.ts";
import { resultRows } from "../db/migrate.ts";
import type { NotificationRow } from "../notifications/notify.ts";
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
  notifications: (NotificationRow & { ring: boolean })[];
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
  search: string;
  mentions: MentionView[] | string;
  notifications: (Omit<NotificationRow, "createdAt"> & { createdAt: string; ring: boolean })[] | string;
  audience: string[] | string | null;
  reply_count: number | string;
}

/**
 * A person's message, in one statement — one round trip, no transaction held open while JavaScript
 * runs: the parent check, the message, the author's membership and read position, mentions of people
 * who can read the channel, @channel and @here, and one notification per person by the first rule
 * that fits (lib/notifications/rules.ts says the same for edits and webhook posts: a mention, @channel
 * or @here, a DM, a thread reply, the channel preference "all"; never the author, never someone whose
 * preference here is "nothing"; kept but not rung when muted or in do-not-disturb). Mention ids come from here, in the order the body names
 * them; notification ids are the message's id with a sequence in its last bits, so they sort as the
 * message does. Everything the event needs comes back with it.
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
  // A public channel is readable by its community; anything else by its members.
  const readersCommunity =
    channel.communityId && channel.visibility === "public" ? channel.communityId : null;
  // Most posts mention nobody, start no thread reply and are not in a DM: their statement is the insert,
  // the read position and the few members who asked for every message. Each shape is its own
  // statement text, so each gets its own plan.
  const mentionsAny = parsed.usernames.length > 0 || parsed.channel || parsed.here;
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
      returning id, channel_id, user_id, parent_id, body_md, client_msg_id, created_at, search::text
    ),
    membership as (
      insert into channel_members (channel_id, user_id, last_read_message_id, last_read_at)
      select channel_id, user_id, id, now() from ins
      on conflict (channel_id, user_id) do update
        set last_read_message_id = excluded.last_read_message_id, last_read_at = excluded.last_read_at
    ), ${notifying(id, authorId, channel, readersCommunity, parentId, parsed)}
    select parent.state as parent, ins.*,
      ${
        mentionsAny
          ? sql`coalesce((select json_agg(json_build_object('type', target_type, 'user_id', target_id, 'username', username) order by ord)
          from mention_rows where exists (select 1 from ins)), '[]')`
          : sql`'[]'`
      } as mentions,
      coalesce((select json_agg(json_build_object('id', n.id, 'userId', n.user_id, 'type', n.type, 'sourceId', n.source_id,
          'channelId', n.channel_id, 'actorId', n.actor_id, 'data', n.data, 'reason', n.reason, 'read', n.read,
          'createdAt', n.created_at, 'ring', nb.ring) order by n.id)
        from notified n join numbered nb on nb.user_id = n.user_id), '[]') as notifications,
      ${readersCommunity ? sql`null` : sql`(select coalesce(json_agg(user_id), '[]') from channel_members where channel_id = ${channel.id}::uuid)`} as audience,
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
          search: raw.search,
        }
      : null,
    mentions: fromJson(raw.mentions),
    notifications: fromJson(raw.notifications).map((n) => ({ ...n, createdAt: new Date(n.createdAt) })),
    audience: raw.audience === null ? null : fromJson(raw.audience),
    replyCount: Number(raw.reply_count),
  };
}

/**
 * The statement's CTEs that store mentions and notify: mentioned people who can read the channel
 * (`readers`), @channel and @here rows, and one notification per recipient.
 */
function notifying(
  id: string,
  authorId: string,
  channel: ChannelAccess["channel"],
  readersCommunity: string | null,
  parentId: string | null,
  parsed: ParsedMentions,
) {
  const named = JSON.stringify(parsed.usernames.map((username) => ({ username, id: Bun.randomUUIDv7() })));
  const channelMention = parsed.channel ? Bun.randomUUIDv7() : null;
  const hereMention = parsed.here ? Bun.randomUUIDv7() : null;
  const data = JSON.stringify({
    channel_name: channel.name,
    community_id: channel.communityId,
    parent_id: parentId,
  });
  const readers = readersCommunity
    ? sql`select user_id from community_members where community_id = ${readersCommunity}::uuid`
    : sql`select user_id from channel_members where channel_id = ${channel.id}::uuid`;
  const everyone = parsed.channel || parsed.here;
  const mentionsAny = parsed.usernames.length > 0 || everyone;
  const mentioning = sql`
    mentioned as (
      select (n.named->>'id')::uuid as mention_id, u.id as user_id, u.username, n.ord
      from jsonb_array_elements(${named}::text::jsonb) with ordinality as n(named, ord)
      join users u on u.username = n.named->>'username'
      where u.id in (select user_id from readers) and exists (select 1 from ins)
    ),
    mention_rows as (
      select mention_id as id, 'user' as target_type, user_id as target_id, username, ord from mentioned
      ${channelMention ? sql`union all select ${channelMention}::uuid, 'channel', null, null, 1e9` : sql``}
      ${hereMention ? sql`union all select ${hereMention}::uuid, 'here', null, null, 1e9 + 1` : sql``}
    ),
    stored_mentions as (
      insert into mentions (id, message_id, target_type, target_id)
      select m.id, ins.id, m.target_type, m.target_id from mention_rows m, ins
    ),`;
  return sql`
    readers as (${readers}),${mentionsAny ? mentioning : sql``}
    recipients as (
      select user_id, 'message' as type, 'all' as reason, 5 as rank, 0::bigint as ord from channel_members
      where channel_id = ${channel.id}::uuid and notify = 'all'
      ${mentionsAny ? sql`union all select user_id, 'mention', 'mention', 1, ord from mentioned` : sql``}
      ${
        everyone
          ? sql`union all
      select cm.user_id, 'mention', ${parsed.channel ? "channel" : "here"}, 2, 0 from channel_members cm join users u on u.id = cm.user_id
      where cm.channel_id = ${channel.id}::uuid and u.kind = 'human'
        ${parsed.channel ? sql`` : sql`and u.last_seen_at > now() - interval '2 minutes'`}`
          : sql``
      }
      ${isDm(channel) ? sql`union all select user_id, 'dm', 'dm', 3, 0 from channel_members where channel_id = ${channel.id}::uuid` : sql``}
      ${
        parentId
          ? sql`union all
      select distinct user_id, 'thread_reply', 'thread', 4, 0 from messages
      where (id = ${parentId}::uuid or parent_id = ${parentId}::uuid) and user_id in (select user_id from readers)`
          : sql``
      }
    ),
    chosen as (
      select distinct on (user_id) user_id, type, reason, rank, ord from recipients
      where user_id is not null and user_id <> ${authorId}::uuid and exists (select 1 from ins)
      order by user_id, rank, ord
    ),
    numbered as (
      select ch.*, not coalesce(cm.muted, false) and not coalesce(u.dnd_until > now(), false) as ring,
        row_number() over (order by ch.rank, ch.ord, ch.user_id) as seq
      from chosen ch join users u on u.id = ch.user_id
      left join channel_members cm on cm.channel_id = ${channel.id}::uuid and cm.user_id = ch.user_id
      where cm.notify is distinct from 'nothing'
    ),
    notified as (
      insert into notifications (id, user_id, type, source_id, channel_id, actor_id, data, reason)
      select overlay(${id}::text placing lpad(to_hex(seq), 4, '0') from 33 for 4)::uuid,
        user_id, type, ${id}::uuid, ${channel.id}::uuid, ${authorId}::uuid, ${data}::text::jsonb, reason
      from numbered
      returning id, user_id, type, source_id, channel_id, actor_id, data, reason, read, created_at
    )`;
}

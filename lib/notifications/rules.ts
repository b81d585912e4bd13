import { type SQL, sql } from "drizzle-orm";
import type { Outgoing } from "../bus/publish.ts";
import { type ChannelAccess, isDm } from "../channels/access.ts";
import type { Db } from "../db/client.ts";
import { resultRows } from "../db/migrate.ts";
import { type ParsedMentions, parseMentions } from "../messages/mentions.ts";
import { fromJson, type MentionView, type MessageRow } from "../messages/views.ts";
import { type NotificationRow, notificationEvent } from "./notify.ts";

/**
 * Which rules a message's text fires: a new message's, every rule; an edit's, mentions only, for
 * people this message never notified (an edit notifies once; removing a mention takes nothing back);
 * "none" stores the mentions and notifies nobody (a webhook's keyed edit).
 */
export type Rules = "post" | "edit" | "none";

/** The fields of a message the rules read; `authorId` is null for a webhook's message. */
export interface Source {
  id: string;
  authorId: string | null;
  parentId: string | null;
}

/** A notification as the statement returns it, with whether the recipient's clients ring. */
export type Notified = NotificationRow & { ring: boolean };
/** The statement's `notifications` column, as either driver hands it back. */
export type NotifiedJson =
  | (Omit<NotificationRow, "createdAt"> & { createdAt: string; ring: boolean })[]
  | string;

/**
 * The one place that says whom a message notifies and which mentions it stores, as CTEs for a single
 * statement: mentions of people who can read the channel (in the order the body names them), @channel
 * and @here; then one notification per person by the first rule that fits — a mention, @channel or
 * @here (humans; @here only those seen in the last two minutes), a DM, a reply in a thread they are
 * in, their channel preference "all". Never the author; never someone whose preference here is
 * "nothing"; kept but not rung when muted or in do-not-disturb. `written` is the condition that the
 * message row exists (the post statement's `ins` may have inserted nothing). Returns the CTEs (to
 * follow `with` or a comma) and the select expressions of the stored mentions and notifications.
 */
export function notifying(
  message: Source,
  channel: ChannelAccess["channel"],
  parsed: ParsedMentions,
  rules: Rules,
  written: SQL,
) {
  const { id, authorId, parentId } = message;
  const named = JSON.stringify(parsed.usernames.map((username) => ({ username, id: Bun.randomUUIDv7() })));
  const everyone = parsed.channel || parsed.here;
  const mentionsAny = parsed.usernames.length > 0 || everyone;
  // A public channel is readable by its community; anything else by its members.
  const readers =
    channel.communityId && channel.visibility === "public"
      ? sql`select user_id from community_members where community_id = ${channel.communityId}::uuid`
      : sql`select user_id from channel_members where channel_id = ${channel.id}::uuid`;
  const ctes: SQL[] = [sql`readers as (${readers})`];
  if (mentionsAny) {
    ctes.push(sql`
    mentioned as (
      select (n.named->>'id')::uuid as mention_id, u.id as user_id, u.username, n.ord
      from jsonb_array_elements(${named}::text::jsonb) with ordinality as n(named, ord)
      join users u on u.username = n.named->>'username'
      where u.id in (select user_id from readers) and ${written}
    ),
    mention_rows as (
      select mention_id as id, 'user' as target_type, user_id as target_id, username, ord from mentioned
      ${parsed.channel ? sql`union all select ${Bun.randomUUIDv7()}::uuid, 'channel', null, null, 1e9 where ${written}` : sql``}
      ${parsed.here ? sql`union all select ${Bun.randomUUIDv7()}::uuid, 'here', null, null, 1e9 + 1 where ${written}` : sql``}
    ),
    stored_mentions as (
      insert into mentions (id, message_id, target_type, target_id)
      select id, ${id}::uuid, target_type, target_id from mention_rows
    )`);
  }
  const mentions = mentionsAny
    ? sql`coalesce((select json_agg(json_build_object('type', target_type, 'user_id', target_id, 'username', username) order by ord)
          from mention_rows), '[]')`
    : sql`'[]'`;
  if (rules === "none") return { ctes: sql.join(ctes, sql`,`), mentions, notifications: sql`'[]'` };
  const post = rules === "post";
  // Each rule a row per person it fits, ranked: the first that fits a person is theirs.
  const fits: SQL[] = [];
  if (post) {
    fits.push(sql`select user_id, 'message', 'all', 5, 0::bigint from channel_members
      where channel_id = ${channel.id}::uuid and notify = 'all'`);
  }
  if (mentionsAny) fits.push(sql`select user_id, 'mention', 'mention', 1, ord from mentioned`);
  if (everyone) {
    fits.push(sql`select cm.user_id, 'mention', ${parsed.channel ? "channel" : "here"}, 2, 0
      from channel_members cm join users u on u.id = cm.user_id
      where cm.channel_id = ${channel.id}::uuid and u.kind = 'human'
        ${parsed.channel ? sql`` : sql`and u.last_seen_at > now() - interval '2 minutes'`}`);
  }
  if (post && isDm(channel)) {
    fits.push(
      sql`select user_id, 'dm', 'dm', 3, 0 from channel_members where channel_id = ${channel.id}::uuid`,
    );
  }
  if (post && parentId) {
    fits.push(sql`select distinct user_id, 'thread_reply', 'thread', 4, 0 from messages
      where (id = ${parentId}::uuid or parent_id = ${parentId}::uuid) and id <> ${id}::uuid
        and user_id in (select user_id from readers)`);
  }
  if (fits.length === 0) return { ctes: sql.join(ctes, sql`,`), mentions, notifications: sql`'[]'` };
  const data = JSON.stringify({
    channel_name: channel.name,
    community_id: channel.communityId,
    parent_id: parentId,
  });
  // Notification ids are a base id with a sequence in its last bits, so they sort as the message does.
  // An edit reuses the message, whose id already made its post's notifications: its own sort as the edit.
  const base = post ? id : Bun.randomUUIDv7();
  ctes.push(sql`
    recipients (user_id, type, reason, rank, ord) as (${sql.join(fits, sql` union all `)}),
    chosen as (
      select distinct on (user_id) user_id, type, reason, rank, ord from recipients
      where user_id is not null and user_id is distinct from ${authorId}::uuid and ${written}
        ${post ? sql`` : sql`and not exists (select 1 from notifications n where n.source_id = ${id}::uuid and n.user_id = recipients.user_id)`}
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
      select overlay(${base}::text placing lpad(to_hex(seq), 4, '0') from 33 for 4)::uuid,
        user_id, type, ${id}::uuid, ${channel.id}::uuid, ${authorId}::uuid, ${data}::text::jsonb, reason
      from numbered
      returning id, user_id, type, source_id, channel_id, actor_id, data, reason, read, created_at
    )`);
  const notifications = sql`coalesce((select json_agg(json_build_object('id', n.id, 'userId', n.user_id, 'type', n.type,
      'sourceId', n.source_id, 'channelId', n.channel_id, 'actorId', n.actor_id, 'data', n.data, 'reason', n.reason,
      'read', n.read, 'createdAt', n.created_at, 'ring', nb.ring) order by n.id)
    from notified n join numbered nb on nb.user_id = n.user_id), '[]')`;
  return { ctes: sql.join(ctes, sql`,`), mentions, notifications };
}

/** The notifications a statement's `notifying().notifications` column returned. */
export const notifiedRows = (json: NotifiedJson): Notified[] =>
  fromJson(json).map((n) => ({ ...n, createdAt: new Date(n.createdAt) }));

/**
 * The events that tell each recipient, with the start of the message for their desktop notification
 * (they can read the channel, or no rule would have fired).
 */
export const notifiedEvents = (rows: Notified[], bodyMd: string): Outgoing[] =>
  rows.map(({ ring, ...n }) => notificationEvent(n, ring, bodyMd.slice(0, 140)));

/**
 * Stores the mentions of a message already written and notifies whom it concerns (`notifying`), in
 * one statement: for a message written in steps (with attachments, by a webhook or a bot) and for
 * edits, whose caller removes the old mentions first. Returns the events to publish after commit and the
 * mentions in the order the body names them.
 */
export async function recordMentionsAndNotify(
  db: Db,
  channel: ChannelAccess["channel"],
  m: MessageRow,
  rules: Rules,
): Promise<{ events: Outgoing[]; mentions: MentionView[] }> {
  const parsed = parseMentions(m.bodyMd);
  const source = { id: m.id, authorId: m.userId, parentId: m.parentId };
  const q = notifying(source, channel, parsed, rules, sql`true`);
  const result = await db.execute(
    sql`with ${q.ctes} select ${q.mentions} as mentions, ${q.notifications} as notifications`,
  );
  const [raw] = resultRows<{ mentions: MentionView[] | string; notifications: NotifiedJson }>(result);
  if (!raw) throw new Error("the mentions statement returned no row");
  return {
    events: notifiedEvents(notifiedRows(raw.notifications), m.bodyMd),
    mentions: fromJson(raw.mentions),
  };
}

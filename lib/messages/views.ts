import { type SQLWrapper, sql } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { resultRows } from "../db/migrate.ts";
import { attachments, channels, mentions, messages, reactions, users, webhooks } from "../db/schema.ts";
import type { LinkPreview } from "../unfurls/card.ts";
import { userView } from "../users/views.ts";

export type MessageRow = typeof messages.$inferSelect;
export type UserRow = typeof users.$inferSelect;

export interface ReactionSummary {
  emoji: string;
  count: number;
  reacted_by_me: boolean;
  user_ids: string[];
}

export interface MentionView {
  type: "user" | "channel" | "here";
  user_id: string | null;
  username: string | null;
}

export interface AttachmentView {
  id: string;
  filename: string;
  content_type: string;
  size_bytes: number;
  url: string;
  /** Images: pixel size, so clients reserve the space, and a small thumbnail. */
  width: number | null;
  height: number | null;
  thumbnail_url: string | null;
}

export const attachmentView = (a: typeof attachments.$inferSelect): AttachmentView => ({
  id: a.id,
  filename: a.filename,
  content_type: a.contentType,
  size_bytes: a.sizeBytes,
  url: `/api/attachments/${a.id}`,
  width: a.width,
  height: a.height,
  thumbnail_url: a.thumbKey ? `/api/attachments/${a.id}/thumbnail` : null,
});

/** Who wrote a message as clients draw it: a person, a bot, or a webhook under its display name. */
function authorView(
  m: MessageRow,
  user: UserRow | undefined,
  webhook: typeof webhooks.$inferSelect | undefined,
) {
  if (m.webhookId) {
    return {
      id: null,
      webhook_id: m.webhookId,
      username: null,
      display_name: m.authorName ?? webhook?.name ?? "webhook",
      avatar_url: m.authorAvatarUrl ?? webhook?.avatarUrl ?? null,
      is_bot: true,
      deactivated: false,
    };
  }
  if (!user) {
    return {
      id: m.userId,
      username: null,
      display_name: "deleted user",
      avatar_url: null,
      is_bot: false,
      deactivated: false,
    };
  }
  const { online: _online, ...view } = userView(user);
  return view;
}

/**
 * SQL for a message's reactions as JSON, `[{ emoji, user_ids }]`: each emoji once, in the order it
 * was first used, its people in the order they reacted. Pages and reaction events share it.
 */
export const reactionsJson = (messageId: SQLWrapper) => sql<{ emoji: string; user_ids: string[] }[]>`
  coalesce((select json_agg(json_build_object('emoji', r.emoji, 'user_ids', r.user_ids) order by r.first)
    from (select emoji, array_agg(user_id::text order by created_at) as user_ids, min(created_at) as first
          from ${reactions} where message_id = ${messageId} group by emoji) r), '[]')`;

/** SQL for how many replies a thread's first message has (deleted ones gone). */
const replyCount = (parentId: SQLWrapper) =>
  sql<number>`(select count(*)::int from ${messages} t where t.parent_id = ${parentId} and t.deleted_at is null)`;

/** How many replies the thread started by `parentId` has now, for events that change it. */
export async function threadReplyCount(db: Db, parentId: string): Promise<number> {
  const [row] = resultRows<{ n: number }>(
    await db.execute(sql`select ${replyCount(sql`${parentId}::uuid`)} as n`),
  );
  return Number(row?.n ?? 0);
}

/** What one statement gathers about each message of a page. */
interface Extras {
  id: string;
  community_id: string | null;
  author: {
    id: string;
    username: string;
    display_name: string;
    avatar_url: string | null;
    kind: string;
    deactivated: boolean;
  } | null;
  webhook: { name: string; avatar_url: string | null } | null;
  reactions: { emoji: string; user_ids: string[] }[];
  mentions: MentionView[];
  attachments: {
    id: string;
    filename: string;
    content_type: string;
    size_bytes: number;
    storage_key: string;
    channel_id: string;
    message_id: string;
    width: number | null;
    height: number | null;
    thumb_key: string | null;
  }[];
  reply_count: number;
  last_reply_at: string | Date | null;
}

/**
 * Full message views for a page of rows, in the same order, with author, reactions (aggregated,
 * `reacted_by_me` for the viewer), mentions, attachments and thread reply counts — one statement
 * however many messages, so a page never turns into N+1 and costs one round trip.
 */
export async function messageViews(db: Db, viewerId: string | null, rows: MessageRow[]) {
  if (rows.length === 0) return [];
  const ids = sql`array[${sql.join(
    rows.map((m) => sql`${m.id}`),
    sql`, `,
  )}]::uuid[]`;
  const result = await db.execute(sql`
    select m.id, c.community_id,
      case when u.id is null then null else json_build_object(
        'id', u.id, 'username', u.username, 'display_name', u.display_name,
        'avatar_url', u.avatar_url, 'kind', u.kind, 'deactivated', u.deactivated_at is not null) end as author,
      case when w.id is null then null else json_build_object('name', w.name, 'avatar_url', w.avatar_url) end as webhook,
      ${reactionsJson(sql`m.id`)} as reactions,
      coalesce((select json_agg(json_build_object('type', mn.target_type, 'user_id', mn.target_id,
                                                  'username', mu.username) order by mn.id)
        from ${mentions} mn left join ${users} mu on mu.id = mn.target_id where mn.message_id = m.id), '[]') as mentions,
      coalesce((select json_agg(json_build_object('id', a.id, 'filename', a.filename, 'content_type', a.content_type,
                                                  'size_bytes', a.size_bytes, 'storage_key', a.storage_key,
                                                  'channel_id', a.channel_id, 'message_id', a.message_id,
                                                  'width', a.width, 'height', a.height, 'thumb_key', a.thumb_key) order by a.id)
        from ${attachments} a where a.message_id = m.id), '[]') as attachments,
      ${replyCount(sql`m.id`)} as reply_count,
      (select max(t.created_at) from ${messages} t where t.parent_id = m.id and t.deleted_at is null) as last_reply_at
    from ${messages} m
    join ${channels} c on c.id = m.channel_id
    left join ${users} u on u.id = m.user_id
    left join ${webhooks} w on w.id = m.webhook_id
    where m.id = any(${ids})`);
  const extras = new Map(resultRows<Extras>(result).map((e) => [e.id, parseJsonFields(e)]));

  return rows.map((m) => {
    const e = extras.get(m.id);
    return assembleView(m, {
      communityId: e?.community_id ?? null,
      author: e?.author
        ? ({
            id: e.author.id,
            username: e.author.username,
            displayName: e.author.display_name,
            avatarUrl: e.author.avatar_url,
            kind: e.author.kind,
            lastSeenAt: null,
            // Only whether it is set reaches the view.
            deactivatedAt: e.author.deactivated ? new Date(0) : null,
          } as UserRow)
        : undefined,
      webhook: e?.webhook
        ? ({ name: e.webhook.name, avatarUrl: e.webhook.avatar_url } as typeof webhooks.$inferSelect)
        : undefined,
      replies: e?.reply_count
        ? { replies: e.reply_count, lastReplyAt: e.last_reply_at ? new Date(e.last_reply_at) : null }
        : undefined,
      reactions: (e?.reactions ?? []).map(
        (r): ReactionSummary => ({
          emoji: r.emoji,
          count: r.user_ids.length,
          reacted_by_me: viewerId !== null && r.user_ids.includes(viewerId),
          user_ids: r.user_ids,
        }),
      ),
      mentions: e?.mentions ?? [],
      attachments: (e?.attachments ?? []).map((a) => ({
        id: a.id,
        messageId: a.message_id,
        channelId: a.channel_id,
        uploaderId: null,
        filename: a.filename,
        contentType: a.content_type,
        sizeBytes: Number(a.size_bytes),
        storageKey: a.storage_key,
        width: a.width,
        height: a.height,
        thumbKey: a.thumb_key,
        createdAt: new Date(0),
      })),
    });
  });
}

/** A json column's value: PGlite parses json columns; some drivers hand them over as text. */
export const fromJson = <T>(v: T | string): T => (typeof v === "string" ? (JSON.parse(v) as T) : v);

function parseJsonFields(e: Extras): Extras {
  const parse = fromJson;
  return {
    ...e,
    author: parse(e.author),
    webhook: parse(e.webhook),
    reactions: parse(e.reactions),
    mentions: parse(e.mentions),
    attachments: parse(e.attachments),
  };
}

interface ViewParts {
  communityId: string | null;
  author?: UserRow;
  webhook?: typeof webhooks.$inferSelect;
  replies?: { replies: number; lastReplyAt: Date | null };
  reactions: ReactionSummary[];
  mentions: MentionView[];
  attachments: (typeof attachments.$inferSelect)[];
}

/** One message as clients see it, from its row and what was loaded (or is known) about it. */
function assembleView(m: MessageRow, parts: ViewParts) {
  const deleted = m.deletedAt !== null;
  return {
    id: m.id,
    channel_id: m.channelId,
    community_id: parts.communityId,
    parent_id: m.parentId,
    author: authorView(m, parts.author, parts.webhook),
    // A deleted message stays in history as a tombstone, without its content.
    body_md: deleted ? "" : m.bodyMd,
    deleted,
    embeds: deleted ? null : m.embeds,
    client_msg_id: m.clientMsgId,
    created_at: m.createdAt,
    edited_at: m.editedAt,
    deleted_at: m.deletedAt,
    reply_count: parts.replies?.replies ?? 0,
    last_reply_at: parts.replies?.lastReplyAt ?? null,
    reactions: deleted ? [] : parts.reactions,
    mentions: deleted ? [] : parts.mentions,
    attachments: deleted ? [] : parts.attachments.map(attachmentView),
    preview: deleted || m.previewRemovedAt ? null : ((m.preview as LinkPreview | null) ?? null),
  };
}

/**
 * The view of a message just written by a person, from what the writer already holds — no reactions
 * or replies exist yet — so posting does not read back what it just wrote.
 */
export function freshMessageView(
  m: MessageRow,
  known: {
    communityId: string | null;
    author: UserRow;
    mentions: MentionView[];
    attachments: (typeof attachments.$inferSelect)[];
  },
) {
  return assembleView(m, { ...known, reactions: [] });
}

export type MessageView = Awaited<ReturnType<typeof messageViews>>[number];

/** One message's view. */
export async function messageView(db: Db, viewerId: string | null, row: MessageRow): Promise<MessageView> {
  return (await messageViews(db, viewerId, [row]))[0] as MessageView;
}

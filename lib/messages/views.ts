import { and, count, eq, inArray, isNull, max, sql } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { attachments, channels, mentions, messages, reactions, users, webhooks } from "../db/schema.ts";
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
}

export const attachmentView = (a: typeof attachments.$inferSelect): AttachmentView => ({
  id: a.id,
  filename: a.filename,
  content_type: a.contentType,
  size_bytes: a.sizeBytes,
  url: `/api/attachments/${a.id}`,
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
    };
  }
  if (!user)
    return { id: m.userId, username: null, display_name: "deleted user", avatar_url: null, is_bot: false };
  const { online: _online, ...view } = userView(user);
  return view;
}

/**
 * Full message views for a page of rows, in the same order, with author, reactions (aggregated,
 * `reacted_by_me` for the viewer), mentions, attachments and thread reply counts — a fixed number
 * of queries however many messages, so a page never turns into N+1.
 */
export async function messageViews(db: Db, viewerId: string | null, rows: MessageRow[]) {
  if (rows.length === 0) return [];
  const ids = rows.map((m) => m.id);
  const live = rows.filter((m) => !m.deletedAt).map((m) => m.id);
  const userIds = [...new Set(rows.map((m) => m.userId).filter((id): id is string => id !== null))];
  const webhookIds = [...new Set(rows.map((m) => m.webhookId).filter((id): id is string => id !== null))];
  const channelIds = [...new Set(rows.map((m) => m.channelId))];
  const [authorRows, hookRows, channelRows, reactionRows, mentionRows, attachmentRows, replyRows] =
    await Promise.all([
      userIds.length ? db.select().from(users).where(inArray(users.id, userIds)) : [],
      webhookIds.length ? db.select().from(webhooks).where(inArray(webhooks.id, webhookIds)) : [],
      db
        .select({ id: channels.id, communityId: channels.communityId })
        .from(channels)
        .where(inArray(channels.id, channelIds)),
      live.length
        ? db
            .select({
              messageId: reactions.messageId,
              emoji: reactions.emoji,
              userIds: sql<string[]>`array_agg(${reactions.userId}::text order by ${reactions.createdAt})`,
              first: sql<Date>`min(${reactions.createdAt})`,
            })
            .from(reactions)
            .where(inArray(reactions.messageId, live))
            .groupBy(reactions.messageId, reactions.emoji)
            .orderBy(sql`min(${reactions.createdAt})`)
        : [],
      live.length
        ? db
            .select({
              messageId: mentions.messageId,
              type: mentions.targetType,
              userId: mentions.targetId,
              username: users.username,
            })
            .from(mentions)
            .leftJoin(users, eq(users.id, mentions.targetId))
            .where(inArray(mentions.messageId, live))
        : [],
      live.length
        ? db.select().from(attachments).where(inArray(attachments.messageId, live)).orderBy(attachments.id)
        : [],
      db
        .select({ parentId: messages.parentId, replies: count(), lastReplyAt: max(messages.createdAt) })
        .from(messages)
        .where(and(inArray(messages.parentId, ids), isNull(messages.deletedAt)))
        .groupBy(messages.parentId),
    ]);

  const byId = <T, K>(list: T[], key: (t: T) => K) => {
    const map = new Map<K, T[]>();
    for (const item of list) map.set(key(item), [...(map.get(key(item)) ?? []), item]);
    return map;
  };
  const authors = new Map(authorRows.map((u) => [u.id, u]));
  const hooks = new Map(hookRows.map((w) => [w.id, w]));
  const communityOf = new Map(channelRows.map((c) => [c.id, c.communityId]));
  const reactionsOf = byId(reactionRows, (r) => r.messageId);
  const mentionsOf = byId(mentionRows, (r) => r.messageId);
  const attachmentsOf = byId(attachmentRows, (r) => r.messageId);
  const repliesOf = new Map(replyRows.map((r) => [r.parentId, r]));

  return rows.map((m) =>
    assembleView(m, {
      communityId: communityOf.get(m.channelId) ?? null,
      author: m.userId ? authors.get(m.userId) : undefined,
      webhook: m.webhookId ? hooks.get(m.webhookId) : undefined,
      replies: repliesOf.get(m.id),
      reactions: (reactionsOf.get(m.id) ?? []).map(
        (r): ReactionSummary => ({
          emoji: r.emoji,
          count: r.userIds.length,
          reacted_by_me: viewerId !== null && r.userIds.includes(viewerId),
          user_ids: r.userIds,
        }),
      ),
      mentions: (mentionsOf.get(m.id) ?? []).map(
        (r): MentionView => ({
          type: r.type as MentionView["type"],
          user_id: r.userId,
          username: r.username,
        }),
      ),
      attachments: attachmentsOf.get(m.id) ?? [],
    }),
  );
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

import { and, asc, eq, gt, inArray, isNull, type SQL, sql } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import type { Db } from "../db/client.ts";
import {
  attachments,
  channelMembers,
  communityMembers,
  mentions,
  messages,
  reactions,
  users,
  webhooks,
} from "../db/schema.ts";
import { shortcodeOf } from "../emoji/shortcodes.ts";
import { parseMentions } from "../messages/mentions.ts";
import { microsToTs, slackId } from "./ids.ts";
import { markdownToMrkdwn } from "./mrkdwn-out.ts";

/** Messages read per query: a page is all an export holds of a conversation at once. */
export const PAGE_SIZE = 500;

/** A timestamp column as microseconds since the epoch, exact (a JS Date keeps only milliseconds). */
const micros = (column: SQL | typeof messages.createdAt) =>
  sql<string | null>`floor(extract(epoch from ${column}) * 1000000)::bigint::text`;

const parent = alias(messages, "parent");

/** One page of a conversation's live messages after `afterId`, in id (= time) order. */
export function messagePage(db: Db, channelId: string, afterId: string | null, onlyAuthor: string | null) {
  return db
    .select({
      id: messages.id,
      userId: messages.userId,
      webhookId: messages.webhookId,
      parentId: messages.parentId,
      bodyMd: messages.bodyMd,
      authorName: messages.authorName,
      authorAvatarUrl: messages.authorAvatarUrl,
      micros: micros(messages.createdAt),
      editedMicros: micros(sql`${messages.editedAt}`),
      authorKind: users.kind,
      webhookName: webhooks.name,
      parentUserId: parent.userId,
      parentMicros: micros(sql`${parent.createdAt}`),
    })
    .from(messages)
    .leftJoin(users, eq(users.id, messages.userId))
    .leftJoin(webhooks, eq(webhooks.id, messages.webhookId))
    .leftJoin(parent, eq(parent.id, messages.parentId))
    .where(
      and(
        eq(messages.channelId, channelId),
        isNull(messages.deletedAt),
        afterId ? gt(messages.id, afterId) : undefined,
        onlyAuthor ? eq(messages.userId, onlyAuthor) : undefined,
      ),
    )
    .orderBy(asc(messages.id))
    .limit(PAGE_SIZE);
}
export type MessageRow = Awaited<ReturnType<typeof messagePage>>[number];

const groupBy = <T>(rows: T[], key: (r: T) => string) => {
  const map = new Map<string, T[]>();
  for (const r of rows) map.set(key(r), [...(map.get(key(r)) ?? []), r]);
  return map;
};

/**
 * The people a page's `@name`s may mean, by username: members of the conversation's community (of the
 * DM, for a DM). Messages that came in by import have no mention rows, and their `@alice` should
 * still leave as `<@U…>`; nobody outside the conversation's circle is named this way.
 */
async function circleByName(db: Db, page: MessageRow[], channel: { id: string; communityId: string | null }) {
  const names = new Set<string>();
  for (const m of page)
    if (m.bodyMd.includes("@")) for (const n of parseMentions(m.bodyMd).usernames) names.add(n);
  if (names.size === 0) return new Map<string, string>();
  const rows = channel.communityId
    ? await db
        .select({ id: users.id, username: users.username })
        .from(users)
        .innerJoin(
          communityMembers,
          and(eq(communityMembers.userId, users.id), eq(communityMembers.communityId, channel.communityId)),
        )
        .where(inArray(users.username, [...names]))
    : await db
        .select({ id: users.id, username: users.username })
        .from(users)
        .innerJoin(
          channelMembers,
          and(eq(channelMembers.userId, users.id), eq(channelMembers.channelId, channel.id)),
        )
        .where(inArray(users.username, [...names]));
  return new Map(rows.map((r) => [r.username, r.id]));
}

/** What a page's messages carry beside themselves, read in one query each: no query per message. */
export async function pageExtras(
  db: Db,
  page: MessageRow[],
  channel: { id: string; communityId: string | null },
) {
  const ids = page.map((m) => m.id);
  const [reactionRows, fileRows, mentionRows, replyRows, circle] = await Promise.all([
    db
      .select({ messageId: reactions.messageId, userId: reactions.userId, emoji: reactions.emoji })
      .from(reactions)
      .where(inArray(reactions.messageId, ids))
      .orderBy(asc(reactions.createdAt), asc(reactions.userId)),
    db
      .select()
      .from(attachments)
      .where(inArray(attachments.messageId, ids))
      .orderBy(asc(attachments.createdAt), asc(attachments.id)),
    db
      .select({ messageId: mentions.messageId, userId: users.id, username: users.username })
      .from(mentions)
      .innerJoin(users, eq(users.id, mentions.targetId))
      .where(and(inArray(mentions.messageId, ids), eq(mentions.targetType, "user"))),
    db
      .select({ parentId: messages.parentId, userId: messages.userId, micros: micros(messages.createdAt) })
      .from(messages)
      .where(and(inArray(messages.parentId, ids), isNull(messages.deletedAt)))
      .orderBy(asc(messages.id)),
    circleByName(db, page, channel),
  ]);
  return {
    circle,
    reactions: groupBy(reactionRows, (r) => r.messageId),
    files: groupBy(fileRows, (r) => r.messageId as string),
    mentions: groupBy(mentionRows, (r) => r.messageId),
    replies: groupBy(replyRows, (r) => r.parentId as string),
  };
}
export type PageExtras = Awaited<ReturnType<typeof pageExtras>>;
export type FileRow = typeof attachments.$inferSelect;

/** A stored file's name as a zip path segment: no folders, no `..`, nothing an unzip would trip on. */
export const safeName = (name: string) =>
  name
    .replace(/[/\\\p{Cc}]/gu, "_")
    .replace(/^\.+/, "_")
    .slice(0, 200) || "file";

/** Where a file rides along in the zip (the layout slackdump uses, which importers read). */
export const uploadPath = (file: FileRow) =>
  `__uploads/${slackId("file", file.id)}/${safeName(file.filename)}`;

/**
 * One message in Slack's shape. `ts` is its own, `threadTs` its thread's; `seen` collects every person
 * it names (author, reactors, mentioned, repliers) for users.json.
 */
export function slackMessage(
  m: MessageRow,
  ts: string,
  threadTs: string | null,
  extras: PageExtras,
  seen: Set<string>,
) {
  const user = m.userId ? slackId("user", m.userId) : undefined;
  if (m.userId) seen.add(m.userId);
  const named = new Map((extras.mentions.get(m.id) ?? []).map((r) => [r.username, r.userId]));
  for (const id of named.values()) seen.add(id);
  const text = markdownToMrkdwn(m.bodyMd, (username) => {
    const id = named.get(username) ?? extras.circle.get(username);
    if (id) seen.add(id);
    return id ? slackId("user", id) : undefined;
  });
  const webhook = m.webhookId && !m.userId;
  const out: Record<string, unknown> = {
    type: "message",
    ...(webhook ? { subtype: "bot_message" } : {}),
    ...(user ? { user } : {}),
    ...(webhook
      ? {
          bot_id: slackId("bot", m.webhookId as string),
          username: m.authorName ?? m.webhookName ?? "webhook",
        }
      : {}),
    ...(m.authorKind === "bot" && m.userId ? { bot_id: slackId("bot", m.userId) } : {}),
    ...(webhook && m.authorAvatarUrl ? { icons: { image_48: m.authorAvatarUrl } } : {}),
    text,
    ts,
  };
  if (threadTs) {
    out.thread_ts = threadTs;
    if (m.parentUserId) {
      out.parent_user_id = slackId("user", m.parentUserId);
      seen.add(m.parentUserId);
    }
  }
  const replies = extras.replies.get(m.id);
  if (replies?.length) {
    const replyUsers = [...new Set(replies.flatMap((r) => (r.userId ? [r.userId] : [])))];
    for (const id of replyUsers) seen.add(id);
    const replyTs = replies.map((r) => microsToTs(BigInt(r.micros as string)));
    Object.assign(out, {
      thread_ts: ts,
      reply_count: replies.length,
      reply_users_count: replyUsers.length,
      latest_reply: replyTs.at(-1),
      reply_users: replyUsers.map((id) => slackId("user", id)),
      replies: replies.map((r, i) => ({ user: r.userId ? slackId("user", r.userId) : "", ts: replyTs[i] })),
    });
  }
  if (m.editedMicros) out.edited = { user: user ?? "", ts: microsToTs(BigInt(m.editedMicros)) };
  const reacted = extras.reactions.get(m.id);
  if (reacted?.length) {
    const byEmoji = groupBy(reacted, (r) => r.emoji);
    out.reactions = [...byEmoji].map(([emoji, rows]) => {
      for (const r of rows) seen.add(r.userId);
      return {
        name: shortcodeOf(emoji),
        users: rows.map((r) => slackId("user", r.userId)),
        count: rows.length,
      };
    });
  }
  const files = extras.files.get(m.id);
  if (files?.length) {
    out.files = files.map((f) => ({
      id: slackId("file", f.id),
      created: Math.floor(f.createdAt.getTime() / 1000),
      timestamp: Math.floor(f.createdAt.getTime() / 1000),
      name: f.filename,
      title: f.filename,
      mimetype: f.contentType,
      filetype: /\.([A-Za-z0-9]{1,10})$/.exec(f.filename)?.[1]?.toLowerCase() ?? "binary",
      size: f.sizeBytes,
      user: f.uploaderId ? slackId("user", f.uploaderId) : (user ?? ""),
      mode: "hosted",
      ...(f.width && f.height ? { original_w: f.width, original_h: f.height } : {}),
    }));
  }
  return out;
}

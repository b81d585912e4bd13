import { and, eq, inArray, isNull, sql } from "drizzle-orm";
import type { UserRow } from "../auth/sessions.ts";
import type { Outgoing } from "../bus/publish.ts";
import type { ChannelAccess } from "../channels/access.ts";
import { channelEvent, channelEventTo } from "../channels/subjects.ts";
import { refuseNul } from "../control-chars.ts";
import type { Db } from "../db/client.ts";
import { attachments, channelMembers, messages } from "../db/schema.ts";
import { conflict, invalid, notFound } from "../errors.ts";
import { notifiedEvents, recordMentionsAndNotify } from "../notifications/rules.ts";
import { parseMentions } from "./mentions.ts";
import { insertPost } from "./post-statement.ts";
import { messageColumns } from "./row.ts";
import {
  freshMessageView,
  type MessageRow,
  type MessageView,
  messageView,
  threadReplyCount,
} from "./views.ts";

export const MAX_BODY_CHARS = 40_000;

export interface NewMessage {
  bodyMd: string;
  parentId?: string | null;
  clientMsgId?: string | null;
  attachmentIds?: string[];
  /** Webhook posts: who wrote it and how it shows. */
  webhookId?: string | null;
  authorName?: string | null;
  authorAvatarUrl?: string | null;
  embeds?: unknown;
  webhookKey?: string | null;
  /** The author's row when the caller holds it: the new message's view is then built without reading back. */
  author?: UserRow;
}

/** Throws 400 unless the body is 1 to 40,000 characters of something other than whitespace. */
export function checkBody(body: string) {
  if (body.trim() === "") throw invalid("body_md: must not be empty");
  if (body.length > MAX_BODY_CHARS) throw invalid(`body_md: must be at most ${MAX_BODY_CHARS} characters`);
  refuseNul("body_md", body);
}

/**
 * Posts a message in a channel the caller may post in. With a `clientMsgId` already used by the same
 * author, returns the first message (no second row, even when retries race) and announces it again
 * under the same dedupe key: the first request may have committed and died before publishing, and
 * a retry is how the message then reaches live readers; if the first did publish, the bus keeps one.
 * Returns the message row, whether it is new, and the events to publish after commit.
 */
export async function doPostMessage(
  db: Db,
  authorId: string | null,
  access: ChannelAccess,
  input: NewMessage,
): Promise<{ message: MessageRow; created: boolean; events: Outgoing[]; view?: MessageView }> {
  checkBody(input.bodyMd);
  const { channel } = access;
  if (authorId && input.author?.id === authorId && !input.attachmentIds?.length && !input.webhookId) {
    return postInOneStatement(db, input.author, access, input);
  }
  return db.transaction(async (tx) => {
    const parentId = input.parentId ?? null;
    if (parentId) await checkParent(tx, channel.id, parentId);
    // The author's membership row is taken before the insert's trigger takes the channel's history
    // version, the order a post's one statement takes them in: the same person posting a file and a
    // line at once would otherwise deadlock. Posting in a public channel joins it.
    if (authorId)
      await tx
        .insert(channelMembers)
        .values({ channelId: channel.id, userId: authorId })
        .onConflictDoUpdate({
          target: [channelMembers.channelId, channelMembers.userId],
          set: { joinedAt: sql`${channelMembers.joinedAt}` },
        });

    const [inserted] = await tx
      .insert(messages)
      .values({
        channelId: channel.id,
        userId: authorId,
        webhookId: input.webhookId ?? null,
        parentId,
        bodyMd: input.bodyMd,
        clientMsgId: input.clientMsgId ?? null,
        authorName: input.authorName ?? null,
        authorAvatarUrl: input.authorAvatarUrl ?? null,
        embeds: input.embeds ?? null,
        webhookKey: input.webhookKey ?? null,
      })
      .onConflictDoNothing()
      .returning();
    if (!inserted) {
      const first = await firstSend(tx, authorId, channel.id, input);
      const again = await createdEvent(tx, channel, authorId, first, await messageView(tx, null, first));
      return { message: first, created: false, events: [again] };
    }

    if (authorId) {
      // Your own message is read.
      await tx
        .update(channelMembers)
        .set({ lastReadMessageId: inserted.id, lastReadAt: new Date() })
        .where(and(eq(channelMembers.channelId, channel.id), eq(channelMembers.userId, authorId)));
    }
    const files = input.attachmentIds?.length
      ? await attachUploads(tx, authorId, channel.id, inserted.id, input.attachmentIds)
      : [];
    const told = await recordMentionsAndNotify(tx, channel, inserted, "post");
    const view =
      input.author && input.author.id === authorId
        ? freshMessageView(inserted, {
            communityId: channel.communityId,
            author: input.author,
            mentions: told.mentions,
            attachments: files,
          })
        : await messageView(tx, null, inserted);
    const events: Outgoing[] = [await createdEvent(tx, channel, authorId, inserted, view), ...told.events];
    return { message: inserted, created: true, events, view };
  });
}

/** A person's post without attachments: one statement (lib/messages/post-statement.ts), no transaction. */
async function postInOneStatement(db: Db, author: UserRow, access: ChannelAccess, input: NewMessage) {
  const { channel } = access;
  const parentId = input.parentId ?? null;
  const posted = await insertPost(
    db,
    author.id,
    access,
    { bodyMd: input.bodyMd, parentId, clientMsgId: input.clientMsgId ?? null },
    parseMentions(input.bodyMd),
  );
  if (posted.parent === "missing") throw notFound("parent message");
  if (posted.parent === "nested") throw nestedThread();
  if (!posted.message) {
    // A retry: announce the first one again (the bus stores it once), in case the answer was lost
    // because this process stopped between the commit and the publish.
    const first = await firstSend(db, author.id, channel.id, input);
    const again = await createdEvent(db, channel, author.id, first, await messageView(db, null, first));
    return { message: first, created: false, events: [again] };
  }
  const view = freshMessageView(posted.message, {
    communityId: channel.communityId,
    author,
    mentions: posted.mentions,
    attachments: [],
  });
  const events: Outgoing[] = [
    {
      ...channelEventTo("message.created", channel, author.id, posted.audience ?? undefined, {
        message: view,
        ...(parentId ? { thread_reply_count: posted.replyCount } : {}),
      }),
      dedupeKey: `message.created:${posted.message.id}`,
    },
    ...notifiedEvents(posted.notifications, input.bodyMd),
  ];
  return { message: posted.message, created: true, events, view };
}

const nestedThread = () =>
  invalid(
    "parent_id: threads are one level deep; reply to the thread's first message instead",
    "nested_thread",
  );

/** The message.created event, keyed by the message so announcing it twice stores it once. */
async function createdEvent(
  tx: Db,
  channel: ChannelAccess["channel"],
  authorId: string | null,
  message: MessageRow,
  view: MessageView,
): Promise<Outgoing> {
  const parentId = message.parentId;
  return {
    ...(await channelEvent(tx, "message.created", channel, authorId, {
      message: view,
      ...(parentId ? { thread_reply_count: await threadReplyCount(tx, parentId) } : {}),
    })),
    dedupeKey: `message.created:${message.id}`,
  };
}

async function checkParent(db: Db, channelId: string, parentId: string) {
  const [parent] = await db
    .select({ parentId: messages.parentId, deletedAt: messages.deletedAt })
    .from(messages)
    .where(and(eq(messages.id, parentId), eq(messages.channelId, channelId)));
  if (!parent) throw notFound("parent message");
  if (parent.parentId) throw nestedThread();
}

/** The message an earlier send with the same key created; a key reused elsewhere is a conflict. */
async function firstSend(
  db: Db,
  authorId: string | null,
  channelId: string,
  input: NewMessage,
): Promise<MessageRow> {
  const [first] = await db
    .select(messageColumns)
    .from(messages)
    .where(
      authorId && input.clientMsgId
        ? and(eq(messages.userId, authorId), eq(messages.clientMsgId, input.clientMsgId))
        : and(eq(messages.webhookId, input.webhookId ?? ""), eq(messages.webhookKey, input.webhookKey ?? "")),
    );
  if (!first) throw conflict("the message could not be created; try again");
  if (first.channelId !== channelId || first.parentId !== (input.parentId ?? null)) {
    throw conflict("client_msg_id was already used for another message");
  }
  return first;
}

async function attachUploads(
  db: Db,
  uploaderId: string | null,
  channelId: string,
  messageId: string,
  ids: string[],
) {
  const unique = [...new Set(ids)];
  const claimed = await db
    .update(attachments)
    .set({ messageId })
    .where(
      and(
        inArray(attachments.id, unique),
        eq(attachments.channelId, channelId),
        isNull(attachments.messageId),
        uploaderId ? eq(attachments.uploaderId, uploaderId) : sql`false`,
      ),
    )
    .returning();
  if (claimed.length !== unique.length) {
    throw invalid(
      "attachment_ids: each must be your own upload to this channel, not yet attached",
      "invalid_attachment",
    );
  }
  return claimed.sort((a, b) => (a.id < b.id ? -1 : 1));
}

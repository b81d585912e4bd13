import { and, eq, sql } from "drizzle-orm";
import { parseToken, secretMatches } from "../auth/tokens.ts";
import type { Outgoing } from "../bus/publish.ts";
import type { ChannelAccess, ChannelRow } from "../channels/access.ts";
import { channelEvent } from "../channels/subjects.ts";
import type { Db } from "../db/client.ts";
import { channels, mentions, messages, webhooks, webhookThreads } from "../db/schema.ts";
import { doPostMessage } from "../messages/post.ts";
import { type MessageRow, messageView } from "../messages/views.ts";
import { recordMentionsAndNotify } from "../notifications/rules.ts";
import { previewAfterEdit } from "../unfurls/after-edit.ts";
import type { WebhookRow } from "./manage.ts";
import type { WebhookPost } from "./payload.ts";

export interface LiveWebhook {
  webhook: WebhookRow;
  channel: ChannelRow;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * What a `/hook/<id>/<token>` URL names. `null`: no webhook has that id (nobody to tell). Otherwise
 * the webhook and its channel, with `refused` saying in words why the call may not post (a wrong,
 * malformed or old token, a revoked webhook) — the caller answers all of those `no_service`, and
 * the webhook's log keeps the reason for its managers.
 */
export async function lookupWebhook(
  db: Db,
  id: string,
  token: string,
): Promise<(LiveWebhook & { refused: string | null }) | null> {
  if (!UUID.test(id)) return null;
  const [row] = await db
    .select({ webhook: webhooks, channel: channels })
    .from(webhooks)
    .innerJoin(channels, eq(channels.id, webhooks.channelId))
    .where(eq(webhooks.id, id.toLowerCase()));
  if (!row) return null;
  const parsed = parseToken("webhook", token);
  const refused = !parsed
    ? "the URL's token is malformed (it should look like ajw_…)"
    : parsed.id !== row.webhook.id || !secretMatches(parsed.secret, row.webhook.tokenHash)
      ? "wrong token: the URL's secret is not this webhook's"
      : row.webhook.revokedAt
        ? "the webhook is revoked"
        : null;
  return { ...row, refused };
}

/**
 * Posts a webhook's message into its channel, as the webhook (its name and avatar unless the post
 * overrides them and the webhook allows it). With `key`, a later post with the same key edits the
 * first message instead; with `thread_key`, the first post starts a thread and later ones reply in
 * it. Deliveries of one webhook take turns, so a key's first use cannot race itself. The caller
 * queues the message's link preview.
 */
export async function doDeliverWebhook(db: Db, hook: LiveWebhook, post: WebhookPost) {
  const { webhook, channel } = hook;
  const access: ChannelAccess = { channel, membership: null, role: null };
  const { embeds, ...shown } = shownAs(webhook, post);
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`webhook:${webhook.id}`}))`);
    if (post.key) {
      const [earlier] = await tx
        .select()
        .from(messages)
        .where(and(eq(messages.webhookId, webhook.id), eq(messages.webhookKey, post.key)));
      if (earlier && !earlier.deletedAt) {
        return doEditWebhookMessage(tx, access, earlier, { bodyMd: post.bodyMd, embeds, ...shown });
      }
      // A deleted message keeps its tombstone; the key moves on to a new message.
      if (earlier) await tx.update(messages).set({ webhookKey: null }).where(eq(messages.id, earlier.id));
    }
    const parentId = post.threadKey ? await threadRoot(tx, webhook.id, post.threadKey) : null;
    const posted = await doPostMessage(tx, null, access, {
      bodyMd: post.bodyMd,
      parentId,
      webhookId: webhook.id,
      webhookKey: post.key,
      embeds,
      ...shown,
    });
    if (post.threadKey && !parentId) {
      await tx
        .insert(webhookThreads)
        .values({ webhookId: webhook.id, threadKey: post.threadKey, messageId: posted.message.id })
        .onConflictDoUpdate({
          target: [webhookThreads.webhookId, webhookThreads.threadKey],
          set: { messageId: posted.message.id },
        });
    }
    return { message: posted.message, created: true, events: posted.events };
  });
}

/** How a post shows: its own name, picture and emoji only when the webhook allows overrides. */
export function shownAs(webhook: WebhookRow, post: WebhookPost) {
  if (webhook.allowOverride)
    return { authorName: post.username, authorAvatarUrl: post.avatarUrl, embeds: post.embeds };
  const embeds = post.embeds?.icon_emoji ? { ...post.embeds, icon_emoji: undefined } : post.embeds;
  return { authorName: null, authorAvatarUrl: null, embeds };
}

/** The live message that started the key's thread; a deleted one lets the next post start anew. */
export async function threadRoot(db: Db, webhookId: string, threadKey: string) {
  const [row] = await db
    .select({ id: messages.id, deletedAt: messages.deletedAt })
    .from(webhookThreads)
    .innerJoin(messages, eq(messages.id, webhookThreads.messageId))
    .where(and(eq(webhookThreads.webhookId, webhookId), eq(webhookThreads.threadKey, threadKey)));
  return row && !row.deletedAt ? row.id : null;
}

/** Replaces a webhook message's body, embeds and shown name; mentions and preview follow the text. */
async function doEditWebhookMessage(
  db: Db,
  access: ChannelAccess,
  message: MessageRow,
  change: { bodyMd: string; embeds: unknown; authorName: string | null; authorAvatarUrl: string | null },
) {
  const { channel } = access;
  const [row] = await db
    .update(messages)
    .set({ ...change, editedAt: new Date(), preview: previewAfterEdit(message, change.bodyMd).preview })
    .where(eq(messages.id, message.id))
    .returning();
  const updated = row as MessageRow;
  await db.delete(mentions).where(eq(mentions.messageId, message.id));
  // A keyed edit is a status updated in place: it notifies nobody, not even someone newly mentioned.
  await recordMentionsAndNotify(db, channel, updated, "none");
  const events: Outgoing[] = [
    await channelEvent(db, "message.updated", channel, null, {
      message: await messageView(db, null, updated),
    }),
  ];
  return { message: updated, created: false, events };
}

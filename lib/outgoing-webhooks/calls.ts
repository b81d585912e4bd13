import { eq, sql } from "drizzle-orm";
import { prepared } from "../db/prepared.ts";
import { channels, communities, outgoingWebhooks } from "../db/schema.ts";
import type { OutboxHandler } from "../integrations/outbox-worker.ts";
import { callIntegration } from "../outbound/call-integration.ts";
import { doPostReply } from "./reply.ts";

/** What the outbox needs to know of a posted message (the event's view of it). */
interface PostedMessage {
  id: string;
  channel_id: string;
  parent_id: string | null;
  body_md: string;
  created_at: string;
  author: { id: string | null; username: string | null; is_bot: boolean };
}

/** The trigger word a message starts with (case-insensitive, as people type), "" with none set; null: no match. */
export function triggerOf(text: string, words: string[]): string | null {
  if (words.length === 0) return "";
  const lower = text.trimStart().toLowerCase();
  return words.find((w) => lower.startsWith(w.toLowerCase())) ?? null;
}

// Slack's message timestamps: seconds, a dot, six digits.
const slackTs = (iso: string) => (Date.parse(iso) / 1000).toFixed(6);

// Read for every message posted, by every api instance: prepared, not built each time.
const hooksOf = prepared((db) =>
  db
    .select()
    .from(outgoingWebhooks)
    .where(eq(outgoingWebhooks.communityId, sql.placeholder("communityId")))
    .prepare("outgoing_webhooks_of_community"),
);

/**
 * Outgoing webhooks as the outbox runs them. A new message in a channel a webhook listens to (and,
 * if it has trigger words, starting with one) is POSTed as Slack's legacy form (Mattermost reads it
 * too), with the webhook's token in it and signed with that token the v0 way. Messages of bots and
 * incoming webhooks never trigger one, so a reply (posted by the webhook's bot) cannot start a loop.
 */
export const outgoingWebhookCalls: OutboxHandler = {
  kind: "outgoing_webhook",
  async callsFor(db, { event }, eventId) {
    if (event.type !== "message.created" || !event.community_id || !event.channel_id) return [];
    const message = event.data.message as PostedMessage | undefined;
    if (!message || message.author.is_bot || !message.author.id) return [];
    const hooks = await hooksOf(db).execute({ communityId: event.community_id });
    const isPublic = !Array.isArray(event.data.audience);
    const chosen = hooks.flatMap((h) => {
      const listens = h.channelIds === null ? isPublic : h.channelIds.includes(message.channel_id);
      const trigger = listens ? triggerOf(message.body_md, h.triggerWords) : null;
      return trigger === null ? [] : [{ hook: h, trigger }];
    });
    if (chosen.length === 0) return [];
    const [where] = await db
      .select({ channelName: channels.name, slug: communities.slug })
      .from(channels)
      .innerJoin(communities, eq(communities.id, channels.communityId))
      .where(eq(channels.id, message.channel_id));
    if (!where) return [];
    const communityId = event.community_id;
    return chosen.map(({ hook, trigger }) => ({
      communityId,
      kind: "outgoing_webhook" as const,
      targetId: hook.id,
      eventId: eventId(),
      // The token is added when sending: it is a secret, and this row is shown as a dead letter.
      payload: {
        team_id: communityId,
        team_domain: where.slug,
        channel_id: message.channel_id,
        channel_name: where.channelName,
        timestamp: slackTs(message.created_at),
        user_id: message.author.id,
        user_name: message.author.username ?? "",
        text: message.body_md,
        trigger_word: trigger,
        // Mattermost's names for the message and its thread, for replies in the thread.
        post_id: message.id,
        thread_id: message.parent_id ?? message.id,
      },
    }));
  },
  async deliver(deps, row, timeoutMs) {
    const [hook] = await deps.db.select().from(outgoingWebhooks).where(eq(outgoingWebhooks.id, row.targetId));
    if (!hook) return null;
    const fields = { token: hook.token, ...row.payload };
    const json = hook.contentType === "json";
    const body = json
      ? JSON.stringify(fields)
      : new URLSearchParams(
          Object.entries(fields).map(([k, v]): [string, string] => [k, String(v)]),
        ).toString();
    const result = await callIntegration(deps.outbound, {
      url: hook.url,
      body,
      contentType: json ? "application/json" : "application/x-www-form-urlencoded",
      signingSecret: hook.token,
      headers: { "x-ajet-event-id": row.eventId },
      timeoutMs,
    });
    if (!result.ok) return { request: body, result };
    const posted = await doPostReply(deps, hook, row.payload, { ...result, eventId: row.eventId });
    return { request: body, result: posted };
  },
};

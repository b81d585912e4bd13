import { eq } from "drizzle-orm";
import { z } from "zod";
import { publishAll } from "../bus/publish.ts";
import type { ChannelAccess } from "../channels/access.ts";
import { channels } from "../db/schema.ts";
import { AppError } from "../errors.ts";
import type { OutboxDeps } from "../integrations/outbox-worker.ts";
import { doPostMessage } from "../messages/post.ts";
import type { IntegrationResult } from "../outbound/call-integration.ts";
import { doCacheRemoteImage, remoteImageUrl } from "../outbound/remote-image.ts";
import { mrkdwnToMarkdown } from "../webhooks/mrkdwn.ts";
import type { OutgoingWebhookRow } from "./manage.ts";

// Slack's reply, and Mattermost's `response_type: comment` (answer in the message's thread).
const replySchema = z.object({
  text: z.string().max(40_000).optional(),
  username: z.string().trim().min(1).max(80).optional(),
  icon_url: z.url({ protocol: /^https?$/ }).optional(),
  response_type: z.string().optional(),
});

/**
 * Posts an outgoing webhook's reply into the channel by the webhook's bot, shown under the
 * webhook's name (or the reply's `username`). An empty reply, or one without text, posts nothing.
 * A reply that cannot be posted still counts as delivered (the call succeeded; calling again would
 * not help) and says why in the delivery log. Keyed by the event, so a repeated call posts once.
 */
export async function doPostReply(
  deps: OutboxDeps,
  hook: OutgoingWebhookRow,
  payload: Record<string, unknown>,
  call: IntegrationResult & { eventId: string },
): Promise<IntegrationResult> {
  const { eventId, ...result } = call;
  if (!result.body.trim().startsWith("{")) return result;
  let reply: z.infer<typeof replySchema>;
  try {
    reply = replySchema.parse(JSON.parse(result.body));
  } catch {
    return { ...result, error: 'the reply is not Slack\'s JSON ({"text": …}); nothing was posted' };
  }
  const text = reply.text?.trim() ? mrkdwnToMarkdown(reply.text) : "";
  if (!text) return result;
  const [channel] = await deps.db
    .select()
    .from(channels)
    .where(eq(channels.id, String(payload.channel_id)));
  if (!channel || channel.archivedAt)
    return { ...result, error: "the channel is gone or archived; the reply was not posted" };
  const icon = reply.icon_url
    ? await doCacheRemoteImage({ ...deps }, reply.icon_url, "integration", 128)
    : null;
  const access: ChannelAccess = { channel, membership: null, role: "member" };
  try {
    const posted = await doPostMessage(deps.db, hook.botUserId, access, {
      bodyMd: text,
      parentId: reply.response_type === "comment" ? String(payload.thread_id) : null,
      authorName: reply.username ?? hook.name,
      authorAvatarUrl: icon ? remoteImageUrl(icon) : null,
      clientMsgId: `outgoing:${eventId}`,
    });
    await publishAll(deps.bus, posted.events);
    return result;
  } catch (err) {
    if (err instanceof AppError) return { ...result, error: `the reply was not posted: ${err.message}` };
    throw err;
  }
}

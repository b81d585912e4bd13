import { and, eq, isNull, sql } from "drizzle-orm";
import { checkAdmin } from "../communities/access.ts";
import type { Db } from "../db/client.ts";
import { channels, communityMembers, webhooks } from "../db/schema.ts";
import { invalid, notFound } from "../errors.ts";
import { recordDelivery } from "../integrations/delivery-log.ts";
import type { LiveWebhook } from "./deliver.ts";
import { channelReadableBy, type WebhookRow } from "./manage.ts";

/** One call of a webhook, as its log keeps it. */
export interface WebhookCall {
  startedAt: number;
  /** The body as received; the log masks its secrets. */
  request: string;
  status: number;
  word: string;
  error: string | null;
  warnings: string[];
  dryRun: boolean;
}

/**
 * Writes a call into the webhook's delivery log (kind `incoming_webhook`): status, latency, the
 * masked body, the reason in words, and what was ignored, so its managers see why in one look.
 */
export function logWebhookCall(db: Db, hook: LiveWebhook, call: WebhookCall) {
  return recordDelivery(db, {
    communityId: hook.webhook.communityId,
    kind: "incoming_webhook",
    subjectId: hook.webhook.id,
    request: call.request,
    dryRun: call.dryRun,
    result: {
      ok: call.status === 200,
      status: call.status,
      latencyMs: performance.now() - call.startedAt,
      error: call.error,
      body: [call.word, ...call.warnings.map((w) => `warning: ${w}`)].join("\n"),
    },
  });
}

/**
 * A webhook the caller manages: owners and admins of its community who may read its channel (its
 * log holds what it posts there). Someone outside the community, or an admin outside its private
 * channel, gets the same 404 as for a webhook that does not exist; a member who is not an admin
 * gets 403. Revoked ones stay readable (their log says why calls fail).
 */
export async function accessWebhook(db: Db, userId: string, webhookId: string) {
  const [row] = await db
    .select({ webhook: webhooks, channelName: channels.name, role: communityMembers.role })
    .from(webhooks)
    .innerJoin(channels, eq(channels.id, webhooks.channelId))
    .innerJoin(
      communityMembers,
      and(eq(communityMembers.communityId, webhooks.communityId), eq(communityMembers.userId, userId)),
    )
    .where(and(eq(webhooks.id, webhookId), channelReadableBy(userId)));
  if (!row) throw notFound("webhook");
  checkAdmin(row, "manage webhooks");
  return { webhook: row.webhook as WebhookRow, channelName: row.channelName };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A live webhook of the community by id or by name (case-insensitive), posting into a channel the
 * user may read (as `accessWebhook`); a shared name must be an id.
 */
export async function findCommunityWebhook(db: Db, userId: string, communityId: string, nameOrId: string) {
  const byId = UUID.test(nameOrId);
  const matches = await db
    .select({ webhook: webhooks, channel: channels })
    .from(webhooks)
    .innerJoin(channels, eq(channels.id, webhooks.channelId))
    .where(
      and(
        eq(webhooks.communityId, communityId),
        isNull(webhooks.revokedAt),
        channelReadableBy(userId),
        byId ? eq(webhooks.id, nameOrId.toLowerCase()) : sql`lower(${webhooks.name}) = lower(${nameOrId})`,
      ),
    )
    .limit(2);
  if (matches.length > 1)
    throw invalid(`several webhooks are named "${nameOrId}": use its id (/webhook list shows them)`);
  const [match] = matches;
  if (!match) throw notFound(`webhook "${nameOrId}"`, "unknown_webhook");
  return match as LiveWebhook;
}

import { publishAll } from "../../../lib/bus/publish.ts";
import { isKind } from "../../../lib/errors.ts";
import { readBodyText } from "../../../lib/http/body.ts";
import { type Route, route } from "../../../lib/http/router.ts";
import { openLimiter } from "../../../lib/limits/limits.ts";
import { rateLimitRefusals, webhookDeliveries } from "../../../lib/metrics/metrics.ts";
import { doCacheRemoteImage, remoteImageUrl } from "../../../lib/outbound/remote-image.ts";
import { doDeliverWebhook, findWebhook } from "../../../lib/webhooks/deliver.ts";
import { parseWebhookBody } from "../../../lib/webhooks/payload.ts";
import type { ApiDeps } from "../deps.ts";

// Slack allows about one post a second per webhook, with short bursts.
export const WEBHOOK_BURST = 20;
export const WEBHOOK_PER_SECOND = 1;

/** Slack's answers: a short word as text/plain, counted by that word. */
function reply(status: number, word: string, headers: Record<string, string> = {}) {
  webhookDeliveries.inc({ outcome: word });
  if (status === 429) rateLimitRefusals.inc({ bucket: "webhook" });
  return new Response(word, { status, headers: { "Content-Type": "text/plain; charset=utf-8", ...headers } });
}

/**
 * Incoming webhooks: `POST /hook/<id>/<token>`, no session. Answers like Slack so its clients work
 * unchanged: `ok`, `no_service` (unknown, wrong or revoked), `rate_limited` with Retry-After,
 * `channel_is_archived`, `payload_too_large`, `invalid_payload`, `invalid_blocks`, `no_text`.
 */
export function webhookRoutes(deps: ApiDeps): Route[] {
  const buckets = openLimiter(deps.db, "webhook", { burst: WEBHOOK_BURST, perSecond: WEBHOOK_PER_SECOND });
  return [
    route("POST", "/hook/:id/:token", async (req, ctx) => {
      const hook = await findWebhook(deps.db.db, ctx.params.id ?? "", ctx.params.token ?? "");
      if (!hook) return reply(404, "no_service");
      const wait = await buckets.take(hook.webhook.id);
      if (wait > 0) return reply(429, "rate_limited", { "Retry-After": String(wait) });
      if (hook.channel.archivedAt) return reply(410, "channel_is_archived");
      let raw: string;
      try {
        raw = await readBodyText(req, deps.config.limits.maxBodyBytes);
      } catch (err) {
        if (isKind(err, "too_large")) return reply(413, "payload_too_large");
        throw err;
      }
      const parsed = parseWebhookBody(req.headers.get("content-type"), raw);
      if (!parsed.ok) return reply(400, parsed.code);
      // A remote icon is fetched once through the safe fetcher and served by us, never hot-linked.
      const icon =
        hook.webhook.allowOverride && parsed.post.avatarUrl
          ? await doCacheRemoteImage(
              { db: deps.db.db, store: deps.store, outbound: deps.outbound },
              parsed.post.avatarUrl,
              "integration",
              128,
            )
          : null;
      const post = { ...parsed.post, avatarUrl: icon ? remoteImageUrl(icon) : null };
      const { message, events } = await doDeliverWebhook(deps.db.db, hook, post);
      await publishAll(deps.bus, events);
      // Posted or edited by key: a card already there for the same link makes this a no-op.
      if (post.unfurl !== false) deps.unfurls.queue(message.id);
      return reply(200, "ok");
    }),
  ];
}

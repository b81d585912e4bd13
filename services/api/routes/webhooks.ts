import { publishAll } from "../../../lib/bus/publish.ts";
import { isKind } from "../../../lib/errors.ts";
import { readBodyText } from "../../../lib/http/body.ts";
import { type Route, route } from "../../../lib/http/router.ts";
import { openLimiter } from "../../../lib/limits/limits.ts";
import { rateLimitRefusals, webhookDeliveries } from "../../../lib/metrics/metrics.ts";
import { doCacheRemoteImage, remoteImageUrl } from "../../../lib/outbound/remote-image.ts";
import { lookupWebhook } from "../../../lib/webhooks/deliver.ts";
import { logWebhookCall } from "../../../lib/webhooks/inspect.ts";
import { doReceiveWebhook, type Received, refused } from "../../../lib/webhooks/receive.ts";
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

/** What the log keeps of a body: a form's `payload` JSON itself, so its secret fields are masked as JSON. */
function loggedRequest(contentType: string | null, raw: string) {
  const form = contentType?.toLowerCase().startsWith("application/x-www-form-urlencoded");
  return (form && new URLSearchParams(raw).get("payload")) || raw;
}

/** A dry run's answer: JSON, so a person debugging a payload reads the rendered message and warnings. */
function dryRunReply(got: Received, headers: Record<string, string>) {
  webhookDeliveries.inc({ outcome: `dry_run_${got.word}` });
  // Why a URL is refused (wrong token, revoked) is for the webhook's managers, not for whoever holds the URL.
  const message = got.status === 404 ? "no live webhook at this URL" : got.error;
  if (got.status !== 200)
    return Response.json({ error: { code: got.word, message } }, { status: got.status, headers });
  return Response.json({ ok: true, dry_run: true, ...got.preview, warnings: got.warnings });
}

/**
 * Incoming webhooks: `POST /hook/<id>/<token>`, no session. Answers like Slack so its clients work
 * unchanged: `ok`, `no_service` (unknown, wrong or revoked), `rate_limited` with Retry-After,
 * `channel_is_archived`, `payload_too_large`, `invalid_payload`, `invalid_blocks`, `no_text`.
 * `?dry_run=1` answers the message as it would be drawn, as JSON, and posts nothing. Every call
 * naming a webhook that exists goes into its delivery log, with the reason in words.
 */
export function webhookRoutes(deps: ApiDeps): Route[] {
  const db = deps.db.db;
  const buckets = openLimiter(deps.db, "webhook", { burst: WEBHOOK_BURST, perSecond: WEBHOOK_PER_SECOND });
  // Refusals (wrong token, rate limited) are logged only this often per webhook: anyone who knows a
  // webhook's id could otherwise flood its log and push out the calls its owner needs to see.
  const refusalsLogged = openLimiter(deps.db, "webhook-refusal-log", { burst: 5, perSecond: 1 / 60 });
  const cacheIcon = async (url: string) => {
    const media = { db, store: deps.store, outbound: deps.outbound };
    const icon = await doCacheRemoteImage(media, url, "integration", 128);
    return icon ? remoteImageUrl(icon) : null;
  };
  return [
    route("POST", "/hook/:id/:token", async (req, ctx) => {
      const startedAt = performance.now();
      const dryRun = ["1", "true"].includes(ctx.url.searchParams.get("dry_run") ?? "");
      const hook = await lookupWebhook(db, ctx.params.id ?? "", ctx.params.token ?? "");
      if (!hook) return dryRun ? dryRunReply(refused(404, "no_service", ""), {}) : reply(404, "no_service");
      /** Logs the call (refusals only while their own bucket lasts) and answers it. */
      const answer = async (got: Received, request: string, headers: Record<string, string> = {}) => {
        const refusal = got.status === 404 || got.status === 429;
        if (!refusal || (await refusalsLogged.take(hook.webhook.id)) === 0)
          await logWebhookCall(db, hook, { ...got, startedAt, request, dryRun });
        return dryRun ? dryRunReply(got, headers) : reply(got.status, got.word, headers);
      };
      if (hook.refused) return answer(refused(404, "no_service", hook.refused), "");
      const wait = await buckets.take(hook.webhook.id);
      if (wait > 0) {
        const why = `rate limited: more than ${WEBHOOK_BURST} posts at once, then ${WEBHOOK_PER_SECOND} a second; retry after ${wait} s`;
        return answer(refused(429, "rate_limited", why), "", { "Retry-After": String(wait) });
      }
      const limit = deps.config.limits.maxBodyBytes;
      const raw = await readBodyText(req, limit).catch((err: unknown) => {
        if (isKind(err, "too_large")) return null;
        throw err;
      });
      if (raw === null)
        return answer(refused(413, "payload_too_large", `the body is larger than ${limit} bytes`), "");
      const contentType = req.headers.get("content-type");
      const got = await doReceiveWebhook(db, hook, { contentType, raw, dryRun, cacheIcon });
      await publishAll(deps.bus, got.events);
      // Posted or edited by key: a card already there for the same link makes this a no-op.
      if (got.posted?.unfurl) deps.unfurls.queue(got.posted.message);
      return answer(got, loggedRequest(contentType, raw));
    }),
  ];
}

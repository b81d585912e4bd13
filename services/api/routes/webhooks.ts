import { publishAll } from "../../../lib/bus/publish.ts";
import { isKind } from "../../../lib/errors.ts";
import { readBodyText } from "../../../lib/http/body.ts";
import { type Route, route } from "../../../lib/http/router.ts";
import { openLimiter } from "../../../lib/limits/limits.ts";
import { rateLimitRefusals, webhookDeliveries } from "../../../lib/metrics/metrics.ts";
import { doCacheRemoteImage, remoteImageUrl } from "../../../lib/outbound/remote-image.ts";
import { lookupWebhook } from "../../../lib/webhooks/deliver.ts";
import { logWebhookCall } from "../../../lib/webhooks/inspect.ts";
import { doReceiveWebhook, type Received } from "../../../lib/webhooks/receive.ts";
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
function loggedRequest(req: Request, raw: string) {
  const form = req.headers.get("content-type")?.toLowerCase().startsWith("application/x-www-form-urlencoded");
  return (form && new URLSearchParams(raw).get("payload")) || raw;
}

/** A dry run's answer: JSON, so a person debugging a payload reads the rendered message and warnings. */
function dryRunReply(got: Received) {
  webhookDeliveries.inc({ outcome: `dry_run_${got.word}` });
  if (got.status !== 200)
    return Response.json({ error: { code: got.word, message: got.error } }, { status: got.status });
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
      if (!hook) return reply(404, "no_service");
      const call = { startedAt, request: "", dryRun, warnings: [] };
      if (hook.refused) {
        if ((await refusalsLogged.take(hook.webhook.id)) === 0)
          await logWebhookCall(db, hook, { ...call, status: 404, word: "no_service", error: hook.refused });
        return reply(404, "no_service");
      }
      const wait = await buckets.take(hook.webhook.id);
      if (wait > 0) {
        if ((await refusalsLogged.take(hook.webhook.id)) === 0)
          await logWebhookCall(db, hook, {
            ...call,
            status: 429,
            word: "rate_limited",
            error: `rate limited: more than ${WEBHOOK_BURST} posts at once, then ${WEBHOOK_PER_SECOND} a second; retry after ${wait} s`,
          });
        return reply(429, "rate_limited", { "Retry-After": String(wait) });
      }
      let raw: string;
      try {
        raw = await readBodyText(req, deps.config.limits.maxBodyBytes);
      } catch (err) {
        if (!isKind(err, "too_large")) throw err;
        const error = `the body is larger than ${deps.config.limits.maxBodyBytes} bytes`;
        await logWebhookCall(db, hook, { ...call, status: 413, word: "payload_too_large", error });
        return reply(413, "payload_too_large");
      }
      const got = await doReceiveWebhook(
        db,
        { webhook: hook.webhook, channel: hook.channel },
        {
          contentType: req.headers.get("content-type"),
          raw,
          dryRun,
          cacheIcon,
        },
      );
      await publishAll(deps.bus, got.events);
      await logWebhookCall(db, hook, { ...call, ...got, request: loggedRequest(req, raw) });
      return dryRun ? dryRunReply(got) : reply(got.status, got.word);
    }),
  ];
}

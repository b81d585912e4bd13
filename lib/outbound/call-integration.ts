import { AppError } from "../errors.ts";
import type { Outbound } from "./fetch.ts";
import { slackSignedHeaders } from "./slack-signature.ts";

/** One call to something an admin configured: a slash command's URL, an outgoing webhook, a bot. */
export interface IntegrationCall {
  url: string;
  /** Already encoded (a form or JSON); it is what the signature covers. */
  body: string;
  contentType: "application/x-www-form-urlencoded" | "application/json";
  /** Signs the call Slack's way (v0) when given. */
  signingSecret?: string;
  /** Extra headers, e.g. an event id for the receiver's deduplication. */
  headers?: Record<string, string>;
  /** Per attempt; slash commands get Slack's 3 s. */
  timeoutMs: number;
  /** Attempts in all (1 = no retry); a retry follows a network failure, a timeout, 429 or 5xx. */
  attempts?: number;
  /** First pause before a retry, doubled each time. */
  backoffMs?: number;
  /** The largest reply read. */
  maxBytes?: number;
}

/** What happened, in a form the delivery log keeps and a person reads; a call never throws. */
export interface IntegrationResult {
  ok: boolean;
  /** The last answer's HTTP status; null when none came. */
  status: number | null;
  /** The reply body as text (empty when none). */
  body: string;
  contentType: string;
  /** Of the last attempt. */
  latencyMs: number;
  attempts: number;
  /** Why it failed, in words ("timed out after 3 s", "answered 500", "refused: 10.0.0.1 is private"). */
  error: string | null;
}

const retryable = (status: number | null) => status === null || status === 429 || status >= 500;
const REPLY_BYTES = 256 * 1024;

/**
 * Calls an integration through the SSRF-safe fetcher (the operator's `AJET_OUTBOUND_ALLOW` opens
 * private addresses to it), signed, time- and size-limited, retried with backoff when asked; the
 * outcome is always a result, never an exception, so every caller can log it and tell the person.
 */
export async function callIntegration(outbound: Outbound, call: IntegrationCall): Promise<IntegrationResult> {
  const attempts = Math.max(1, call.attempts ?? 1);
  let result: IntegrationResult | null = null;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    if (attempt > 1) await Bun.sleep((call.backoffMs ?? 500) * 2 ** (attempt - 2));
    result = { ...(await callOnce(outbound, call)), attempts: attempt };
    if (result.ok || !retryable(result.status)) break;
  }
  return result as IntegrationResult;
}

async function callOnce(
  outbound: Outbound,
  call: IntegrationCall,
): Promise<Omit<IntegrationResult, "attempts">> {
  const started = performance.now();
  const latency = () => Math.round(performance.now() - started);
  try {
    const res = await outbound.fetch(call.url, {
      purpose: "integration",
      method: "POST",
      body: call.body,
      accept: ["*"],
      maxBytes: call.maxBytes ?? REPLY_BYTES,
      timeoutMs: call.timeoutMs,
      headers: {
        "content-type": call.contentType,
        ...call.headers,
        ...(call.signingSecret ? slackSignedHeaders(call.signingSecret, call.body) : {}),
      },
    });
    const ok = res.status >= 200 && res.status < 300;
    return {
      ok,
      status: res.status,
      body: new TextDecoder().decode(res.body),
      contentType: res.contentType,
      latencyMs: latency(),
      error: ok ? null : `answered ${res.status}`,
    };
  } catch (err) {
    const why =
      err instanceof AppError && err.code === "outbound_timeout"
        ? `timed out after ${call.timeoutMs / 1000} s`
        : err instanceof AppError
          ? err.message
          : "could not be reached";
    return { ok: false, status: null, body: "", contentType: "", latencyMs: latency(), error: why };
  }
}

import { and, desc, eq, lt } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { type INTEGRATION_KINDS, integrationDeliveries } from "../db/schema.ts";
import type { IntegrationResult } from "../outbound/call-integration.ts";
import { redactSecrets, redactText } from "../redact.ts";

export type IntegrationKind = (typeof INTEGRATION_KINDS)[number];
export type DeliveryRow = typeof integrationDeliveries.$inferSelect;

/** Deliveries kept per integration: enough to see a pattern, few enough to never need a sweep. */
export const DELIVERIES_KEPT = 50;
const EXCERPT_CHARS = 2000;

// Fields of Slack's payloads that are secrets although not named like one.
const SLACK_SECRET_FIELDS = new Set(["response_url", "trigger_id", "token"]);

// Other services' tokens that people paste into payloads (Slack, GitHub, AWS keys): masked too.
const FOREIGN_TOKEN =
  /\b(?:xox[abposr]-[\w-]+|xapp-[\w-]+|gh[pousr]_\w{20,}|github_pat_\w+|AKIA[0-9A-Z]{16})/g;

/**
 * A request or reply body as the log may keep it: JSON and forms with every secret field masked
 * (tokens, signatures, response URLs), any token-shaped text redacted, NUL written as `\u0000`, cut to
 * a readable length.
 */
export function maskedExcerpt(body: string): string {
  const trimmed = body.trim();
  let shown = trimmed;
  try {
    if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
      shown = JSON.stringify(maskFields(redactSecrets(JSON.parse(trimmed))));
    } else if (/^[\w.%-]+=/.test(trimmed)) {
      const form = new URLSearchParams(trimmed);
      for (const key of [...form.keys()]) {
        if (SLACK_SECRET_FIELDS.has(key) || /token|secret|password|signature/i.test(key))
          form.set(key, "[redacted]");
      }
      shown = redactText(decodeURIComponent(form.toString().replaceAll("+", " ")));
    } else {
      shown = redactText(trimmed);
    }
  } catch {
    shown = redactText(trimmed);
  }
  shown = shown.replace(FOREIGN_TOKEN, (t) => `${t.slice(0, 4)}[redacted]`);
  // PostgreSQL's text holds no NUL, and a refused body may carry any bytes: the log shows it escaped.
  shown = shown.replaceAll("\0", "\\u0000");
  return shown.length > EXCERPT_CHARS ? `${shown.slice(0, EXCERPT_CHARS)}…` : shown;
}

function maskFields(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(maskFields);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k, SLACK_SECRET_FIELDS.has(k) ? "[redacted]" : maskFields(v)]),
  );
}

export interface DeliveryEntry {
  communityId: string;
  kind: IntegrationKind;
  subjectId: string;
  /** What was sent (or received, for an incoming webhook); masked here, whatever the caller passes. */
  request: string;
  result: Pick<IntegrationResult, "ok" | "status" | "latencyMs" | "error"> & {
    attempts?: number;
    body?: string;
  };
  /** Answered as it would have been, with nothing done (a webhook's `?dry_run=1`). */
  dryRun?: boolean;
}

/** Writes one delivery and forgets the ones beyond the last `DELIVERIES_KEPT` of that integration. */
export async function recordDelivery(db: Db, entry: DeliveryEntry): Promise<DeliveryRow> {
  const { result } = entry;
  const [row] = await db
    .insert(integrationDeliveries)
    .values({
      communityId: entry.communityId,
      kind: entry.kind,
      subjectId: entry.subjectId,
      ok: result.ok,
      status: result.status,
      latencyMs: Math.round(result.latencyMs),
      attempts: result.attempts ?? 1,
      request: maskedExcerpt(entry.request),
      response: maskedExcerpt(result.body ?? ""),
      // An error may quote what was received (a JSON parser's "Unexpected identifier …").
      error: result.error === null ? null : maskedExcerpt(result.error),
      dryRun: entry.dryRun ?? false,
    })
    .returning();
  const [oldestKept] = await db
    .select({ id: integrationDeliveries.id })
    .from(integrationDeliveries)
    .where(eq(integrationDeliveries.subjectId, entry.subjectId))
    .orderBy(desc(integrationDeliveries.id))
    .offset(DELIVERIES_KEPT - 1)
    .limit(1);
  if (oldestKept) {
    await db
      .delete(integrationDeliveries)
      .where(
        and(
          eq(integrationDeliveries.subjectId, entry.subjectId),
          lt(integrationDeliveries.id, oldestKept.id),
        ),
      );
  }
  return row as DeliveryRow;
}

/** An integration's last deliveries, newest first. Callers check the reader may manage it. */
export function readDeliveries(db: Db, subjectId: string, limit = DELIVERIES_KEPT): Promise<DeliveryRow[]> {
  return db
    .select()
    .from(integrationDeliveries)
    .where(eq(integrationDeliveries.subjectId, subjectId))
    .orderBy(desc(integrationDeliveries.id))
    .limit(Math.min(limit, DELIVERIES_KEPT));
}

/** A delivery as the API and CLI show it. */
export function deliveryView(row: DeliveryRow) {
  return {
    id: row.id,
    kind: row.kind,
    at: row.createdAt.toISOString(),
    ok: row.ok,
    status: row.status,
    latency_ms: row.latencyMs,
    attempts: row.attempts,
    request: row.request,
    response: row.response,
    error: row.error,
    dry_run: row.dryRun,
  };
}

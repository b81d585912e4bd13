import type { Db } from "../db/client.ts";
import { auditLog } from "../db/schema.ts";
import { requestContext } from "../log.ts";
import { redactSecrets } from "../redact.ts";

/**
 * One audit_log row, written in the caller's transaction so it exists exactly when the change does.
 * Its data is redacted (`redactSecrets`): a row is read by admins, never a place for a secret.
 */
export async function recordAudit(
  db: Db,
  entry: {
    action: string;
    actorId: string | null;
    communityId?: string | null;
    targetType?: string;
    targetId?: string | null;
    data?: Record<string, unknown>;
    ip?: string | null;
  },
) {
  await db.insert(auditLog).values({
    action: entry.action,
    actorId: entry.actorId,
    communityId: entry.communityId ?? null,
    targetType: entry.targetType ?? null,
    targetId: entry.targetId ?? null,
    data: entry.data ? (redactSecrets(entry.data) as Record<string, unknown>) : null,
    ip: entry.ip ?? null,
    traceId: requestContext.getStore()?.traceId ?? null,
  });
}

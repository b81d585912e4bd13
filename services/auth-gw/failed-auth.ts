import { recordAudit } from "../../lib/audit/record.ts";
import { parseToken, TOKEN_PREFIX } from "../../lib/auth/tokens.ts";
import type { Db } from "../../lib/db/client.ts";
import { addressKey, createBuckets } from "../../lib/limits/local-buckets.ts";
import { log } from "../../lib/log.ts";

// Forgotten counts past this many addresses; the rows themselves are what matters.
const MAX_COUNTED = 10_000;

function describe(token: string) {
  const kind = token.startsWith(TOKEN_PREFIX.session)
    ? "session"
    : token.startsWith(TOKEN_PREFIX.api)
      ? "api"
      : undefined;
  const wellFormed = kind !== undefined && parseToken(kind, token) !== null;
  return {
    credential: kind === "api" ? "api_token" : (kind ?? "unknown"),
    // "invalid": well-formed but unknown, wrong, expired or revoked.
    reason: wellFormed ? "invalid" : "malformed",
  };
}

/**
 * Records a request whose credential did not authenticate as a `login.failed` audit row: at most
 * one row per address a minute and 60 a minute in all, so a flood cannot flood the table. The
 * next row from an address counts the failures that were not written (`not_recorded`).
 */
export function createFailedAuthLog(db: Db) {
  const perAddress = createBuckets({ burst: 1, perSecond: 1 / 60 });
  const overall = createBuckets({ burst: 60, perSecond: 1 });
  const unrecorded = new Map<string, number>();

  return async function noteFailedAuth(ip: string, token: string) {
    const key = addressKey(ip);
    if (perAddress.take(key) > 0 || overall.take("all") > 0) {
      if (unrecorded.size >= MAX_COUNTED) unrecorded.clear();
      unrecorded.set(key, (unrecorded.get(key) ?? 0) + 1);
      return;
    }
    const skipped = unrecorded.get(key) ?? 0;
    unrecorded.delete(key);
    try {
      await recordAudit(db, {
        action: "login.failed",
        actorId: null,
        ip: ip || null,
        data: { ...describe(token), ...(skipped > 0 ? { not_recorded: skipped } : {}) },
      });
    } catch (err) {
      log.warn("could not record a failed sign-in", { error: String(err) });
    }
  };
}

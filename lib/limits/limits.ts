import {
  createPollPacer,
  DEVICE_CODE_TTL_SECONDS,
  DEVICE_POLL_INTERVAL_SECONDS,
} from "../auth/device-flow.ts";
import type { Database } from "../db/client.ts";
import { type BucketPolicy, createBuckets } from "./local-buckets.ts";
import { createSharedBuckets, createSharedPollPacer } from "./shared-buckets.ts";
import { createSlicedBuckets } from "./sliced-buckets.ts";

/** Token buckets by key: `take` spends one and answers 0, or the whole seconds until one is back. */
export interface Limiter {
  take(key: string): number | Promise<number>;
}

/**
 * The buckets named `name`: in PostgreSQL when that is the database, so every gateway and API
 * process on it spends from one budget; in this process's memory with PGlite, which only one
 * process can open (the embedded server), so memory is already exact and costs no query.
 * `sliced`: over PostgreSQL, a bucket more than half full is spent in memory and written once a
 * second (sliced-buckets.ts), for a large budget every request spends from; otherwise every take
 * is one upsert.
 */
export function openLimiter(
  database: Database,
  name: string,
  policy: BucketPolicy,
  { sliced = false } = {},
): Limiter {
  if (database.kind !== "postgres") return createBuckets(policy);
  return sliced
    ? createSlicedBuckets(database.db, name, policy)
    : createSharedBuckets(database.db, name, policy);
}

/** The device flow's `slow_down` pacing, shared the same way. */
export function openPollPacer(database: Database) {
  return database.kind === "postgres"
    ? createSharedPollPacer(database.db, DEVICE_POLL_INTERVAL_SECONDS * 1000, DEVICE_CODE_TTL_SECONDS)
    : createPollPacer();
}

import { sql } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { log } from "../log.ts";
import type { BucketPolicy } from "./local-buckets.ts";
import { createSharedBuckets, rowsOf } from "./shared-buckets.ts";

const SETTLE_EVERY_MS = 1_000;

interface Slice {
  /** The shared level when last read from PostgreSQL (the bucket is full when never read). */
  level: number;
  /** When it was read, on this process's clock. */
  at: number;
  /** Tokens spent here since, not yet written to the shared row. */
  pending: number;
}

/**
 * The shared buckets of `rate_limit_buckets` without a statement per request: while a bucket is
 * more than half full as this process last saw it, a take is spent here, and the spending is
 * written in one statement for every key about once a second (which also reads back what the other
 * processes spent). At half full or below, every take is the exact shared upsert, carrying the
 * spending not yet written. So a caller well inside its budget costs the database nothing per
 * request, and one draining it meets the shared budget as exactly as before; before the processes
 * hear of each other's spending, each may have spent up to half a burst of the same bucket (two
 * gateways: one burst in all). Meant for a large, general budget; a small one meant to stop
 * guessing (sign-in) stays exact.
 */
export function createSlicedBuckets(
  db: Db,
  name: string,
  policy: BucketPolicy,
  clock: () => number = () => performance.now(),
) {
  const { burst, perSecond } = policy;
  const prefix = `${name}:`;
  const exact = createSharedBuckets(db, name, policy);
  const slices = new Map<string, Slice>();
  let settling: Promise<void> | null = null;

  const levelOf = (s: Slice, now: number) =>
    Math.min(burst, s.level + ((now - s.at) / 1000) * perSecond) - s.pending;

  async function settle(): Promise<void> {
    const spent = [...slices].filter(([, s]) => s.pending > 0);
    const now = clock();
    // A slice with nothing to write and a bucket full again carries no information.
    for (const [key, s] of slices) if (s.pending === 0 && levelOf(s, now) >= burst) slices.delete(key);
    if (spent.length === 0) return;
    const counts = spent.map(([, s]) => s.pending);
    for (const [, s] of spent) s.pending = 0;
    // One object of key → tokens spent: drizzle would spread a JS array into a row, not an array.
    const spending = JSON.stringify(Object.fromEntries(spent.map(([key], i) => [key, counts[i]])));
    try {
      // The inserted level is the spending's carrier too: a new row starts at burst − n, and an
      // existing one takes off n = burst − excluded.level from its refilled level.
      const result = await db.execute(sql`
        with now as (select extract(epoch from clock_timestamp()) as t)
        insert into rate_limit_buckets as b (key, level, at, granted)
        select ${prefix} || s.key, ${burst}::float8 - s.n::float8, now.t, true
          from jsonb_each_text(${spending}::text::jsonb)
            as s(key, n), now
        on conflict (key) do update set
          level = greatest(0, least(${burst}::float8, b.level + (excluded.at - b.at) * ${perSecond}::float8)
            - (${burst}::float8 - excluded.level)),
          at = excluded.at
        returning substr(key, ${prefix.length + 1}) as key, level`);
      const read = clock();
      for (const row of rowsOf<{ key: string; level: number }>(result)) {
        const s = slices.get(row.key);
        if (s) Object.assign(s, { level: Number(row.level), at: read });
      }
    } catch (err) {
      // Written next time: the spending stays counted here meanwhile.
      spent.forEach(([, s], i) => {
        s.pending += counts[i] ?? 0;
      });
      log.debug("settling rate-limit buckets failed", { error: String(err) });
    }
  }

  const timer = setInterval(() => {
    settling ??= settle().finally(() => {
      settling = null;
    });
  }, SETTLE_EVERY_MS);
  timer.unref();

  return {
    async take(key: string): Promise<number> {
      if (burst === 0) return 0;
      const now = clock();
      let s = slices.get(key);
      if (!s) {
        s = { level: burst, at: now, pending: 0 };
        slices.set(key, s);
      }
      if (levelOf(s, now) - 1 >= burst / 2) {
        s.pending++;
        return 0;
      }
      const carried = s.pending;
      s.pending = 0;
      const answer = await exact.takeAfter(key, carried).catch((err) => {
        (s as Slice).pending += carried;
        throw err;
      });
      Object.assign(s, { level: answer.level, at: clock() });
      return answer.wait;
    },
    /** Writes the spending not yet written; the timer does this every second. */
    settle: () => settling ?? settle(),
    close: () => {
      clearInterval(timer);
      exact.close();
    },
  };
}

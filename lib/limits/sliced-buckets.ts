import { sql } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { log } from "../log.ts";
import type { BucketPolicy } from "./local-buckets.ts";
import { createSharedBuckets, rowsOf } from "./shared-buckets.ts";

const SETTLE_EVERY_MS = 1_000;
// Past this many keys in memory (settles failing while the database is away, say), a new key's
// takes go straight to the exact upsert rather than growing the map.
const MAX_SLICES = 50_000;

interface Slice {
  /** The shared level when last read from PostgreSQL (the bucket is full when never read). */
  level: number;
  /** When it was read, on this process's clock. */
  at: number;
  /** Tokens spent here since, not yet written to the shared row. */
  pending: number;
  /** Tokens on their way to the shared row in a statement not answered yet. */
  inflight: number;
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

  // What is left as this process knows it: spending on its way to the row still counts.
  const levelOf = (s: Slice, now: number) =>
    Math.min(burst, s.level + ((now - s.at) / 1000) * perSecond) - s.pending - s.inflight;

  async function settle(): Promise<void> {
    const spent = [...slices].flatMap(([key, s]) => (s.pending > 0 ? [{ key, s, n: s.pending }] : []));
    const now = clock();
    // A slice with nothing to write or being written, and a bucket full again, carries no information.
    for (const [key, s] of slices)
      if (s.pending === 0 && s.inflight === 0 && levelOf(s, now) >= burst) slices.delete(key);
    if (spent.length === 0) return;
    for (const { s, n } of spent) {
      s.inflight += n;
      s.pending = 0;
    }
    // One object of key → tokens spent: drizzle would spread a JS array into a row, not an array.
    const spending = JSON.stringify(Object.fromEntries(spent.map(({ key, n }) => [key, n])));
    try {
      // Spending beyond what is left empties the bucket and no more (it was granted here already).
      const result = await db.execute(sql`
        with now as (select extract(epoch from clock_timestamp()) as t),
          spent as (select ${prefix} || s.key as key, s.n::float8 as n
            from jsonb_each_text(${spending}::text::jsonb) as s(key, n))
        insert into rate_limit_buckets as b (key, level, at, granted)
        select spent.key, greatest(0, ${burst}::float8 - spent.n), now.t, true from spent, now
        on conflict (key) do update set
          level = greatest(0, least(${burst}::float8, b.level + (excluded.at - b.at) * ${perSecond}::float8)
            - (select n from spent where spent.key = b.key)),
          at = excluded.at
        returning substr(key, ${prefix.length + 1}) as key, level`);
      const read = clock();
      const levels = new Map(
        rowsOf<{ key: string; level: number }>(result).map((r) => [r.key, Number(r.level)]),
      );
      for (const { key, s, n } of spent) {
        s.inflight -= n;
        const level = levels.get(key);
        if (level !== undefined) Object.assign(s, { level, at: read });
      }
    } catch (err) {
      // Written next time: the spending stays counted here meanwhile.
      for (const { s, n } of spent) {
        s.inflight -= n;
        s.pending += n;
      }
      log.debug("settling rate-limit buckets failed", { error: String(err) });
    }
  }

  /** One settle at a time, whether the timer or a caller asks. */
  const settleOnce = () =>
    (settling ??= settle().finally(() => {
      settling = null;
    }));
  const timer = setInterval(settleOnce, SETTLE_EVERY_MS);
  timer.unref();

  return {
    async take(key: string): Promise<number> {
      if (burst === 0) return 0;
      const now = clock();
      let s = slices.get(key);
      if (!s) {
        if (slices.size >= MAX_SLICES) return (await exact.takeAfter(key, 0)).wait;
        s = { level: burst, at: now, pending: 0, inflight: 0 };
        slices.set(key, s);
      }
      if (levelOf(s, now) - 1 >= burst / 2) {
        s.pending++;
        return 0;
      }
      // The carried spending and this take count as on their way until the row answers.
      const carried = s.pending;
      s.pending = 0;
      s.inflight += carried + 1;
      try {
        const answer = await exact.takeAfter(key, carried);
        Object.assign(s, { level: answer.level, at: clock() });
        return answer.wait;
      } catch (err) {
        s.pending += carried;
        throw err;
      } finally {
        s.inflight -= carried + 1;
      }
    },
    /** Writes the spending not yet written; the timer does this every second. */
    settle: settleOnce,
    close: () => {
      clearInterval(timer);
      exact.close();
    },
  };
}

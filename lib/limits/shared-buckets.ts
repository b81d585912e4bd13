import { sql } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { log } from "../log.ts";
import type { BucketPolicy } from "./local-buckets.ts";

const SWEEP_EVERY_MS = 60_000;

/** Every minute, forgets rows of `prefix` untouched for `seconds`; the timer never holds the process open. */
function sweepEvery(db: Db, prefix: string, seconds: number) {
  const timer = setInterval(() => {
    db.execute(
      sql`delete from rate_limit_buckets where starts_with(key, ${prefix})
          and at < extract(epoch from clock_timestamp()) - ${seconds}::float8`,
    ).catch((err) => log.debug("sweeping rate-limit buckets failed", { error: String(err) }));
  }, SWEEP_EVERY_MS);
  timer.unref();
  return timer;
}

export const rowsOf = <T>(result: unknown): T[] =>
  Array.isArray(result) ? (result as T[]) : ((result as { rows: T[] }).rows ?? []);

/**
 * Token buckets in PostgreSQL's `rate_limit_buckets`, shared by every process on the database: one
 * upsert refills the bucket to the database's clock, spends a token if there is one and says so, so
 * two gateways taking at once cannot both get the last token (the row lock orders them). Same
 * answers as the in-process buckets: 0, or whole seconds until a token is back.
 */
export function createSharedBuckets(db: Db, name: string, policy: BucketPolicy) {
  const { burst, perSecond } = policy;
  const prefix = `${name}:`;
  // A bucket untouched for this long is full again and carries no information.
  const fullAfter = burst / perSecond;
  const sweeper = sweepEvery(db, prefix, fullAfter);

  /**
   * Spends one token after `carried` ones already granted elsewhere (a slice spent in memory, see
   * sliced-buckets.ts): those are taken off whether or not they fit, down to empty, and the new one
   * is granted only if a whole token is left. Answers the wait (0 when granted) and the level left.
   */
  async function takeAfter(key: string, carried: number): Promise<{ wait: number; level: number }> {
    const fresh = burst - carried;
    const result = await db.execute(sql`
      with now as (select extract(epoch from clock_timestamp()) as t)
      insert into rate_limit_buckets as b (key, level, at, granted)
      select ${prefix + key}, ${fresh >= 1 ? fresh - 1 : Math.max(0, fresh)}::float8, now.t, ${fresh >= 1}
        from now
      on conflict (key) do update set (level, granted, at) = (
        select case when r >= 1 then r - 1 else greatest(0, r) end, r >= 1, excluded.at
          from (select least(${burst}::float8, b.level + (excluded.at - b.at) * ${perSecond}::float8)
            - ${carried}::float8 as r) as refilled)
      returning level, granted`);
    const [row] = rowsOf<{ level: number; granted: boolean }>(result);
    const level = Number(row?.level ?? 0);
    if (!row || row.granted) return { wait: 0, level };
    return { wait: Math.max(1, Math.ceil((1 - level) / perSecond)), level };
  }

  return {
    async take(key: string): Promise<number> {
      if (burst === 0) return 0;
      return (await takeAfter(key, 0)).wait;
    },
    takeAfter,
    close: () => clearInterval(sweeper),
  };
}

/**
 * The device flow's poll pacing in the same table: a poll is too soon when the previous one of the
 * same device code, on any gateway, came less than `intervalMs` before it. Every poll counts as the
 * latest, as in the in-process pacer.
 */
export function createSharedPollPacer(db: Db, intervalMs: number, forgetAfterSeconds: number) {
  const sweeper = sweepEvery(db, "device_poll:", forgetAfterSeconds);
  return {
    async tooSoon(id: string): Promise<boolean> {
      const result = await db.execute(sql`
        insert into rate_limit_buckets as b (key, level, at, granted)
        values (${`device_poll:${id}`}, 0, extract(epoch from clock_timestamp()), true)
        on conflict (key) do update set
          granted = excluded.at - b.at >= ${intervalMs / 1000}::float8,
          at = excluded.at
        returning granted`);
      const [row] = rowsOf<{ granted: boolean }>(result);
      return row ? !row.granted : false;
    },
    close: () => clearInterval(sweeper),
  };
}

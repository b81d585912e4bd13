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

const rowsOf = <T>(result: unknown): T[] =>
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

  return {
    async take(key: string): Promise<number> {
      if (burst === 0) return 0;
      const result = await db.execute(sql`
        with now as (select extract(epoch from clock_timestamp()) as t)
        insert into rate_limit_buckets as b (key, level, at, granted)
        select ${prefix + key}, ${burst - 1}::float8, now.t, true from now
        on conflict (key) do update set
          level = least(${burst}::float8, b.level + (excluded.at - b.at) * ${perSecond}::float8)
            - case when least(${burst}::float8, b.level + (excluded.at - b.at) * ${perSecond}::float8) >= 1
              then 1 else 0 end,
          granted = least(${burst}::float8, b.level + (excluded.at - b.at) * ${perSecond}::float8) >= 1,
          at = excluded.at
        returning level, granted`);
      const [row] = rowsOf<{ level: number; granted: boolean }>(result);
      if (!row || row.granted) return 0;
      return Math.max(1, Math.ceil((1 - Number(row.level)) / perSecond));
    },
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

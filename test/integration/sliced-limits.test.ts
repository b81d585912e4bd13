import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { sql } from "drizzle-orm";
import { loadConfig } from "../../lib/config.ts";
import { type Database, openDatabase } from "../../lib/db/client.ts";
import { rowsOf } from "../../lib/limits/shared-buckets.ts";
import { createSlicedBuckets } from "../../lib/limits/sliced-buckets.ts";
import { startTestApi, type TestApi } from "../support/api.ts";
import { TEST_INTERNAL_SECRET } from "../support/internal.ts";

const BURST = 10;
// No refill worth counting while a test runs.
const policy = { burst: BURST, perSecond: 0.001 };

// The gateway's general budget over PostgreSQL: spent in memory while more than half full, written
// once a second, exact below half; two processes on one database share it.
describe("rate-limit buckets sliced between memory and PostgreSQL", () => {
  let t: TestApi;
  let other: Database;

  beforeAll(async () => {
    t = await startTestApi("postgres");
    const [row] = rowsOf<{ name: string }>(
      await t.database.db.execute(sql`select current_database() as name`),
    );
    // Its own pool on the same database: another gateway process in all but name.
    other = await openDatabase(
      loadConfig({
        DATABASE_URL: `postgres://postgres@127.0.0.1:5432/${row?.name}`,
        AJET_INTERNAL_SECRET: TEST_INTERNAL_SECRET,
      }).database,
    );
  });
  afterAll(async () => {
    await other?.close();
    await t.close();
  });

  const levelOf = async (key: string) => {
    const [row] = rowsOf<{ level: number }>(
      await t.database.db.execute(sql`select level from rate_limit_buckets where key = ${key}`),
    );
    return row ? Number(row.level) : null;
  };

  test("takes inside the first half of the budget write nothing until the settle writes them all at once", async () => {
    const buckets = createSlicedBuckets(t.database.db, "quiet", policy);
    try {
      for (let i = 0; i < 4; i++) expect(await buckets.take("alice")).toBe(0);
      expect(await buckets.take("bob")).toBe(0);
      expect(await levelOf("quiet:alice")).toBeNull();
      await buckets.settle();
      expect(await levelOf("quiet:alice")).toBeCloseTo(BURST - 4, 1);
      expect(await levelOf("quiet:bob")).toBeCloseTo(BURST - 1, 1);
      // Written once: a second settle with nothing new spends nothing more.
      await buckets.settle();
      expect(await levelOf("quiet:alice")).toBeCloseTo(BURST - 4, 1);
    } finally {
      buckets.close();
    }
  });

  test("one process draining a bucket gets exactly its burst, then waits, and the row says it is empty", async () => {
    const buckets = createSlicedBuckets(t.database.db, "drain", policy);
    try {
      const waits: number[] = [];
      for (let i = 0; i < BURST + 3; i++) waits.push(await buckets.take("carol"));
      expect(waits.slice(0, BURST)).toEqual(Array(BURST).fill(0));
      for (const wait of waits.slice(BURST)) expect(wait).toBeGreaterThan(0);
      // The half spent in memory went to the row with the first exact take: nothing is left over.
      expect(await levelOf("drain:carol")).toBeLessThan(1);
      await buckets.settle();
      expect(await levelOf("drain:carol")).toBeLessThan(1);
    } finally {
      buckets.close();
    }
  });

  test("spending on its way to the row still counts: takes made while it is written go to the row, and no more than the burst is granted", async () => {
    const buckets = createSlicedBuckets(t.database.db, "inflight", policy);
    try {
      for (let i = 0; i < BURST / 2; i++) expect(await buckets.take("frank")).toBe(0);
      // The first of these carries the half spent in memory to the row; the rest are made before
      // it answers, so they must not be granted in memory as if the bucket were full again.
      const waits = await Promise.all(Array.from({ length: BURST / 2 + 1 }, () => buckets.take("frank")));
      expect(waits.filter((w) => w === 0)).toHaveLength(BURST / 2);
      expect(waits.filter((w) => w > 0)).toHaveLength(1);
      await buckets.settle();
      expect(await levelOf("inflight:frank")).toBeLessThan(1);
    } finally {
      buckets.close();
    }
  });

  test("two processes taking in turn get at most half a burst more than one burst in all, then both refuse", async () => {
    const first = createSlicedBuckets(t.database.db, "pair", policy);
    const second = createSlicedBuckets(other.db, "pair", policy);
    try {
      const granted = { first: 0, second: 0 };
      const last: number[] = [];
      for (let i = 0; i < BURST * 3; i++) {
        const by = i % 2 ? "second" : "first";
        const wait = await (by === "first" ? first : second).take("dave");
        if (wait === 0) granted[by]++;
        if (i >= BURST * 2) last.push(wait);
      }
      const all = granted.first + granted.second;
      expect(all).toBeGreaterThanOrEqual(BURST);
      expect(all).toBeLessThanOrEqual(BURST + BURST / 2);
      expect(granted.first).toBeGreaterThan(0);
      expect(granted.second).toBeGreaterThan(0);
      for (const wait of last) expect(wait).toBeGreaterThan(0);
      await Promise.all([first.settle(), second.settle()]);
      expect(await levelOf("pair:dave")).toBeLessThan(1);
    } finally {
      first.close();
      second.close();
    }
  });

  test("a process hears at its settle what the other spent, and from then on takes exactly", async () => {
    const first = createSlicedBuckets(t.database.db, "heard", policy);
    const second = createSlicedBuckets(other.db, "heard", policy);
    try {
      // The first one's slice (half a burst) is written; the second has spent one of its own.
      for (let i = 0; i < BURST / 2; i++) expect(await first.take("erin")).toBe(0);
      expect(await second.take("erin")).toBe(0);
      await first.settle();
      await second.settle();
      expect(await levelOf("heard:erin")).toBeCloseTo(BURST / 2 - 1, 1);
      // The second now knows the bucket is below half: its next take is the exact upsert.
      expect(await second.take("erin")).toBe(0);
      expect(await levelOf("heard:erin")).toBeCloseTo(BURST / 2 - 2, 1);
    } finally {
      first.close();
      second.close();
    }
  });
});

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { SQL } from "bun";
import { freePort } from "../support/ports.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";
import { type Child, spawnChild, waitUntilReady } from "../support/process.ts";

const BURST = 5;

// Two gateway processes over one PostgreSQL, as behind a load balancer: one budget between them.
describe("rate limits shared by the gateways of one database", () => {
  let pg: TestDatabase;
  const gateways: { base: string; child: Child }[] = [];

  const start = async () => {
    const port = freePort();
    const child = spawnChild(["bun", "services/auth-gw/main.ts"], {
      DATABASE_URL: pg.url,
      AJET_INTERNAL_SECRET: `shared-limits-${"x".repeat(32)}`,
      AJET_PORT: String(port),
      AJET_API_URL: `http://127.0.0.1:${freePort()}`,
      AJET_METRICS_PORT: "off",
      // Each test speaks from its own address (X-Forwarded-For), so their budgets do not mix.
      AJET_TRUST_PROXY: "true",
      AJET_RATE_AUTH_BURST: String(BURST),
      // No refill worth counting while the test runs.
      AJET_RATE_AUTH_PER_SECOND: "0.001",
    });
    const base = `http://127.0.0.1:${port}`;
    await waitUntilReady(child, `${base}/healthz`);
    return { base, child };
  };

  beforeAll(async () => {
    pg = await createTestDatabase();
    // One after the other: the first applies the migrations.
    gateways.push(await start());
    gateways.push(await start());
  });
  afterAll(async () => {
    for (const g of gateways) await g.child.stop();
    await pg.drop();
  });

  test("sign-in requests alternating between two gateways get one burst in all, not one each", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < BURST * 2 + 2; i++) {
      const { base } = gateways[i % 2] as { base: string };
      const res = await fetch(`${base}/login`, { headers: { "x-forwarded-for": "203.0.113.10" } });
      await res.body?.cancel();
      statuses.push(res.status);
      if (res.status === 429) expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
    }
    expect(statuses.filter((s) => s === 200)).toHaveLength(BURST);
    expect(statuses.slice(0, BURST)).toEqual(Array(BURST).fill(200));
    expect(statuses.slice(BURST)).toEqual(Array(BURST + 2).fill(429));
    // Another address still has its own budget.
    const other = await fetch(`${gateways[1]?.base}/login`, {
      headers: { "x-forwarded-for": "203.0.113.11" },
    });
    await other.body?.cancel();
    expect(other.status).toBe(200);
  });

  test("a terminal polling one gateway and then the other at once is told to slow down", async () => {
    const [a = "", b = ""] = gateways.map((g) => g.base);
    const headers = { "content-type": "application/json", "x-forwarded-for": "203.0.113.20" };
    const started = await fetch(`${a}/auth/device`, { method: "POST", headers, body: "{}" });
    expect(started.status).toBe(200);
    const { device_code } = (await started.json()) as { device_code: string };
    const poll = async (base: string) => {
      const res = await fetch(`${base}/auth/device/token`, {
        method: "POST",
        headers,
        body: JSON.stringify({ device_code }),
      });
      return ((await res.json()) as { error: { code: string } }).error.code;
    };
    expect(await poll(a)).toBe("authorization_pending");
    expect(await poll(b)).toBe("slow_down");
  });

  test("the buckets live in an unlogged table, keyed by limit and caller, never by a token", async () => {
    const sql = new SQL({ url: pg.url, max: 1 });
    try {
      const [table] = await sql`select relpersistence from pg_class where relname = 'rate_limit_buckets'`;
      expect(table.relpersistence).toBe("u");
      const keys = (await sql`select key from rate_limit_buckets order by key`).map(
        (r: { key: string }) => r.key,
      );
      expect(keys).toContain("auth:203.0.113.10");
      expect(keys.some((k: string) => k.startsWith("device_poll:"))).toBe(true);
      expect(keys.join(" ")).not.toMatch(/aj[a-z]_/);
    } finally {
      await sql.close();
    }
  });
});

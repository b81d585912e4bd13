import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { createMemoryBus } from "../../lib/bus/memory-bus.ts";
import { loadConfig } from "../../lib/config.ts";
import { type Database, openDatabase } from "../../lib/db/client.ts";
import type { App } from "../../lib/http/app.ts";
import { createDiskStore } from "../../lib/storage/disk-store.ts";
import { createApiApp } from "../../services/api/main.ts";
import { WEBHOOK_BURST } from "../../services/api/routes/webhooks.ts";
import { startTestApi, type TestApi } from "../support/api.ts";
import { commandOk } from "../support/commands.ts";
import { TEST_INTERNAL_SECRET, trustedHop } from "../support/internal.ts";

// Two API processes on one PostgreSQL, as behind the gateways: a webhook's burst is one between them.
describe("a webhook's rate limit over two API instances", () => {
  let t: TestApi;
  let second: { app: App; database: Database; dir: string };

  beforeAll(async () => {
    t = await startTestApi("postgres");
    const config = loadConfig({
      AJET_LOG_LEVEL: "error",
      AJET_INTERNAL_SECRET: TEST_INTERNAL_SECRET,
      DATABASE_URL: await databaseUrl(t),
    });
    // Its own pool on the same database, its own bus and store: another process in all but name.
    const dir = mkdtempSync(join(tmpdir(), "ajet-api2-"));
    const database = await openDatabase(config.database);
    const app = createApiApp({
      config,
      db: database,
      bus: createMemoryBus({ replayBuffer: 10 }),
      store: createDiskStore(join(dir, "files")),
    });
    second = { app, database, dir };
  });
  afterAll(async () => {
    await second?.database.close();
    if (second) rmSync(second.dir, { recursive: true, force: true });
    await t.close();
  });

  test("posts alternating between the two get one burst in all, then 429 from both", async () => {
    const alice = await t.person("alice");
    await t.json(alice, "POST", "/api/communities", { name: "Acme", slug: "acme" });
    const ci = (await t.json<{ id: string }>(alice, "POST", "/api/communities/acme/channels", { name: "ci" }))
      .id;
    const made = await commandOk(t, alice, ci, "/webhook create #ci CI");
    const path = new URL(made.effects[0]?.url as string).pathname;
    const post = (app: App) =>
      app.fetch(
        new Request(`http://api.internal${path}`, {
          method: "POST",
          headers: { ...trustedHop, "content-type": "application/json" },
          body: JSON.stringify({ text: "build passed" }),
        }),
      );
    // Each instance sees half of these: with buckets of their own, every one would be accepted.
    const answers: { by: "first" | "second"; status: number }[] = [];
    for (let i = 0; i < WEBHOOK_BURST * 2; i++) {
      const by = i % 2 ? "second" : "first";
      answers.push({ by, status: (await post(by === "second" ? second.app : t.app)).status });
    }
    const accepted = answers.filter((a) => a.status === 200).length;
    expect(answers.slice(0, WEBHOOK_BURST).map((a) => a.status)).toEqual(Array(WEBHOOK_BURST).fill(200));
    // Past the burst, a token comes back each second: far fewer than one per post.
    expect(accepted).toBeLessThan(WEBHOOK_BURST * 2);
    expect(answers.some((a) => a.by === "first" && a.status === 429)).toBe(true);
    expect(answers.some((a) => a.by === "second" && a.status === 429)).toBe(true);
    expect(answers.every((a) => a.status === 200 || a.status === 429)).toBe(true);
    const history = await t.json<{ items: unknown[] }>(
      alice,
      "GET",
      `/api/channels/${ci}/messages?limit=200`,
    );
    expect(history.items).toHaveLength(accepted);
  });
});

/** The test database's URL, as the first API opened it. */
async function databaseUrl(t: TestApi): Promise<string> {
  const rows = (await t.database.db.execute(sql`select current_database() as name`)) as unknown as {
    name: string;
  }[];
  return `postgres://postgres@127.0.0.1:5432/${rows[0]?.name}`;
}

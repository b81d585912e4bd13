import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { and, eq, inArray, isNull, sql } from "drizzle-orm";
import { createMemoryBus } from "../../lib/bus/memory-bus.ts";
import { loadConfig } from "../../lib/config.ts";
import { type Database, openDatabase } from "../../lib/db/client.ts";
import { messages, notifications, scheduledJobs } from "../../lib/db/schema.ts";
import { createDiskStore } from "../../lib/storage/disk-store.ts";
import { type ApiApp, createApiApp } from "../../services/api/main.ts";
import { acmeWithSecret, startTestApi, type TestApi } from "../support/api.ts";
import { commandOk } from "../support/commands.ts";
import { TEST_INTERNAL_SECRET } from "../support/internal.ts";
import { waitFor } from "../support/ports.ts";

// Two API processes on one PostgreSQL, both polling every 20 ms: each job is claimed by one of them.
describe("reminders and scheduled messages over two API instances", () => {
  let t: TestApi;
  let second: { app: ApiApp; database: Database; dir: string };
  const stops: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    const env = { AJET_SCHEDULER_POLL_MS: "20" };
    t = await startTestApi("postgres", env);
    const [row] = (await t.database.db.execute(sql`select current_database() as name`)) as unknown as {
      name: string;
    }[];
    const config = loadConfig({
      AJET_LOG_LEVEL: "error",
      AJET_INTERNAL_SECRET: TEST_INTERNAL_SECRET,
      DATABASE_URL: `postgres://postgres@127.0.0.1:5432/${row?.name}`,
      ...env,
    });
    // Its own pool, bus and store: another process in all but name.
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
    for (const stop of stops) await stop();
    await second?.database.close();
    if (second) rmSync(second.dir, { recursive: true, force: true });
    await t.close();
  });

  test("thirty jobs due at once, both instances polling: each posts exactly one message or notification", async () => {
    const alice = await t.person("alice");
    const { general } = await acmeWithSecret(t, alice);
    const sendAt = new Date(Date.now() + 1500).toISOString();
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) {
      const job = await t.json<{ id: string }>(alice, "POST", `/api/channels/${general}/messages`, {
        body_md: `batch ${i}`,
        send_at: sendAt,
      });
      ids.push(job.id);
    }
    for (let i = 0; i < 10; i++) {
      const reply = await commandOk(t, alice, general, `/remind me ping ${i} in 1 second`);
      ids.push(reply.effects[0]?.id as string);
    }
    // Both start polling only now, so neither had a head start on the jobs.
    stops.push(t.app.startScheduler(), second.app.startScheduler());

    await waitFor(
      async () => {
        const waiting = await t.database.db
          .select({ id: scheduledJobs.id })
          .from(scheduledJobs)
          .where(and(inArray(scheduledJobs.id, ids), isNull(scheduledJobs.doneAt)));
        if (waiting.length) throw new Error(`${waiting.length} still waiting`);
      },
      30_000,
      "every job to be done",
    );
    const posted = await t.database.db
      .select({ body: messages.bodyMd, n: sql<number>`count(*)::int` })
      .from(messages)
      .where(eq(messages.channelId, general))
      .groupBy(messages.bodyMd);
    for (let i = 0; i < 20; i++) expect(posted.find((p) => p.body === `batch ${i}`)?.n).toBe(1);
    const reminded = await t.database.db
      .select({ source: notifications.sourceId, n: sql<number>`count(*)::int` })
      .from(notifications)
      .where(eq(notifications.userId, alice.id))
      .groupBy(notifications.sourceId);
    for (const id of ids.slice(20)) expect(reminded.find((r) => r.source === id)?.n).toBe(1);
    const failed = await t.database.db
      .select({ id: scheduledJobs.id })
      .from(scheduledJobs)
      .where(sql`${scheduledJobs.failedReason} is not null`);
    expect(failed).toEqual([]);
  });
});

// Whether the embedded server's process answers while its database works: `/healthz` (no database)
// sent right behind 100 concurrent history pages, against `/healthz` alone. With PGlite on the main
// thread the answer waits for every queued query; in its own thread it does not.
// Run with `bun run bench embedded-stall`.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { createSession } from "../../lib/auth/sessions.ts";
import { createMemoryBus } from "../../lib/bus/memory-bus.ts";
import { loadConfig } from "../../lib/config.ts";
import { openDatabase } from "../../lib/db/client.ts";
import { users } from "../../lib/db/schema.ts";
import { listen } from "../../lib/http/listen.ts";
import { configureLog } from "../../lib/log.ts";
import { createDiskStore } from "../../lib/storage/disk-store.ts";
import { createApiApp } from "../../services/api/main.ts";
import { TEST_INTERNAL_SECRET, trustedHop } from "../support/internal.ts";
import { heading, ms, percentile, row, verdict } from "./measure.ts";

const CONCURRENT = 100;
const ROUNDS = 20;
const MESSAGES = 5_000;

configureLog({ level: "error" });
const dir = mkdtempSync(join(tmpdir(), "ajet-stall-"));
const config = loadConfig({
  AJET_LOG_LEVEL: "error",
  AJET_INTERNAL_SECRET: TEST_INTERNAL_SECRET,
  AJET_DATA_DIR: dir,
});
const database = await openDatabase(config.database, { migrate: true });
const bus = createMemoryBus({ replayBuffer: 100 });
const app = createApiApp({ config, db: database, bus, store: createDiskStore(join(dir, "files")) });
const listening = listen(app, { host: "127.0.0.1", port: 0, maxRequestBodySize: 1024 * 1024 });
try {
  const [alice] = await database.db
    .insert(users)
    .values({ username: "alice", displayName: "Alice" })
    .returning();
  const { token } = await createSession(database.db, (alice as { id: string }).id);
  const headers = { ...trustedHop, authorization: `Bearer ${token}`, "content-type": "application/json" };
  const created = await fetch(`${listening.url}/api/communities`, {
    method: "POST",
    headers,
    body: JSON.stringify({ name: "acme", slug: "acme" }),
  });
  if (!created.ok) throw new Error(`community: ${created.status}`);
  const list = (await (
    await fetch(`${listening.url}/api/communities/acme/channels`, { headers })
  ).json()) as {
    items: { id: string }[];
  };
  const general = list.items[0]?.id as string;
  // Messages a millisecond apart with uuidv7-shaped ids, so the app's own ids sort after them.
  await database.db.execute(sql`
    insert into messages (id, channel_id, user_id, body_md, created_at)
    select (lpad(to_hex((extract(epoch from now()) * 1000)::bigint - ${MESSAGES} + g), 12, '0')
            || '7000' || '8000' || lpad(to_hex(g), 12, '0'))::uuid,
      ${general}, ${alice?.id}, 'Item ' || g || ': the build is green again after the cache fix', now()
    from generate_series(1, ${MESSAGES}) g`);

  const healthz = async () => {
    const started = performance.now();
    const res = await fetch(`${listening.url}/healthz`);
    await res.arrayBuffer();
    return performance.now() - started;
  };
  const page = () =>
    fetch(`${listening.url}/api/channels/${general}/messages?limit=50`, { headers }).then((r) => {
      if (!r.ok) throw new Error(`history: ${r.status}`);
      return r.arrayBuffer();
    });
  await Promise.all(Array.from({ length: 20 }, page));

  const alone: number[] = [];
  const behind: number[] = [];
  const batches: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    alone.push(await healthz());
    const started = performance.now();
    const pages = Promise.all(Array.from({ length: CONCURRENT }, page));
    behind.push(await healthz());
    await pages;
    batches.push(performance.now() - started);
  }
  const figures = (values: number[]) => {
    const sorted = values.sort((a, b) => a - b);
    return {
      p50: percentile(sorted, 50),
      p95: percentile(sorted, 95),
      p99: percentile(sorted, 99),
      max: sorted.at(-1) ?? 0,
    } as const;
  };
  heading(
    `embedded (PGlite) process: /healthz behind ${CONCURRENT} concurrent history pages (${MESSAGES.toLocaleString("en")} messages), ${ROUNDS} rounds`,
  );
  const a = figures(alone);
  const b = figures(behind);
  const c = figures(batches);
  row("/healthz alone", `p50 ${ms(a.p50)} ms  max ${ms(a.max)} ms`);
  row(`/healthz sent behind ${CONCURRENT} history pages`, `p50 ${ms(b.p50)} ms  max ${ms(b.max)} ms`);
  row(`the ${CONCURRENT} history pages, all answered`, `p50 ${ms(c.p50)} ms  max ${ms(c.max)} ms`);
  row("ratio behind / alone (p50)", `${(b.p50 / a.p50).toFixed(1)}×`);
  row("share of the batch /healthz waited (p50)", `${Math.round((b.p50 / c.p50) * 100)}%`);
  verdict("/healthz behind the batch p50 ≤ 50 ms", b.p50 <= 50, `p50 ${ms(b.p50)} ms`);
} finally {
  await listening.stop(1000);
  await bus.close();
  await database.close();
  rmSync(dir, { recursive: true, force: true });
}

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { sql } from "drizzle-orm";
import { type Database, openDatabase } from "../../lib/db/client.ts";
import { vacuumPass } from "../../lib/db/embedded-vacuum.ts";
import { resultRows } from "../../lib/db/migrate.ts";

// PGlite has no autovacuum: the embedded server's own pass must find what changed and clean it.
describe("the embedded database vacuums itself", () => {
  let database: Database;
  const run = (text: string) => database.db.execute(sql.raw(text));
  const stats = async (table: string) =>
    resultRows<{ dead: number; last_vacuum: string | null; last_analyze: string | null }>(
      await run(
        `select n_dead_tup::int as dead, last_vacuum, last_analyze from pg_stat_user_tables where relname = '${table}'`,
      ),
    )[0];

  beforeAll(async () => {
    database = await openDatabase({ kind: "pglite", dir: "memory://" }, { migrate: true });
  });
  afterAll(() => database.close());

  test("a table updated over and over is vacuumed and analyzed; a quiet one is left alone; a second pass has nothing to do", async () => {
    await run(
      "insert into users (id, username, display_name) select gen_random_uuid(), 'v' || i, 'V ' || i from generate_series(1, 2000) i",
    );
    for (let i = 0; i < 3; i++) await run("update users set last_seen_at = now()");
    await run("select pg_stat_force_next_flush()");
    // Far past autovacuum's threshold for 2,000 rows (50 + 20 %), some pruned on the way.
    expect((await stats("users"))?.dead).toBeGreaterThan(2000);

    const first = await vacuumPass(database.db);
    expect(first.vacuumed).toContain("public.users");
    expect([...first.vacuumed, ...first.analyzed]).not.toContain("public.reactions");
    const after = await stats("users");
    expect(after?.dead).toBe(0);
    expect(after?.last_vacuum).not.toBeNull();
    expect(after?.last_analyze).not.toBeNull();
    expect((await stats("reactions"))?.last_vacuum).toBeNull();

    const second = await vacuumPass(database.db);
    expect(second.vacuumed).not.toContain("public.users");
    expect(second.analyzed).not.toContain("public.users");
  });

  test("a table that only grew is vacuumed once its inserts pass autovacuum's threshold, and only analyzed before", async () => {
    await run(
      "insert into communities (id, name, slug) select gen_random_uuid(), 'c' || i, 'vac-' || i from generate_series(1, 500) i",
    );
    const analyzedOnly = await vacuumPass(database.db);
    expect(analyzedOnly.analyzed).toContain("public.communities");
    expect(analyzedOnly.vacuumed).not.toContain("public.communities");
    await run(
      "insert into communities (id, name, slug) select gen_random_uuid(), 'd' || i, 'vac-more-' || i from generate_series(1, 1200) i",
    );
    expect((await vacuumPass(database.db)).vacuumed).toContain("public.communities");
  });
});

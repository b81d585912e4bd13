// PGlite is PostgreSQL in one process with no background workers, so autovacuum never runs there:
// measured, 20 updates of 2,000 rows left 37,282 dead rows and no statistics, and nothing would ever
// freeze old transaction ids (a server that never vacuums stops accepting writes once they wrap). The
// embedded server does autovacuum's work itself, by its rules, one table at a time so other
// statements run between them.
import { sql } from "drizzle-orm";
import { log } from "../log.ts";
import type { Db } from "./client.ts";
import { resultRows } from "./migrate.ts";

/** How often the tables are looked at: autovacuum's own default nap. */
export const VACUUM_EVERY_MS = 60_000;

// PostgreSQL's autovacuum defaults: a table is vacuumed once its dead rows pass 50 + 20 % of its
// rows, or its inserts since the last vacuum 1,000 + 20 % (so index-only scans stay index-only),
// or its oldest transaction id is 200 million old; analyzed once 50 + 10 % of it changed.
const VACUUM_BASE = 50;
const VACUUM_SCALE = 0.2;
const INSERT_BASE = 1000;
const INSERT_SCALE = 0.2;
const ANALYZE_BASE = 50;
const ANALYZE_SCALE = 0.1;
const FREEZE_AGE = 200_000_000;

interface TableStats {
  name: string;
  rows: number;
  dead: number;
  inserted: number;
  modified: number;
  xid_age: number;
}

/** What one pass did: the tables vacuumed (and analyzed) and those only analyzed, schema-qualified. */
export interface VacuumPass {
  vacuumed: string[];
  analyzed: string[];
}

/** Looks at every table once and vacuums or analyzes those that autovacuum's rules say are due. */
export async function vacuumPass(db: Db): Promise<VacuumPass> {
  // The counts of this one session reach the statistics views when they are flushed: now.
  await db.execute(sql`select pg_stat_force_next_flush()`);
  const tables = resultRows<TableStats>(
    await db.execute(sql`
      select format('%I.%I', s.schemaname, s.relname) as name,
        greatest(c.reltuples, s.n_live_tup, 0)::float8 as rows, s.n_dead_tup::float8 as dead,
        s.n_ins_since_vacuum::float8 as inserted, s.n_mod_since_analyze::float8 as modified,
        age(c.relfrozenxid)::float8 as xid_age
      from pg_stat_user_tables s join pg_class c on c.oid = s.relid
      order by s.schemaname, s.relname`),
  );
  const done: VacuumPass = { vacuumed: [], analyzed: [] };
  for (const t of tables) {
    const vacuum =
      t.dead > VACUUM_BASE + VACUUM_SCALE * t.rows ||
      t.inserted > INSERT_BASE + INSERT_SCALE * t.rows ||
      t.xid_age > FREEZE_AGE;
    const analyze = t.modified > ANALYZE_BASE + ANALYZE_SCALE * t.rows;
    // The name comes from the catalog, quoted there by format('%I').
    if (vacuum) {
      await db.execute(sql.raw(`vacuum (analyze) ${t.name}`));
      done.vacuumed.push(t.name);
    } else if (analyze) {
      await db.execute(sql.raw(`analyze ${t.name}`));
      done.analyzed.push(t.name);
    }
  }
  return done;
}

/** Runs a pass every `everyMs` until stopped; a failed pass is logged and the next one tries again. */
export function startEmbeddedVacuum(db: Db, everyMs = VACUUM_EVERY_MS) {
  let running: Promise<void> | null = null;
  const tick = () => {
    if (running) return;
    const started = performance.now();
    running = vacuumPass(db)
      .then((done) => {
        if (done.vacuumed.length || done.analyzed.length)
          log.info("the embedded database vacuumed its tables", {
            ...done,
            duration_ms: Math.round(performance.now() - started),
          });
      })
      .catch((err) => log.warn("vacuuming the embedded database failed", { error: String(err) }))
      .finally(() => {
        running = null;
      });
  };
  const timer = setInterval(tick, everyMs);
  timer.unref?.();
  return {
    /** Stops the timer and waits for a pass under way, so the database can close after it. */
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}

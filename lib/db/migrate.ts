import { readFileSync } from "node:fs";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import type { Db } from "./client.ts";
import { embeddedMigrationFiles } from "./embedded-migrations.ts";

export interface Migration {
  tag: string;
  statements: string[];
  hash: string;
}

/**
 * The migrations drizzle-kit generated, in journal order: from `folder` when given, else the copies
 * compiled into the program (so the single-file binary carries them).
 */
export function readMigrations(folder?: string): Migration[] {
  if (folder === undefined) return embeddedMigrationFiles.map(({ tag, text }) => toMigration(tag, text));
  const journal = JSON.parse(readFileSync(join(folder, "meta/_journal.json"), "utf8")) as {
    entries: { tag: string }[];
  };
  return journal.entries.map(({ tag }) => toMigration(tag, readFileSync(join(folder, `${tag}.sql`), "utf8")));
}

function toMigration(tag: string, text: string): Migration {
  return {
    tag,
    hash: new Bun.CryptoHasher("sha256").update(text).digest("hex"),
    statements: text
      .split("--> statement-breakpoint")
      .map((s) => s.trim())
      .filter((s) => s !== ""),
  };
}

/**
 * Applies pending migrations in one transaction. Several API and gateway processes may start at
 * once against one server, so an advisory lock makes them take turns; the later ones find nothing
 * to do. Returns the tags applied.
 */
export async function migrate(db: Db, migrations = readMigrations()): Promise<string[]> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext('ajet-chat:migrate'))`);
    await tx.execute(sql`create table if not exists ajet_migrations (
      tag text primary key,
      hash text not null,
      applied_at timestamptz not null default now()
    )`);
    const rows = (await tx.execute(sql`select tag, hash from ajet_migrations`)) as unknown;
    const applied = new Map(resultRows<{ tag: string; hash: string }>(rows).map((r) => [r.tag, r.hash]));
    const done: string[] = [];
    for (const m of migrations) {
      const known = applied.get(m.tag);
      if (known !== undefined) {
        if (known !== m.hash) throw new Error(`migration ${m.tag} was changed after it was applied`);
        continue;
      }
      for (const statement of m.statements) await tx.execute(sql.raw(statement));
      await tx.execute(sql`insert into ajet_migrations (tag, hash) values (${m.tag}, ${m.hash})`);
      done.push(m.tag);
    }
    return done;
  });
}

/** `execute` returns `{ rows }` from PGlite and an array from Bun SQL. */
export function resultRows<T>(result: unknown): T[] {
  if (Array.isArray(result)) return result as T[];
  return ((result as { rows?: T[] }).rows ?? []) as T[];
}

/** Migrations this program knows that the database has not applied, and applied ones it does not know. */
export async function checkMigrations(db: Db, migrations = readMigrations()) {
  const exists = resultRows<{ t: string | null }>(
    await db.execute(sql`select to_regclass('ajet_migrations')::text as t`),
  );
  const applied = new Set(
    exists[0]?.t
      ? resultRows<{ tag: string }>(await db.execute(sql`select tag from ajet_migrations`)).map((r) => r.tag)
      : [],
  );
  const known = new Set(migrations.map((m) => m.tag));
  return {
    pending: migrations.filter((m) => !applied.has(m.tag)).map((m) => m.tag),
    unknown: [...applied].filter((tag) => !known.has(tag)),
  };
}

import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import type { Database, Db } from "../db/client.ts";
import { attachments } from "../db/schema.ts";
import { AppError } from "../errors.ts";

/** The database at one moment, and the stored files that moment refers to. */
export interface DatabaseDump {
  entry: string;
  body: Blob;
  keys: string[];
  discard(): Promise<void>;
}

const storedKeys = async (db: Db) =>
  (await db.select({ key: attachments.storageKey }).from(attachments)).map((r) => r.key).sort();

const sameKeys = (a: string[], b: string[]) => a.length === b.length && a.every((k, i) => k === b[i]);

/**
 * PGlite's own copy of its data dir. It answers one query at a time, so the key lists read just
 * before and just after the copy bracket it: when they agree, the copy refers to exactly those
 * files; when a file came or went meanwhile, it is taken again.
 */
export async function dumpPglite(database: Database, entry: string): Promise<DatabaseDump> {
  const dump = database.dumpDataDir;
  if (!dump) throw new Error("this database cannot dump its data dir");
  for (let attempt = 0; attempt < 5; attempt++) {
    const before = await storedKeys(database.db);
    const body = await dump();
    const after = await storedKeys(database.db);
    if (sameKeys(before, after)) return { entry, body, keys: after, discard: async () => {} };
  }
  throw new AppError("unavailable", "backup_busy", "files kept changing during the backup; try again");
}

/**
 * `pg_dump` of the server, run inside a snapshot this connection exported: the dump and the list
 * of stored files it refers to are read from the same moment, while people keep writing.
 */
export async function dumpPostgres(database: Database, url: string, entry: string): Promise<DatabaseDump> {
  const dir = await mkdtemp(join(tmpdir(), "ajet-backup-"));
  const path = join(dir, "dump.sql");
  try {
    const keys = await database.db.transaction(
      async (tx) => {
        const [row] = (await tx.execute(sql`select pg_export_snapshot() as snapshot`)) as unknown as {
          snapshot: string;
        }[];
        const keys = await storedKeys(tx);
        await runPgTool("pg_dump", url, [
          "--format=plain",
          "--no-owner",
          "--no-privileges",
          `--snapshot=${row?.snapshot}`,
          `--file=${path}`,
        ]);
        return keys;
      },
      { isolationLevel: "repeatable read", accessMode: "read only" },
    );
    return { entry, body: Bun.file(path), keys, discard: () => rm(dir, { recursive: true, force: true }) };
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

/**
 * Runs pg_dump or psql against the URL. The password goes in a passfile of this run's own (mode
 * 0600, named by the URL's `passfile` parameter), not on the command line, where any user of the
 * machine could read it in the process list; the tool inherits this process's environment as it is.
 */
export async function runPgTool(tool: "pg_dump" | "psql", url: string, args: string[]) {
  const u = new URL(url);
  const password = decodeURIComponent(u.password);
  u.password = "";
  const dir = password ? await mkdtemp(join(tmpdir(), "ajet-pgpass-")) : null;
  try {
    if (dir) {
      const passfile = join(dir, "pgpass");
      // Any host, port, database and user: this file serves this one run. `:` and `\` are escaped.
      await writeFile(passfile, `*:*:*:*:${password.replace(/[\\:]/g, "\\$&")}\n`, { mode: 0o600 });
      u.searchParams.set("passfile", passfile);
    }
    await runTool(tool, [...args, `--dbname=${u.toString()}`]);
  } finally {
    if (dir) await rm(dir, { recursive: true, force: true });
  }
}

async function runTool(tool: string, args: string[]) {
  const proc = Bun.spawn([tool, ...args], { stdout: "ignore", stderr: "pipe" });
  const [code, stderr] = await Promise.all([proc.exited, new Response(proc.stderr).text()]);
  if (code !== 0) {
    throw new AppError(
      "internal",
      `${tool}_failed`,
      `${tool} failed: ${stderr.trim().split("\n")[0] ?? code}`,
    );
  }
}

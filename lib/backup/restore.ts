import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { createTarDecoder } from "modern-tar";
import { recordAdminAudit } from "../admin/deps.ts";
import type { Config } from "../config.ts";
import { describeUrl, openDatabase } from "../db/client.ts";
import { resultRows } from "../db/migrate.ts";
import { conflict, invalid } from "../errors.ts";
import type { ObjectStore } from "../storage/object-store.ts";
import { runPgTool } from "./dump-database.ts";
import { BACKUP_FORMAT, BACKUP_VERSION, ENTRY, type IndexedFile, type Manifest } from "./format.ts";

const MODE_NAME = { pglite: "embedded (PGlite)", postgres: "PostgreSQL" } as const;

async function isEmptyDir(dir: string) {
  try {
    return (await readdir(dir)).length === 0;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return true;
    throw err;
  }
}

/** Refuses to restore over anything: the target database and file store must hold nothing yet. */
async function checkTargetEmpty(config: Config) {
  if (config.database.kind === "pglite") {
    if (!(await isEmptyDir(config.database.dir))) {
      throw conflict(
        `the data dir already holds a database (${config.database.dir}): restore into an empty AJET_DATA_DIR`,
      );
    }
  } else {
    const database = await openDatabase(config.database);
    try {
      const [row] = resultRows<{ n: number }>(
        await database.db.execute(sql`select count(*)::int as n from pg_tables where schemaname = 'public'`),
      );
      if ((row?.n ?? 0) > 0) {
        throw conflict(
          `the database ${describeUrl(config.database.url)} is not empty: restore into a new one (createdb)`,
        );
      }
    } finally {
      await database.close();
    }
  }
  if (config.storage.kind === "disk" && !(await isEmptyDir(join(config.storage.dir, "objects")))) {
    throw conflict(
      `the file store already holds files (${config.storage.dir}): restore into an empty AJET_DATA_DIR`,
    );
  }
}

/**
 * Brings a backup back into an empty deployment: the stored files first, then the database, so
 * that a failure at any point removes what was put and leaves the target as empty as it was.
 */
export async function restoreBackup(
  config: Config,
  store: ObjectStore,
  archive: ReadableStream<Uint8Array>,
  osUser: string,
) {
  await checkTargetEmpty(config);
  const work = await mkdtemp(join(tmpdir(), "ajet-restore-"));
  const put: string[] = [];
  try {
    let manifest: Manifest | undefined;
    let dumpPath: string | undefined;
    let index = new Map<string, IndexedFile>();
    const gunzip = new DecompressionStream("gzip") as unknown as TransformStream<Uint8Array, Uint8Array>;
    const entries = archive.pipeThrough(gunzip).pipeThrough(createTarDecoder());
    for await (const { header, body } of entries) {
      const name = header.name;
      if (name === ENTRY.manifest) {
        manifest = checkManifest(await new Response(body).json(), config);
      } else if (!manifest) {
        throw invalid("this is not an ajet-chat backup (it does not start with its manifest)");
      } else if (name === ENTRY.pglite || name === ENTRY.postgres) {
        dumpPath = join(work, "database");
        await Bun.write(dumpPath, new Response(body));
      } else if (name === ENTRY.index) {
        const files = (await new Response(body).json()) as (IndexedFile & { entry: string })[];
        index = new Map(files.map((f) => [f.entry, f]));
      } else if (name.startsWith(ENTRY.filePrefix) && index.has(name)) {
        const file = index.get(name) as IndexedFile;
        // A bucket cannot be listed through the store; a key of this chat already there says enough.
        if (await store.head(file.key)) {
          throw conflict(
            `the file store already holds ${file.key}: restore into an empty bucket or data dir`,
          );
        }
        await store.put(file.key, body, { contentType: file.content_type });
        put.push(file.key);
      } else {
        await body.cancel();
      }
    }
    if (!manifest || !dumpPath) throw invalid("the backup is incomplete: it holds no database");
    if (put.length !== manifest.files) {
      throw invalid(`the backup is incomplete: ${manifest.files} files expected, ${put.length} found`);
    }
    await restoreDatabase(config, dumpPath);
    await recordRestore(config, osUser, manifest, put.length);
    return { files: put.length, bytes: manifest.file_bytes, createdAt: manifest.created_at };
  } catch (err) {
    await Promise.allSettled(put.map((key) => store.delete(key)));
    if (config.database.kind === "pglite") await rm(config.database.dir, { recursive: true, force: true });
    throw err;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

function checkManifest(value: unknown, config: Config): Manifest {
  const manifest = value as Manifest;
  if (manifest?.format !== BACKUP_FORMAT) throw invalid("this is not an ajet-chat backup");
  if (manifest.version > BACKUP_VERSION) {
    throw invalid(
      `this backup was written by a newer ajet-chat (format ${manifest.version}): restore it with that`,
    );
  }
  if (manifest.database !== config.database.kind) {
    throw invalid(
      `this backup holds a ${MODE_NAME[manifest.database]} database; this configuration uses ${MODE_NAME[config.database.kind]}${manifest.database === "pglite" ? ": unset DATABASE_URL" : ": set DATABASE_URL"}`,
    );
  }
  return manifest;
}

/** The restored deployment's audit log says when it was restored, by whom, and from which backup. */
async function recordRestore(config: Config, osUser: string, manifest: Manifest, files: number) {
  const database = await openDatabase(config.database);
  try {
    await recordAdminAudit(
      database.db,
      { osUser },
      { action: "backup.restored", data: { backup_created_at: manifest.created_at, files } },
    );
  } finally {
    await database.close();
  }
}

async function restoreDatabase(config: Config, dumpPath: string) {
  if (config.database.kind === "postgres") {
    // One transaction: a failed restore leaves the database empty, not half-filled.
    await runPgTool("psql", config.database.url, [
      "-X",
      "-q",
      "-v",
      "ON_ERROR_STOP=1",
      "--single-transaction",
      `--file=${dumpPath}`,
    ]);
    return;
  }
  const database = await openDatabase(config.database, { loadDataDir: Bun.file(dumpPath) });
  await database.close();
}

import { createTarPacker, type TarPackController } from "modern-tar";
import { recordAdminAudit } from "../admin/deps.ts";
import type { Config } from "../config.ts";
import type { Database } from "../db/client.ts";
import { AppError } from "../errors.ts";
import type { ObjectInfo, ObjectStore } from "../storage/object-store.ts";
import { type DatabaseDump, dumpPglite, dumpPostgres } from "./dump-database.ts";
import { BACKUP_FORMAT, BACKUP_VERSION, ENTRY, type IndexedFile, type Manifest } from "./format.ts";

export interface BackupSource {
  config: Config;
  database: Database;
  store: ObjectStore;
}

const fileEntry = (n: number) => `${ENTRY.filePrefix}${String(n).padStart(8, "0")}`;

/**
 * Takes the database and the files it refers to, then streams them as one gzipped tar (see
 * format.ts). Every file the dump refers to is in the archive: a file that vanished between the
 * dump and the copy (its message deleted meanwhile) means the dump is taken again.
 */
export async function createBackup(
  source: BackupSource,
  osUser: string,
): Promise<ReadableStream<Uint8Array>> {
  // Recorded first, so the backup holds its own audit row.
  await recordAdminAudit(source.database.db, { osUser }, { action: "backup.created" });
  for (let attempt = 0; attempt < 3; attempt++) {
    const dump = await dumpDatabase(source);
    const infos = await Promise.all(dump.keys.map((key) => source.store.head(key)));
    const missing = dump.keys.filter((_, i) => infos[i] === null);
    if (missing.length === 0) {
      const files = dump.keys.map((key, i) => {
        const info = infos[i] as ObjectInfo;
        return { key, size: info.size, content_type: info.contentType, entry: fileEntry(i) };
      });
      return pack(source, dump, files).pipeThrough(new CompressionStream("gzip"));
    }
    await dump.discard();
    // Deleted during the backup: another dump no longer refers to them. Missing before it began:
    // every attempt sees them missing, and the store has lost them.
    if (attempt === 2) {
      throw new AppError(
        "unavailable",
        "files_missing",
        `${missing.length} stored file(s) the database refers to are missing from storage (e.g. ${missing[0]}); run ajet-chat admin doctor`,
      );
    }
  }
  throw new Error("unreachable");
}

function dumpDatabase({ config, database }: BackupSource): Promise<DatabaseDump> {
  return config.database.kind === "pglite"
    ? dumpPglite(database, ENTRY.pglite)
    : dumpPostgres(database, config.database.url, ENTRY.postgres);
}

function pack(source: BackupSource, dump: DatabaseDump, files: (IndexedFile & { entry: string })[]) {
  const { readable, controller } = createTarPacker();
  const manifest: Manifest = {
    format: BACKUP_FORMAT,
    version: BACKUP_VERSION,
    database: source.config.database.kind,
    created_at: new Date().toISOString(),
    files: files.length,
    file_bytes: files.reduce((sum, f) => sum + f.size, 0),
  };
  (async () => {
    await add(controller, ENTRY.manifest, new Blob([JSON.stringify(manifest, null, 2)]));
    await add(controller, dump.entry, dump.body);
    await add(controller, ENTRY.index, new Blob([JSON.stringify(files)]));
    for (const file of files) {
      const object = await source.store.get(file.key);
      if (!object || object.size !== file.size) {
        throw new AppError(
          "unavailable",
          "backup_busy",
          `the stored file ${file.key} changed during the backup; try again`,
        );
      }
      await object.body.pipeTo(controller.add({ name: file.entry, size: file.size }));
    }
    controller.finalize();
  })()
    .catch((err) => controller.error(err))
    .finally(() => dump.discard());
  return readable;
}

async function add(controller: TarPackController, name: string, body: Blob) {
  await body.stream().pipeTo(controller.add({ name, size: body.size }));
}

/**
 * The backup archive: a gzipped tar whose entries come in this order, so a restore reads it in one
 * pass: the manifest, the database, the index of stored files, then each file under `files/`.
 */
export const BACKUP_FORMAT = "ajet-chat-backup";
export const BACKUP_VERSION = 1;

export const ENTRY = {
  manifest: "manifest.json",
  pglite: "database/pglite-data.tar",
  postgres: "database/postgres.sql",
  index: "files.json",
  filePrefix: "files/",
} as const;

export interface Manifest {
  format: typeof BACKUP_FORMAT;
  version: number;
  database: "pglite" | "postgres";
  created_at: string;
  files: number;
  file_bytes: number;
}

/** One stored file the database refers to. */
export interface IndexedFile {
  key: string;
  size: number;
  content_type: string;
}

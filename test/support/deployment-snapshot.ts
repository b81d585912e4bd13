import { readdir } from "node:fs/promises";
import { join, relative } from "node:path";
import { GetObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { sql } from "drizzle-orm";
import type { Config } from "../../lib/config.ts";
import { openDatabase } from "../../lib/db/client.ts";
import { resultRows } from "../../lib/db/migrate.ts";

/** Every row of every table, as sorted JSON text per table: two equal snapshots hold the same data. */
export async function snapshotTables(database: Config["database"]) {
  const db = await openDatabase(database);
  try {
    const tables = resultRows<{ name: string }>(
      await db.db.execute(
        sql`select tablename as name from pg_tables where schemaname = 'public' order by tablename`,
      ),
    ).map((t) => t.name);
    const snapshot: Record<string, string[]> = {};
    for (const table of tables) {
      const rows = resultRows<{ j: string }>(
        await db.db.execute(sql.raw(`select to_jsonb(t)::text as j from "${table}" t`)),
      );
      snapshot[table] = rows.map((r) => r.j).sort();
    }
    return snapshot;
  } finally {
    await db.close();
  }
}

/** Every stored file as key → SHA-256 of its bytes (and content type, where the store keeps one). */
export async function snapshotFiles(storage: Config["storage"]): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  const hash = (bytes: Uint8Array) => new Bun.CryptoHasher("sha256").update(bytes).digest("hex");
  if (storage.kind === "disk") {
    const walk = async (dir: string): Promise<string[]> => {
      const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
      const nested = await Promise.all(
        entries.map((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)])),
      );
      return nested.flat();
    };
    for (const area of ["objects", "meta"]) {
      for (const path of await walk(join(storage.dir, area))) {
        files[`${area}/${relative(join(storage.dir, area), path)}`] = hash(await Bun.file(path).bytes());
      }
    }
    return files;
  }
  const client = new S3Client({
    endpoint: storage.endpoint,
    region: storage.region,
    forcePathStyle: true,
    credentials: { accessKeyId: storage.accessKeyId, secretAccessKey: storage.secretAccessKey },
  });
  try {
    const listed = await client.send(new ListObjectsV2Command({ Bucket: storage.bucket }));
    for (const { Key } of listed.Contents ?? []) {
      const object = await client.send(new GetObjectCommand({ Bucket: storage.bucket, Key }));
      const bytes = await object.Body?.transformToByteArray();
      files[Key as string] = `${hash(bytes ?? new Uint8Array())} ${object.ContentType}`;
    }
    return files;
  } finally {
    client.destroy();
  }
}

import type { PGlite } from "@electric-sql/pglite";
import { SQL } from "bun";
import { sql } from "drizzle-orm";
import { drizzle as drizzleBunSql } from "drizzle-orm/bun-sql";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import type { Config } from "../config.ts";
import { createDbMeter, instrument } from "../metrics/metered-db.ts";
import { trackDbThread } from "../metrics/metrics.ts";
import { StartupError } from "../startup-error.ts";
import { type DataDirLock, lockDataDir } from "./data-dir-lock.ts";
import { startEmbeddedVacuum } from "./embedded-vacuum.ts";
import { migrate } from "./migrate.ts";
import { RemotePglite } from "./pglite-remote.ts";
import * as schema from "./schema.ts";

export type Schema = typeof schema;
/** The drizzle database, whichever driver is behind it. */
export type Db = PgDatabase<PgQueryResultHKT, Schema>;
/** A transaction handle; domain functions take `Db | Tx` so they compose inside transactions. */
export type Tx = Parameters<Parameters<Db["transaction"]>[0]>[0];

export interface Database {
  db: Db;
  kind: Config["database"]["kind"];
  /** PGlite only: its whole data dir as an uncompressed tarball (a consistent copy, taken between queries). */
  dumpDataDir?: () => Promise<Blob>;
  /** Resolves when the database answers a trivial query; rejects otherwise. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface OpenOptions {
  /** Apply pending migrations before returning (services that own data do). */
  migrate?: boolean;
  /** Pool size for the PostgreSQL server. */
  maxConnections?: number;
  /** Called with every SQL statement (tests count queries to catch N+1). */
  onQuery?: (sql: string) => void;
  /** PGlite only: start a new data dir from this tarball (a restore). */
  loadDataDir?: Blob;
}

/**
 * Opens the database the config names: PGlite in the data dir (taking its lock), or the PostgreSQL
 * server at DATABASE_URL. Failures become a StartupError with one line for the operator.
 */
export async function openDatabase(config: Config["database"], options: OpenOptions = {}): Promise<Database> {
  const database =
    config.kind === "pglite" ? await openPglite(config, options) : await openPostgres(config.url, options);
  try {
    await database.ping();
    if (options.migrate) await migrate(database.db);
  } catch (err) {
    await database.close().catch(() => {});
    if (err instanceof StartupError) throw err;
    const where = config.kind === "pglite" ? config.dir : describeUrl(config.url);
    throw new StartupError(`cannot use the database at ${where}: ${oneLine(err)}`);
  }
  return database;
}

const loggerFor = (options: OpenOptions) =>
  options.onQuery ? { logQuery: (query: string) => options.onQuery?.(query) } : undefined;

async function openPglite(
  { dir, sharedBuffers, statementLog }: Extract<Config["database"], { kind: "pglite" }>,
  options: OpenOptions,
): Promise<Database> {
  // "memory://" keeps everything in memory (tests); it has no dir to lock.
  const lock: DataDirLock | undefined = dir.startsWith("memory://")
    ? undefined
    : lockDataDir(`${dir}.lock`, `the data dir ${dir}`);
  let client: RemotePglite;
  try {
    client = await RemotePglite.open(dir, { loadDataDir: options.loadDataDir, sharedBuffers, statementLog });
  } catch (err) {
    lock?.release();
    throw new StartupError(`cannot open the embedded database in ${dir}: ${oneLine(err)}`);
  }
  // One connection: PGlite runs one statement at a time. drizzle calls only `query` and
  // `transaction`, which RemotePglite answers as PGlite does.
  const meter = createDbMeter("pglite", 1);
  const untrack = trackDbThread(() => client.stats());
  const metered = instrument(client, {
    query:
      (run) =>
      (...args) =>
        meter.hold("statement", () => run(...args) as Promise<unknown>),
    transaction:
      (run) =>
      (...args) =>
        meter.hold("transaction", () => run(...args) as Promise<unknown>),
  });
  const db = drizzlePglite({
    client: metered as unknown as PGlite,
    schema,
    logger: loggerFor(options),
  }) as unknown as Db;
  // A data dir lives for months; one in memory only for a test.
  const vacuum = dir.startsWith("memory://") ? undefined : startEmbeddedVacuum(db);
  return {
    db,
    kind: "pglite",
    dumpDataDir: () => client.dumpDataDir(),
    ping: async () => {
      await client.query("select 1");
    },
    close: async () => {
      await vacuum?.stop();
      meter.close();
      untrack();
      if (!client.closed) await client.close();
      lock?.release();
    },
  };
}

async function openPostgres(url: string, options: OpenOptions): Promise<Database> {
  const max = options.maxConnections ?? 10;
  const client = new SQL({
    url,
    max,
    connectionTimeout: 5,
    idleTimeout: 30,
    // Bun's default prepares each distinct statement per connection; drizzle's queries are stable
    // text, so preparing pays off.
    prepare: true,
  });
  const meter = createDbMeter("postgres", max);
  const metered = instrument(client, {
    unsafe:
      (run) =>
      (...args) =>
        meter.lazy(run(...args) as PromiseLike<unknown>),
    begin:
      (run) =>
      (...args) =>
        meter.hold("transaction", () => run(...args) as Promise<unknown>),
  });
  const db = drizzleBunSql({ client: metered, schema, logger: loggerFor(options) }) as unknown as Db;
  return {
    db,
    kind: "postgres",
    ping: async () => {
      await db.execute(sql`select 1`);
    },
    close: async () => {
      meter.close();
      await client.close({ timeout: 5 });
    },
  };
}

/** The URL without its password, for messages. */
export function describeUrl(url: string) {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "DATABASE_URL";
  }
}

function oneLine(err: unknown) {
  // drizzle wraps driver errors in "Failed query: …"; the driver's reason is in `cause`.
  let root = err;
  while (root instanceof Error && root.cause !== undefined) root = root.cause;
  const message = root instanceof Error ? root.message : String(root);
  // Bun's driver says only "Failed to connect"; its code says why.
  const code = (root as { code?: unknown }).code;
  if (typeof code === "string" && code.startsWith("ERR_POSTGRES_")) {
    return `${message.split("\n")[0]} (${code.slice("ERR_POSTGRES_".length).toLowerCase().replaceAll("_", " ")})`;
  }
  return message.split("\n")[0]?.trim() || "unknown error";
}

import { sql } from "drizzle-orm";
import type { EventBus } from "../bus/event-bus.ts";
import { openBus } from "../bus/open-bus.ts";
import type { Config } from "../config.ts";
import { type Database, openDatabase } from "../db/client.ts";
import { checkMigrations, resultRows } from "../db/migrate.ts";
import type { ObjectStore } from "../storage/object-store.ts";
import { openStore } from "../storage/open-store.ts";

export interface Check {
  check: string;
  status: "ok" | "warn" | "fail";
  detail: string;
}

/** What doctor may borrow from a running server; anything missing it opens (and closes) itself. */
export interface DoctorParts {
  database?: Database;
  bus?: EventBus;
  store?: ObjectStore;
}

const MAX_CLOCK_SKEW_MS = 2000;

const said = (err: unknown) => ((err as Error)?.message ?? String(err)).split("\n")[0];

/**
 * Checks what the deployment needs, each on its own so one failure does not hide the next, and
 * says for each problem what to do about it.
 */
export async function runDoctor(config: Config, parts: DoctorParts): Promise<Check[]> {
  const checks: Check[] = [configCheck(config)];
  const opened: { close(): Promise<void> }[] = [];
  const borrow = async <T extends { close(): Promise<void> }>(
    have: T | undefined,
    open: () => Promise<T>,
  ) => {
    if (have) return have;
    const made = await open();
    opened.push(made);
    return made;
  };
  try {
    let database: Database | undefined;
    try {
      database = await borrow(parts.database, () => openDatabase(config.database));
      const [row] = resultRows<{ version: string; now: string }>(
        await database.db.execute(sql`select version() as version, now()::text as now`),
      );
      checks.push({
        check: "database",
        status: "ok",
        detail: row?.version.split(" on ")[0] ?? database.kind,
      });
      checks.push(clockCheck(new Date(row?.now ?? Date.now())));
      const { pending, unknown } = await checkMigrations(database.db);
      checks.push(
        unknown.length
          ? {
              check: "migrations",
              status: "fail",
              detail: `the database has migrations this program does not know (${unknown.join(", ")}): run the newer ajet-chat`,
            }
          : pending.length
            ? {
                check: "migrations",
                status: "fail",
                detail: `${pending.length} pending (${pending.join(", ")}): run ajet-chat admin migrate`,
              }
            : { check: "migrations", status: "ok", detail: "up to date" },
      );
    } catch (err) {
      checks.push({
        check: "database",
        status: "fail",
        detail: `${said(err)}: ${config.database.kind === "postgres" ? "check DATABASE_URL and that PostgreSQL runs" : "check AJET_DATA_DIR"}`,
      });
    }
    try {
      const bus = await borrow(parts.bus, () => openBus(config.bus, "ajet-chat-doctor"));
      await bus.ping();
      checks.push({
        check: "bus",
        status: "ok",
        detail: config.bus.kind === "nats" ? "NATS JetStream" : "in-process",
      });
    } catch (err) {
      checks.push({
        check: "bus",
        status: "fail",
        detail: `${said(err)}: check NATS_URL and that nats-server runs with -js`,
      });
    }
    try {
      const store = await borrow(parts.store, () => openStore(config.storage));
      await store.ping();
      checks.push({
        check: "storage",
        status: "ok",
        detail: config.storage.kind === "s3" ? `S3 bucket ${config.storage.bucket}` : config.storage.dir,
      });
    } catch (err) {
      checks.push({
        check: "storage",
        status: "fail",
        detail: `${said(err)}: check the S3_* variables or the disk`,
      });
    }
  } finally {
    for (const part of opened.reverse()) await part.close().catch(() => {});
  }
  return checks;
}

function configCheck(config: Config): Check {
  const url = new URL(config.publicUrl);
  const loopback = ["127.0.0.1", "localhost", "[::1]"].includes(url.hostname);
  if (url.protocol === "http:" && !loopback) {
    return {
      check: "config",
      status: "warn",
      detail: `AJET_PUBLIC_URL is plain http on ${url.hostname}: put TLS in front and set AJET_PUBLIC_URL=https://…`,
    };
  }
  return { check: "config", status: "ok", detail: `public URL ${config.publicUrl}` };
}

function clockCheck(databaseNow: Date): Check {
  const skew = Date.now() - databaseNow.getTime();
  if (Math.abs(skew) > MAX_CLOCK_SKEW_MS) {
    return {
      check: "clock",
      status: "fail",
      detail: `this machine's clock is ${Math.round(skew / 1000)} s off the database's: sync both (chrony or systemd-timesyncd)`,
    };
  }
  return { check: "clock", status: "ok", detail: `within ${MAX_CLOCK_SKEW_MS / 1000} s of the database` };
}

/** Doctor's checks as an admin command's output: one row each, failed when any check failed. */
export async function doctorOutput(config: Config, parts: DoctorParts) {
  const rows = await runDoctor(config, parts);
  return { rows: rows.map((r) => ({ ...r })), failed: rows.some((r) => r.status === "fail") };
}

import { loadConfig } from "../../lib/config.ts";
import { openDatabase } from "../../lib/db/client.ts";
import { migrate, readMigrations } from "../../lib/db/migrate.ts";
import { exitWith } from "../../lib/runtime.ts";

/** `ajet-chat migrate`: applies pending migrations to the configured database and exits. */
export async function runMigrate(_args: string[]) {
  try {
    const config = loadConfig();
    const database = await openDatabase(config.database);
    try {
      const applied = await migrate(database.db, readMigrations());
      console.log(applied.length === 0 ? "database is up to date" : `applied ${applied.join(", ")}`);
    } finally {
      await database.close();
    }
  } catch (err) {
    exitWith(err);
  }
}

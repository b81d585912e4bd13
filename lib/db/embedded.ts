import { entityKind } from "drizzle-orm";
import type { Db } from "./client.ts";

/**
 * Whether `db` (or a transaction of it) runs on the embedded database, for the few statements that
 * take another form there. Read from drizzle's own class tag, so this loads nothing of PGlite.
 */
export function isEmbedded(db: Db): boolean {
  const session = db._.session.constructor as { [entityKind]?: string };
  return session[entityKind] === "PgliteSession";
}

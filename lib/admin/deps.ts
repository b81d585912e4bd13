import { eq } from "drizzle-orm";
import { LOCAL_ADMIN } from "../audit/read.ts";
import { recordAudit } from "../audit/record.ts";
import type { EventBus } from "../bus/event-bus.ts";
import type { Config } from "../config.ts";
import type { Database, Db } from "../db/client.ts";
import { communities, users } from "../db/schema.ts";
import { invalid, notFound } from "../errors.ts";
import type { ObjectStore } from "../storage/object-store.ts";

/** What an admin command acts on: the deployment's own resources, and who ran it on the box. */
export interface AdminDeps {
  config: Config;
  database: Database;
  bus: EventBus;
  store: ObjectStore;
  /** The OS account that ran `ajet-chat admin`. */
  osUser: string;
  /** Where a long command reports how far it got: the shell's stderr, or the server's log. */
  progress?: (line: string) => void;
}

/** What a command prints: records (one line each, or JSON with --json) or one sentence. */
export type AdminOutput = { rows: Record<string, unknown>[]; failed?: boolean } | { message: string };

export { LOCAL_ADMIN } from "../audit/read.ts";

/** Writes an audit row for an admin action: no actor account, the local admin and OS user in its data. */
export function recordAdminAudit(
  db: Db,
  deps: Pick<AdminDeps, "osUser">,
  entry: Omit<Parameters<typeof recordAudit>[1], "actorId">,
) {
  return recordAudit(db, { ...entry, actorId: null, data: { ...entry.data, ...adminActor(deps) } });
}

export const adminActor = (deps: Pick<AdminDeps, "osUser">) => ({ actor: LOCAL_ADMIN, os_user: deps.osUser });

/** The account named `@name` (the `@` is optional). */
export async function findUser(db: Db, name: string | undefined) {
  if (!name) throw invalid("name a person, e.g. @alice");
  const username = name.replace(/^@/, "");
  const [user] = await db.select().from(users).where(eq(users.username, username));
  if (!user) throw notFound(`@${username}`);
  return user;
}

/** The community with this slug. */
export async function findCommunity(db: Db, slug: string | undefined | boolean) {
  if (typeof slug !== "string" || slug === "") throw invalid("name a community with --community SLUG");
  const [community] = await db.select().from(communities).where(eq(communities.slug, slug));
  if (!community) throw notFound(`community "${slug}"`);
  return community;
}

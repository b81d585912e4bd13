import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eq } from "drizzle-orm";
import { createSession } from "../../lib/auth/sessions.ts";
import { envelope } from "../../lib/bus/envelope.ts";
import type { BusMessage, EventBus } from "../../lib/bus/event-bus.ts";
import { createMemoryBus } from "../../lib/bus/memory-bus.ts";
import { type Config, loadConfig } from "../../lib/config.ts";
import { type Database, openDatabase } from "../../lib/db/client.ts";
import { communities, communityMembers, users } from "../../lib/db/schema.ts";
import { isBackground } from "../../lib/log.ts";
import type { Outbound } from "../../lib/outbound/fetch.ts";
import { createDiskStore } from "../../lib/storage/disk-store.ts";
import type { ObjectStore } from "../../lib/storage/object-store.ts";
import { type ApiApp, createApiApp } from "../../services/api/main.ts";
import { TEST_INTERNAL_SECRET, trustedHop } from "./internal.ts";
import { createTestDatabase } from "./postgres.ts";

export type DbKind = "pglite" | "postgres";
export const DB_KINDS: DbKind[] = ["pglite", "postgres"];

export interface Person {
  id: string;
  username: string;
  token: string;
}

export interface TestApi {
  kind: DbKind;
  /** The configuration the API was started with (a second instance may share it). */
  config: Config;
  database: Database;
  /** The API service itself, e.g. to listen on a real port; `idle()` waits for its link previews. */
  app: ApiApp;
  /** The bus the API publishes on (the in-process one unless another was given). */
  bus: EventBus;
  /** The API's object store (a temp folder). */
  store: ObjectStore;
  /** Every event published, in order. */
  events: BusMessage[];
  /**
   * Resolves once every event published before the call has reached the subscribers: a marker
   * published after them arrives (both buses deliver in publish order).
   */
  delivered(): Promise<void>;
  /** Every SQL statement run, in order (reset it to count a request's queries). */
  queries: string[];
  /** A person with a session token. */
  person(username: string): Promise<Person>;
  /** Makes `who` a member of the community (invites are the gateway's; tests take a shortcut). */
  join(who: Person, slug: string, role?: "owner" | "admin" | "member"): Promise<void>;
  /**
   * Calls the API in-process as `who` (or anonymously), as a trusted hop that carries a token (the
   * API then checks it itself). JSON bodies are encoded.
   */
  call(
    who: Person | string | null,
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<Response>;
  /** Like `call`, answering the parsed JSON body; a 4xx or 5xx throws with the status and body. */
  json<T = Record<string, unknown>>(
    who: Person | string | null,
    method: string,
    path: string,
    body?: unknown,
  ): Promise<T>;
  close(): Promise<void>;
}

/**
 * The real API service over a real database (in-memory PGlite, or a fresh database on the
 * PostgreSQL server), the in-process bus (or `bus`, closed with the API) with a subscriber recording
 * every event, and a temp disk store. Requests go to the service's handler with no socket, as Hono's
 * tests do.
 */
export async function startTestApi(
  kind: DbKind,
  env: Record<string, string> = {},
  bus: EventBus = createMemoryBus({ replayBuffer: 10_000 }),
  /** The way out to other servers (a test's own web); the configured fetcher otherwise. */
  outbound?: Outbound,
): Promise<TestApi> {
  const pg = kind === "postgres" ? await createTestDatabase() : undefined;
  const config = loadConfig({
    AJET_LOG_LEVEL: "error",
    AJET_INTERNAL_SECRET: TEST_INTERNAL_SECRET,
    ...(pg ? { DATABASE_URL: pg.url } : {}),
    ...env,
  });
  const queries: string[] = [];
  const database = await openDatabase(pg ? config.database : { kind: "pglite", dir: "memory://" }, {
    migrate: true,
    // Background work (pollers, queues) runs whenever it likes; a count of a request's queries
    // must not depend on whether a poll fell inside it.
    onQuery: (sql) => {
      if (!isBackground()) queries.push(sql);
    },
  });
  const events: BusMessage[] = [];
  await bus.subscribe("chat.>", (m) => events.push(m));
  const dir = mkdtempSync(join(tmpdir(), "ajet-api-"));
  const store = createDiskStore(join(dir, "files"));
  const app = createApiApp({ config, db: database, bus, store, outbound });

  const api: TestApi = {
    kind,
    config,
    database,
    app,
    bus,
    store,
    events,
    queries,
    delivered: () => delivered(bus),
    async person(username) {
      const [user] = await database.db
        .insert(users)
        .values({ username, displayName: username[0]?.toUpperCase() + username.slice(1) })
        .returning();
      const id = (user as { id: string }).id;
      const { token } = await createSession(database.db, id);
      return { id, username, token };
    },
    async join(who, slug, role = "member") {
      const [community] = await database.db.select().from(communities).where(eq(communities.slug, slug));
      if (!community) throw new Error(`no community ${slug}`);
      await database.db.insert(communityMembers).values({ communityId: community.id, userId: who.id, role });
    },
    call(who, method, path, body, headers = {}) {
      const token = typeof who === "string" ? who : who?.token;
      const init: RequestInit = {
        method,
        headers: {
          ...trustedHop,
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(body !== undefined && !(body instanceof FormData)
            ? { "content-type": "application/json" }
            : {}),
          ...headers,
        },
        body:
          body === undefined
            ? undefined
            : body instanceof FormData || typeof body === "string"
              ? body
              : JSON.stringify(body),
      };
      return app.fetch(new Request(`http://api.test${path}`, init));
    },
    async json<T>(who: Person | string | null, method: string, path: string, body?: unknown) {
      const res = await api.call(who, method, path, body);
      if (res.status >= 400) throw new Error(`${method} ${path} → ${res.status} ${await res.text()}`);
      return (await res.json()) as T;
    },
    async close() {
      await app.stopWork();
      await bus.close();
      await database.close();
      await pg?.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return api;
}

/** Acme, made by `owner`, with its #general and a private #secret of which only `owner` is a member. */
export async function acmeWithSecret(t: TestApi, owner: Person) {
  const community = await t.json<{ id: string }>(owner, "POST", "/api/communities", {
    name: "Acme",
    slug: "acme",
  });
  const channels = await t.json<{ items: { id: string }[] }>(owner, "GET", "/api/communities/acme/channels");
  const secret = await t.json<{ id: string }>(owner, "POST", "/api/communities/acme/channels", {
    name: "secret",
    visibility: "private",
  });
  return { community: community.id, general: channels.items[0]?.id ?? "", secret: secret.id };
}

/**
 * Resolves once every event published on `bus` before the call has reached its subscribers: a
 * marker published after them arrives (both buses deliver in publish order).
 */
export async function delivered(bus: EventBus) {
  const subject = `test.delivered.${crypto.randomUUID()}`;
  const arrived = Promise.withResolvers<void>();
  const marker = () => arrived.resolve();
  await bus.subscribe(subject, marker);
  await bus.publish(subject, envelope("test.delivered", {}));
  await arrived.promise;
  await bus.unsubscribe(subject, marker);
}

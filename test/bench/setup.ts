import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SQL } from "bun";
import { drizzle } from "drizzle-orm/bun-sql";
import { createSession } from "../../lib/auth/sessions.ts";
import type { EventBus } from "../../lib/bus/event-bus.ts";
import { createMemoryBus } from "../../lib/bus/memory-bus.ts";
import { loadConfig } from "../../lib/config.ts";
import { type Database, type Db, openDatabase } from "../../lib/db/client.ts";
import * as schema from "../../lib/db/schema.ts";
import type { App } from "../../lib/http/app.ts";
import { listen } from "../../lib/http/listen.ts";
import { configureLog } from "../../lib/log.ts";
import { createDiskStore } from "../../lib/storage/disk-store.ts";
import { createApiApp } from "../../services/api/main.ts";
import { createGatewayApp } from "../../services/auth-gw/main.ts";
import { TEST_INTERNAL_SECRET, trustedHop } from "../support/internal.ts";
import { createTestDatabase } from "../support/postgres.ts";
import type { Operation } from "./measure.ts";

/**
 * Service settings that keep the product's protective limits out of a benchmark's way: the
 * per-credential rate limit (a burst no benchmark reaches) and the live streams per person and
 * per process (benchmark readers hold hundreds of streams each).
 */
export const LIMITS_OUT_OF_REACH = {
  AJET_RATE_BURST: "1000000000",
  AJET_MAX_STREAMS_PER_USER: "1000000",
  AJET_MAX_STREAMS: "1000000",
};

/** openDatabase's default pool size: the API under test and the raw baselines both get this many connections. */
export const POOL = 10;

export interface Statement {
  query: string;
  params: unknown[];
}

export interface Person {
  id: string;
  username: string;
  token: string;
}

export interface BenchApi {
  /** Where the API listens, on a real port. */
  url: string;
  app: App;
  bus: EventBus;
  /** The API's own database, opened as the service opens it. */
  database: Database;
  dbUrl: string;
  /** A raw Bun SQL pool on the same database with the API's driver settings. */
  raw: SQL;
  person(username: string): Promise<Person>;
  /**
   * Sends one request to a twin of the API (same code, same database) whose driver records every
   * statement with its parameters, so a benchmark can run exactly the route's SQL raw.
   */
  capture(
    who: Person,
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ response: Response; statements: Statement[] }>;
  close(): Promise<void>;
}

function benchPool(url: string, max = POOL) {
  // The same options as lib/db/client.ts gives the API's pool.
  return new SQL({ url, max, connectionTimeout: 5, idleTimeout: 30, prepare: true });
}

/** The API service over a fresh PostgreSQL database, listening on a free port, with the in-process bus. */
export async function startBenchApi(): Promise<BenchApi> {
  configureLog({ level: "error" });
  const pg = await createTestDatabase();
  const config = loadConfig({
    AJET_LOG_LEVEL: "error",
    DATABASE_URL: pg.url,
    AJET_INTERNAL_SECRET: TEST_INTERNAL_SECRET,
  });
  const database = await openDatabase(config.database, { migrate: true, maxConnections: POOL });
  const bus = createMemoryBus({ replayBuffer: 10_000 });
  const dir = mkdtempSync(join(tmpdir(), "ajet-bench-"));
  const store = createDiskStore(join(dir, "files"));
  const app = createApiApp({ config, db: database, bus, store });
  const listening = listen(app, { host: "127.0.0.1", port: 0, maxRequestBodySize: 2 * 1024 * 1024 });
  const raw = benchPool(pg.url);

  const recorded: Statement[] = [];
  const recordingClient = benchPool(pg.url, 2);
  const recordingDb = drizzle({
    client: recordingClient,
    schema,
    logger: { logQuery: (query, params) => recorded.push({ query, params }) },
  }) as unknown as Db;
  const twin = createApiApp({
    config,
    db: { ...database, db: recordingDb },
    bus: createMemoryBus({ replayBuffer: 10 }),
    store,
  });

  return {
    url: listening.url,
    app,
    bus,
    database,
    dbUrl: pg.url,
    raw,
    async person(username) {
      const [user] = await database.db
        .insert(schema.users)
        .values({ username, displayName: username[0]?.toUpperCase() + username.slice(1) })
        .returning({ id: schema.users.id });
      const id = (user as { id: string }).id;
      const { token } = await createSession(database.db, id);
      return { id, username, token };
    },
    async capture(who, method, path, body) {
      recorded.length = 0;
      const response = await twin.fetch(
        new Request(`http://api.bench${path}`, {
          method,
          headers: {
            ...trustedHop,
            authorization: `Bearer ${who.token}`,
            "content-type": "application/json",
          },
          body: body === undefined ? undefined : JSON.stringify(body),
        }),
      );
      return { response, statements: [...recorded] };
    },
    async close() {
      await listening.stop(1000);
      await bus.close();
      await recordingClient.close();
      await raw.close();
      await database.close();
      await pg.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Calls the listening API as `who` and returns the JSON answer; anything but 2xx stops the benchmark. */
export async function callJson<T>(api: BenchApi, who: Person, method: string, path: string, body?: unknown) {
  const res = await fetch(api.url + path, {
    method,
    headers: { ...trustedHop, authorization: `Bearer ${who.token}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/**
 * One GET over real HTTP from this process (to the API, or to whatever `url` names), the answer
 * read in full; anything but 2xx counts as an error. For one request at a time: client and server
 * then never compete for the event loop.
 */
export const httpGet =
  (api: Pick<BenchApi, "url">, who: Person, path: string): Operation =>
  async () => {
    const res = await fetch(api.url + path, {
      headers: { ...trustedHop, authorization: `Bearer ${who.token}` },
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${res.status} ${text.slice(0, 300)}`);
  };

/**
 * The real gateway in this process in front of the benchmark's API, for clients that speak to a
 * gateway (the terminal). Pages and streams have nowhere to go: it is for `/api/*`.
 */
export function startBenchGateway(api: BenchApi) {
  const config = loadConfig({
    AJET_LOG_LEVEL: "error",
    DATABASE_URL: api.dbUrl,
    AJET_INTERNAL_SECRET: TEST_INTERNAL_SECRET,
    AJET_RATE_BURST: "1000000000",
  });
  const upstream = { name: "api", app: api.app, secret: TEST_INTERNAL_SECRET };
  const app = createGatewayApp({
    config,
    db: api.database,
    bus: api.bus,
    upstreams: { api: upstream, web: upstream, tui: upstream },
  });
  const listening = listen(app, { host: "127.0.0.1", port: 0, maxRequestBodySize: 2 * 1024 * 1024 });
  return { url: listening.url, stop: () => listening.stop(1000) };
}

/** A community owned by `owner` with `members` in it and in its #general; returns #general's id. */
export async function createCommunity(api: BenchApi, owner: Person, slug: string, members: { id: string }[]) {
  await callJson(api, owner, "POST", "/api/communities", { name: slug, slug });
  const [community] = await api.raw`select id from communities where slug = ${slug}`;
  if (members.length) {
    await api.raw`insert into community_members ${api.raw(
      members.map((m) => ({ community_id: community.id, user_id: m.id, role: "member" })),
    )}`;
  }
  const channels = await callJson<{ items: { id: string; name: string }[] }>(
    api,
    owner,
    "GET",
    `/api/communities/${slug}/channels`,
  );
  const general = channels.items.find((c) => c.name === "general");
  if (!general) throw new Error("a new community has no #general");
  // As an invite leaves a new member: in #general, whose messages then reach their streams.
  if (members.length) {
    await api.raw`insert into channel_members ${api.raw(
      members.map((m) => ({ channel_id: general.id, user_id: m.id })),
    )} on conflict do nothing`;
  }
  return { communityId: community.id as string, general: general.id };
}

/**
 * `count` more public channels in the community (`ch1…`), each joined by every member whose
 * username starts with `membersLike`: readers of a wide community, whose streams each know every
 * channel they joined (and, in the web SM, its unread counts).
 */
export async function addJoinedChannels(
  api: BenchApi,
  communityId: string,
  count: number,
  membersLike: string,
) {
  await api.raw`insert into channels (id, community_id, name, visibility)
    select gen_random_uuid(), ${communityId}, 'ch' || g, 'public' from generate_series(1, ${count}) g`;
  await api.raw`insert into channel_members (channel_id, user_id)
    select c.id, u.id from channels c, users u
    where c.community_id = ${communityId} and c.name like 'ch%' and u.username like ${`${membersLike}%`}
    on conflict do nothing`;
}

/** `count` users named `<prefix>1…`, inserted at once; returns their ids. Only people who call the API need sessions. */
export async function bulkUsers(raw: SQL, prefix: string, count: number): Promise<string[]> {
  const values = Array.from({ length: count }, (_, i) => ({
    id: Bun.randomUUIDv7(),
    username: `${prefix}${i + 1}`,
    display_name: `${prefix} ${i + 1}`,
  }));
  await raw`insert into users ${raw(values)}`;
  return values.map((v) => v.id);
}

/**
 * SQL for a UUIDv7 whose timestamp is `ms` (a bigint expression) with random low bits, the layout
 * Bun.randomUUIDv7() makes: rows seeded in SQL sort by time exactly like rows the app writes.
 */
export const uuidv7Sql = (ms: string) =>
  `(lpad(to_hex(${ms}), 12, '0') || '7' || substr(md5(random()::text), 1, 3) || '8' || substr(md5(random()::text), 1, 15))::uuid`;

/** A SQL array literal of ids or words (our own values, never user input). */
export const sqlArray = (values: string[], type: "uuid" | "text") =>
  `array[${values.map((v) => `'${v.replaceAll("'", "''")}'`).join(",")}]::${type}[]`;

/**
 * Runs bulk INSERT statements into `messages` the way a restore would: secondary indexes dropped
 * and rebuilt afterwards, foreign-key triggers off (the rows are consistent by construction), two
 * connections at once; `after` runs next, on one connection (rows that refer to those messages).
 * Then VACUUM ANALYZE and a checkpoint, so measurements start from a table in its steady state and
 * no checkpoint flush lands in the middle of them.
 */
export async function bulkLoad(dbUrl: string, statements: string[], after: string[] = []) {
  const conns = [0, 1].map(() => new SQL({ url: dbUrl, max: 1 }));
  const [first] = conns as [SQL, SQL];
  try {
    for (const c of conns)
      await c.unsafe("set session_replication_role = replica; set synchronous_commit = off");
    const indexes = await first<{ indexname: string; indexdef: string }[]>`
      select indexname, indexdef from pg_indexes
      where tablename = 'messages' and indexname <> 'messages_pkey'`;
    for (const i of indexes) await first.unsafe(`drop index "${i.indexname}"`);
    const queue = [...statements];
    await Promise.all(
      conns.map(async (c) => {
        for (let s = queue.shift(); s !== undefined; s = queue.shift()) await c.unsafe(s);
      }),
    );
    for (const s of after) await first.unsafe(s);
    const rebuild = indexes.map((i) => i.indexdef);
    await Promise.all(
      conns.map(async (c) => {
        await c.unsafe("set maintenance_work_mem = '256MB'");
        for (let s = rebuild.shift(); s !== undefined; s = rebuild.shift()) await c.unsafe(s);
      }),
    );
    await first.unsafe("vacuum (analyze) messages");
    await first.unsafe("analyze");
    await first.unsafe("checkpoint");
  } finally {
    for (const c of conns) await c.close();
  }
}

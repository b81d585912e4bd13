import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { getTableName, is, sql } from "drizzle-orm";
import { PgTable } from "drizzle-orm/pg-core";
import { type Database, type Db, openDatabase } from "../../lib/db/client.ts";
import { migrate, readMigrations, resultRows } from "../../lib/db/migrate.ts";
import * as schema from "../../lib/db/schema.ts";
import { createTestDatabase } from "../support/postgres.ts";

const { channels, communities, communityMembers, messages, notifications, users, mentions } = schema;
const tags = readMigrations().map((m) => m.tag);

interface Subject {
  database: Database;
  stop(): Promise<void>;
}

// One database per driver for the whole file: PGlite takes seconds to start.
const drivers: Record<string, () => Promise<Subject>> = {
  async PGlite() {
    const database = await openDatabase({ kind: "pglite", dir: "memory://" }, { migrate: true });
    return { database, stop: () => database.close() };
  },
  async PostgreSQL() {
    const pg = await createTestDatabase();
    try {
      const database = await openDatabase({ kind: "postgres", url: pg.url }, { migrate: true });
      return {
        database,
        async stop() {
          await database.close();
          await pg.drop();
        },
      };
    } catch (err) {
      await pg.drop();
      throw err;
    }
  },
};

async function rows<T>(db: Db, query: ReturnType<typeof sql>) {
  return resultRows<T>(await db.execute(query));
}

/** The database's reason for refusing a write; drizzle wraps it as the `cause` of "Failed query: …". */
async function refusal(write: Promise<unknown>): Promise<string> {
  try {
    await write;
  } catch (err) {
    let root = err;
    while (root instanceof Error && root.cause !== undefined) root = root.cause;
    return root instanceof Error ? root.message : String(root);
  }
  throw new Error("expected the database to refuse the write, but it was accepted");
}

for (const [driver, start] of Object.entries(drivers)) {
  describe(`the migrations on ${driver}`, () => {
    let subject: Subject;
    let db: Db;
    const alice = Bun.randomUUIDv7();
    const bob = Bun.randomUUIDv7();
    const acme = Bun.randomUUIDv7();
    const general = Bun.randomUUIDv7();

    beforeAll(async () => {
      subject = await start();
      db = subject.database.db;
      await db.insert(users).values([
        { id: alice, username: "alice", displayName: "Alice" },
        { id: bob, username: "bob", displayName: "Bob" },
      ]);
      await db.insert(communities).values({ id: acme, name: "Acme", slug: "acme" });
      await db.insert(channels).values({ id: general, communityId: acme, name: "general" });
    });

    afterAll(async () => {
      await subject?.stop();
    });

    test("running them a second time applies nothing", async () => {
      expect(await migrate(db)).toEqual([]);
      const recorded = await rows<{ tag: string }>(db, sql`select tag from ajet_migrations order by tag`);
      expect(recorded.map((r) => r.tag)).toEqual(tags);
    });

    test("create every table of the schema", async () => {
      const expected = Object.values(schema)
        .filter((value) => is(value, PgTable))
        .map((table) => getTableName(table));
      const found = await rows<{ table_name: string }>(
        db,
        sql`select table_name from information_schema.tables where table_schema = 'public'`,
      );
      expect(expected.length).toBeGreaterThan(10);
      expect(found.map((r) => r.table_name)).toEqual(expect.arrayContaining(expected));
    });

    test.each([
      {
        what: "a channel type",
        constraint: "channels_type_check",
        write: () => db.insert(channels).values({ communityId: acme, name: "fruit", type: "banana" }),
      },
      {
        what: "a channel visibility",
        constraint: "channels_visibility_check",
        write: () => db.insert(channels).values({ communityId: acme, name: "attic", visibility: "secret" }),
      },
      {
        what: "a member role",
        constraint: "community_members_role_check",
        write: () => db.insert(communityMembers).values({ communityId: acme, userId: alice, role: "king" }),
      },
      {
        what: "a notification type",
        constraint: "notifications_type_check",
        write: () => db.insert(notifications).values({ userId: alice, type: "x", sourceId: general }),
      },
      {
        what: "a user kind",
        constraint: "users_kind_check",
        write: () => db.insert(users).values({ username: "robot", displayName: "Robot", kind: "android" }),
      },
      {
        what: "a mention target",
        constraint: "mentions_target_type_check",
        write: async () => {
          const [message] = await db
            .insert(messages)
            .values({ channelId: general, userId: alice, bodyMd: "hey @everyone" })
            .returning({ id: messages.id });
          return db.insert(mentions).values({ messageId: message?.id ?? "", targetType: "everyone" });
        },
      },
    ])("an unknown value for $what is refused", async ({ constraint, write }) => {
      expect(await refusal(write())).toContain(`"${constraint}"`);
    });

    test("a DM channel belongs to no community and every other channel to one", async () => {
      await db.insert(channels).values({ name: "alice-bob", type: "dm" });
      await db.insert(channels).values({ name: "alice-bob-carol", type: "group_dm" });

      expect(
        await refusal(db.insert(channels).values({ communityId: acme, name: "dm-in-acme", type: "dm" })),
      ).toContain('"channels_dm_scope_check"');
      expect(await refusal(db.insert(channels).values({ name: "homeless", type: "text" }))).toContain(
        '"channels_dm_scope_check"',
      );
      expect(await refusal(db.insert(channels).values({ name: "homeless-voice", type: "voice" }))).toContain(
        '"channels_dm_scope_check"',
      );
    });

    test("a client_msg_id is unique per author, not across authors", async () => {
      const post = (userId: string) =>
        db.insert(messages).values({ channelId: general, userId, bodyMd: "hello", clientMsgId: "k-1" });
      await post(alice);
      expect(await refusal(post(alice))).toContain('"messages_author_client_msg_id"');
      await post(bob);
    });

    test("full-text search finds a message by the stem of its words", async () => {
      const channelId = Bun.randomUUIDv7();
      await db.insert(channels).values({ id: channelId, communityId: acme, name: `search-${channelId}` });
      await db.insert(messages).values([
        { channelId, userId: bob, bodyMd: "Bob runs the release checklist every Friday" },
        { channelId, userId: alice, bodyMd: "Alice walked to the office" },
      ]);

      const found = await db
        .select({ body: messages.bodyMd })
        .from(messages)
        .where(
          sql`${messages.channelId} = ${channelId} and search @@ websearch_to_tsquery('english', 'running')`,
        );
      expect(found).toEqual([{ body: "Bob runs the release checklist every Friday" }]);
    });

    test("jsonb columns hold the objects and arrays written, not JSON strings spelling them", async () => {
      const id = Bun.randomUUIDv7();
      await db.insert(messages).values({
        id,
        channelId: general,
        userId: alice,
        bodyMd: "with embeds",
        embeds: { attachments: [{ color: "#36a64f", fields: [{ title: "a", value: "b" }] }] },
      });
      const [row] = await rows<{ kind: string; color: string }>(
        db,
        sql`select jsonb_typeof(embeds) as kind, embeds #>> '{attachments,0,color}' as color from messages where id = ${id}`,
      );
      expect(row).toEqual({ kind: "object", color: "#36a64f" });
    });

    test("the repair migration unwraps a value an older release stored as a JSON string", async () => {
      const id = Bun.randomUUIDv7();
      await db.insert(messages).values({ id, channelId: general, userId: alice, bodyMd: "old row" });
      await db.execute(
        sql`update messages set embeds = to_jsonb(${'{"text":"old"}'}::text) where id = ${id}`,
      );
      const repair = readMigrations().find((m) => m.tag === "0017_jsonb_values_not_strings");
      for (const statement of repair?.statements ?? []) await db.execute(sql.raw(statement));
      const [row] = await rows<{ kind: string; text: string }>(
        db,
        sql`select jsonb_typeof(embeds) as kind, embeds ->> 'text' as text from messages where id = ${id}`,
      );
      expect(row).toEqual({ kind: "object", text: "old" });
    });

    test("a message body over 40000 characters is refused", async () => {
      await db.insert(messages).values({ channelId: general, userId: alice, bodyMd: "a".repeat(40_000) });
      expect(
        await refusal(
          db.insert(messages).values({ channelId: general, userId: alice, bodyMd: "a".repeat(40_001) }),
        ),
      ).toContain('"messages_body_length_check"');
    });
  });
}

describe("migrating a fresh PostgreSQL database from two processes at once", () => {
  test("both succeed and each migration is applied and recorded once", async () => {
    const pg = await createTestDatabase();
    const opened = await Promise.all([
      openDatabase({ kind: "postgres", url: pg.url }),
      openDatabase({ kind: "postgres", url: pg.url }),
    ]);
    try {
      const applied = await Promise.all(opened.map(({ db }) => migrate(db)));
      expect(applied.flat().sort()).toEqual(tags);
      expect(applied).toContainEqual([]);

      const recorded = await rows<{ tag: string; times: number }>(
        opened[0].db,
        sql`select tag, count(*)::int as times from ajet_migrations group by tag order by tag`,
      );
      expect(recorded).toEqual(tags.map((tag) => ({ tag, times: 1 })));
    } finally {
      await Promise.all(opened.map((database) => database.close()));
      await pg.drop();
    }
  });
});

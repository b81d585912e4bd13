import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eq } from "drizzle-orm";
import { communities, messages, reactions, users } from "../../lib/db/schema.ts";
import { slackId } from "../../lib/slack-export/ids.ts";
import { PAGE_SIZE } from "../../lib/slack-export/messages.ts";
import { doStartPersonalExport } from "../../lib/slack-export/personal.ts";
import { streamSlackExport } from "../../lib/slack-export/write-export.ts";
import { createDiskStore } from "../../lib/storage/disk-store.ts";
import type { ObjectStore } from "../../lib/storage/object-store.ts";
import { acmeWithSecret, DB_KINDS, type Person, startTestApi, type TestApi } from "../support/api.ts";
import { waitFor } from "../support/ports.ts";
import { entryJson, unzipAll } from "../support/unzip.ts";

interface SlackMessage {
  text: string;
  ts: string;
  user?: string;
  thread_ts?: string;
  reply_count?: number;
  reactions?: { name: string; count: number }[];
}

// 09:00 UTC on 2021-03-01: a minute apart, the history below runs past midnight into the next days.
const START = Date.UTC(2021, 2, 1, 9, 0, 0);
const COUNT = PAGE_SIZE * 3 + 17;

// A history longer than several pages, read back from the zip: nothing lost or doubled at a page's
// edge, days split at UTC midnight, a thread whose replies are pages after its first message, and
// messages written in the same microsecond kept apart.
describe.each(DB_KINDS)("a long history exported on %s", (kind) => {
  let t: TestApi;
  let alice: Person;
  let bob: Person;
  let entries: Map<string, Buffer>;
  let queries: number;
  let store: ObjectStore;

  beforeAll(async () => {
    t = await startTestApi(kind);
    alice = await t.person("alice");
    bob = await t.person("bob");
    const { general } = await acmeWithSecret(t, alice);
    await t.join(bob, "acme");
    const at = (minute: number) => new Date(START + minute * 60_000);
    // Ids follow time, as the app's UUIDv7 ids do.
    const row = (minute: number, body: string, extra: Partial<typeof messages.$inferInsert> = {}) => ({
      id: Bun.randomUUIDv7("hex", at(minute)),
      channelId: general,
      userId: minute % 2 ? bob.id : alice.id,
      bodyMd: body,
      createdAt: at(minute),
      ...extra,
    });
    const rows = Array.from({ length: COUNT }, (_, i) => row(i, `message ${i}`));
    const rootId = rows[3]?.id as string;
    for (let i = 0; i < rows.length; i += 500)
      await t.database.db.insert(messages).values(rows.slice(i, i + 500));
    // Two replies far after their first message, and three messages in one microsecond.
    await t.database.db.insert(messages).values([
      row(COUNT + 1, "late reply one", { parentId: rootId, userId: bob.id }),
      row(COUNT + 2, "late reply two", { parentId: rootId, userId: alice.id }),
      // Written with no mention rows, as imported history is.
      row(COUNT + 4, "thanks **@bob**, and @nobody", { userId: alice.id }),
    ]);
    const same = new Date(START + (COUNT + 3) * 60_000);
    const sameIds = [0, 1, 2].map(() => Bun.randomUUIDv7("hex", same)).sort();
    await t.database.db.insert(messages).values(
      [0, 1, 2].map((n) => ({
        id: sameIds[n] as string,
        channelId: general,
        userId: alice.id,
        bodyMd: `same instant ${n}`,
        createdAt: same,
      })),
    );
    await t.database.db.insert(reactions).values({ messageId: rootId, userId: bob.id, emoji: "🎉" });
    const [community] = await t.database.db.select().from(communities).where(eq(communities.slug, "acme"));
    t.queries.length = 0;
    // No files in this history: the store is only asked for none.
    store = createDiskStore(mkdtempSync(join(tmpdir(), "ajet-export-paging-")));
    const { output, done } = streamSlackExport(
      { db: t.database.db, store },
      { kind: "community", community: community as typeof communities.$inferSelect },
    );
    const chunks: Buffer[] = [];
    for await (const chunk of output) chunks.push(chunk as Buffer);
    const counts = await done;
    queries = t.queries.length;
    expect(counts.messages).toBe(COUNT + 6);
    entries = await unzipAll(Buffer.concat(chunks));
  });
  afterAll(async () => {
    await t.close();
  });

  const general = () =>
    [...entries.keys()]
      .filter((n) => n.startsWith("general/"))
      .sort()
      .flatMap((n) => entryJson<SlackMessage[]>(entries, n));

  test("every message is there once, in order, with a unique ts", () => {
    const all = general();
    expect(all).toHaveLength(COUNT + 6);
    const bodies = all.map((m) => m.text).filter((b) => b.startsWith("message "));
    expect(bodies).toEqual(Array.from({ length: COUNT }, (_, i) => `message ${i}`));
    const ts = all.map((m) => m.ts);
    expect(new Set(ts).size).toBe(ts.length);
    for (let i = 1; i < ts.length; i++) expect(Number(ts[i])).toBeGreaterThan(Number(ts[i - 1]));
  });

  test("each day file holds that UTC day's messages, and a ts is its message's time", () => {
    const days = [...entries.keys()].filter((n) => n.startsWith("general/")).sort();
    expect(days[0]).toBe("general/2021-03-01.json");
    expect(days.length).toBeGreaterThan(1);
    for (const name of days) {
      const day = name.slice("general/".length, -".json".length);
      for (const m of entryJson<SlackMessage[]>(entries, name))
        expect(new Date(Number(m.ts) * 1000).toISOString().slice(0, 10)).toBe(day);
    }
    const first = general()[0] as SlackMessage;
    expect(first.ts).toBe(`${START / 1000}.000000`);
  });

  test("messages of one microsecond get consecutive ts, in id order", () => {
    const same = general().filter((m) => m.text.startsWith("same instant"));
    expect(same.map((m) => m.text)).toEqual(["same instant 0", "same instant 1", "same instant 2"]);
    const micros = same.map((m) => Math.round(Number(m.ts.split(".")[1])));
    expect(micros).toEqual([0, 1, 2]);
  });

  test("replies pages after their first message name its ts; it counts them and keeps its reaction", () => {
    const all = general();
    const root = all.find((m) => m.text === "message 3") as SlackMessage;
    const replies = all.filter((m) => m.text.startsWith("late reply"));
    expect(replies.map((r) => r.thread_ts)).toEqual([root.ts, root.ts]);
    expect(root.reply_count).toBe(2);
    expect(root.reactions).toEqual([{ name: "tada", users: expect.any(Array), count: 1 } as never]);
  });

  test("an @name of a member leaves as <@U…> even without a mention row; a name of nobody stays text", () => {
    const m = general().find((x) => x.text.startsWith("thanks")) as SlackMessage;
    expect(m.text).toBe(`thanks *<@${slackId("user", bob.id)}>*, and @nobody`);
  });

  test("a person's second export while the first is being made is refused; once it is done, the next one runs", async () => {
    const [row] = await t.database.db.select().from(users).where(eq(users.id, alice.id));
    const me = row as typeof users.$inferSelect;
    const first = doStartPersonalExport({ db: t.database.db, store }, me);
    expect(() => doStartPersonalExport({ db: t.database.db, store }, me)).toThrow(
      expect.objectContaining({ kind: "rate_limited" }),
    );
    const mine = await unzipAll(new Uint8Array(await new Response(first).arrayBuffer()));
    expect(entryJson<{ username: string }>(mine, "profile.json").username).toBe("alice");
    await waitFor(async () => {
      const again = doStartPersonalExport({ db: t.database.db, store }, me);
      await again.cancel();
    });
  });

  test("a download cancelled after its first bytes leaves the person free to export again", async () => {
    const [row] = await t.database.db.select().from(users).where(eq(users.id, bob.id));
    const me = row as typeof users.$inferSelect;
    const reader = doStartPersonalExport({ db: t.database.db, store }, me).getReader();
    expect((await reader.read()).done).toBe(false);
    await reader.cancel();
    const next = await waitFor(() => doStartPersonalExport({ db: t.database.db, store }, me));
    const theirs = await unzipAll(new Uint8Array(await new Response(next).arrayBuffer()));
    expect(entryJson<{ username: string }>(theirs, "profile.json").username).toBe("bob");
  });

  test("the queries grow with pages, not with messages", () => {
    // Five queries a page (messages, reactions, files, mentions, replies) and a few per conversation.
    expect(queries).toBeLessThan(Math.ceil((COUNT + 6) / PAGE_SIZE + 1) * 5 + 40);
  });
});

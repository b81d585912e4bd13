import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { eq, sql } from "drizzle-orm";
import { createSession } from "../../lib/auth/sessions.ts";
import { sessions, users } from "../../lib/db/schema.ts";
import { acmeWithSecret, DB_KINDS, type Person, startTestApi, type TestApi } from "../support/api.ts";
import { commandOk } from "../support/commands.ts";

interface ListPage<T> {
  items: T[];
  has_more: boolean;
  next_cursor: string | null;
}
interface Channel {
  name: string;
  is_member: boolean;
}
interface Member {
  user: { username: string; display_name: string };
}

describe.each(DB_KINDS)("lists page with cursors and search as you type (%s)", (kind) => {
  let t: TestApi;
  let alice: Person;
  let bob: Person;
  let general: string;
  const people = new Map<string, Person>();
  beforeAll(async () => {
    t = await startTestApi(kind);
    alice = await t.person("alice");
    bob = await t.person("bob");
    ({ general } = await acmeWithSecret(t, alice));
    await t.join(bob, "acme");
    for (let i = 0; i < 23; i++) {
      await t.json(alice, "POST", "/api/communities/acme/channels", {
        name: `release-${String(i).padStart(2, "0")}`,
      });
    }
    await t.json(alice, "POST", "/api/communities/acme/channels", {
      name: "rel_private",
      visibility: "private",
    });
    await t.json(bob, "POST", "/api/communities/acme/channels", { name: "bobs-corner" });
    for (const [username, displayName] of [
      ["zed", "Alice Cooper"],
      ["yan", "Yannick"],
      ["al_x", "Underscore"],
    ] as const) {
      const p = await t.person(username);
      await t.database.db.update(users).set({ displayName }).where(eq(users.id, p.id));
      await t.join(p, "acme");
      people.set(username, p);
    }
  });
  afterAll(() => t?.close());

  async function everyPage<T>(who: Person, path: string, limit: number) {
    const pages: ListPage<T>[] = [];
    let after: string | null = null;
    do {
      const sep = path.includes("?") ? "&" : "?";
      const page: ListPage<T> = await t.json<ListPage<T>>(
        who,
        "GET",
        `${path}${sep}limit=${limit}${after ? `&after=${after}` : ""}`,
      );
      pages.push(page);
      after = page.next_cursor;
    } while (after);
    return pages;
  }

  test("channel pages follow one another without gaps or repeats, and only readable channels appear", async () => {
    const whole = await t.json<ListPage<Channel>>(bob, "GET", "/api/communities/acme/channels?limit=1000");
    expect(whole.has_more).toBe(false);
    const pages = await everyPage<Channel>(bob, "/api/communities/acme/channels", 10);
    expect(pages.map((p) => p.items.length)).toEqual([10, 10, 5]);
    expect(pages.map((p) => p.has_more)).toEqual([true, true, false]);
    expect(pages.flatMap((p) => p.items.map((c) => c.name))).toEqual(whole.items.map((c) => c.name));
    expect(whole.items.map((c) => c.name)).not.toContain("rel_private");
    expect(whole.items.map((c) => c.name)).not.toContain("secret");
  });

  test("q finds channels by the start of their name, case-insensitively, with % and _ taken literally", async () => {
    const found = await t.json<ListPage<Channel>>(
      alice,
      "GET",
      "/api/communities/acme/channels?q=RELEASE-1&limit=5",
    );
    expect(found.items.map((c) => c.name)).toEqual([
      "release-10",
      "release-11",
      "release-12",
      "release-13",
      "release-14",
    ]);
    expect(found.has_more).toBe(true);
    const literal = await t.json<ListPage<Channel>>(alice, "GET", "/api/communities/acme/channels?q=rel_");
    expect(literal.items.map((c) => c.name)).toEqual(["rel_private"]);
    const wild = await t.json<ListPage<Channel>>(alice, "GET", "/api/communities/acme/channels?q=%25");
    expect(wild.items).toEqual([]);
  });

  test("joined=true keeps the channels one is in", async () => {
    const mine = await t.json<ListPage<Channel>>(bob, "GET", "/api/communities/acme/channels?joined=true");
    // bob made #bobs-corner; he was added to the community directly and joined nothing else.
    expect(mine.items.map((c) => c.name)).toEqual(["bobs-corner"]);
    expect(mine.items.every((c) => c.is_member)).toBe(true);
  });

  test("members page by username and q matches the start of a username or a display name", async () => {
    const pages = await everyPage<Member>(alice, "/api/communities/acme/members", 2);
    expect(pages.flatMap((p) => p.items.map((m) => m.user.username))).toEqual([
      "al_x",
      "alice",
      "bob",
      "yan",
      "zed",
    ]);
    const al = await t.json<ListPage<Member>>(alice, "GET", "/api/communities/acme/members?q=al");
    expect(al.items.map((m) => m.user.username)).toEqual(["al_x", "alice", "zed"]);
    const y = await t.json<ListPage<Member>>(alice, "GET", "/api/communities/acme/members?q=y");
    expect(y.items.map((m) => m.user.username)).toEqual(["yan"]);
    // Nobody matching is an empty page for a member, and the community's 404 for anyone else.
    const none = await t.call(alice, "GET", "/api/communities/acme/members?q=nobody-here");
    expect(await none.json()).toEqual({ items: [], has_more: false, next_cursor: null });
    const outsider = await t.person("outsider");
    for (const path of ["members", "members?q=nobody-here", "channels", "channels?q=nobody-here"]) {
      const res = await t.call(outsider, "GET", `/api/communities/acme/${path}`);
      expect(res.status).toBe(404);
      expect(await res.text()).not.toContain("alice");
    }
  });

  test("invites page newest first by id, and bob (not an admin) sees none of them", async () => {
    const made: string[] = [];
    for (let i = 0; i < 5; i++) {
      made.push((await t.json<{ id: string }>(alice, "POST", "/api/communities/acme/invites", {})).id);
    }
    const first = await t.json<{ items: { id: string }[]; has_more: boolean }>(
      alice,
      "GET",
      "/api/communities/acme/invites?limit=3",
    );
    expect(first.has_more).toBe(true);
    const last = first.items.at(-1)?.id ?? "";
    const second = await t.json<{ items: { id: string }[]; has_more: boolean }>(
      alice,
      "GET",
      `/api/communities/acme/invites?limit=3&before=${last}`,
    );
    expect([...first.items, ...second.items].map((i) => i.id)).toEqual([...made].reverse());
    expect(second.has_more).toBe(false);
    expect((await t.call(bob, "GET", "/api/communities/acme/invites")).status).toBe(403);
  });

  test("DMs page most recently active first, without gaps or repeats, and nobody else's appear", async () => {
    const [zed, yan, alX] = ["zed", "yan", "al_x"].map((u) => people.get(u) as Person) as [
      Person,
      Person,
      Person,
    ];
    const open = async (...with_: Person[]) =>
      (await t.json<{ id: string }>(bob, "POST", "/api/dm", { user_ids: with_.map((p) => p.id) })).id;
    const order: string[] = [];
    for (const others of [[alice], [zed], [yan], [alX], [alice, zed]]) {
      const id = await open(...(others as Person[]));
      await t.json(bob, "POST", `/api/channels/${id}/messages`, { body_md: "hello" });
      order.unshift(id);
    }
    // alice's own DM with zed (not bob's) must not show in bob's list.
    const hers = (await t.json<{ id: string }>(alice, "POST", "/api/dm", { user_ids: [zed.id] })).id;

    const pages = await everyPage<{ id: string; members: unknown[] }>(bob, "/api/dm", 2);
    expect(pages.map((p) => p.items.length)).toEqual([2, 2, 1]);
    expect(pages.map((p) => p.has_more)).toEqual([true, true, false]);
    expect(pages.flatMap((p) => p.items.map((d) => d.id))).toEqual(order);
    expect(pages.flatMap((p) => p.items.map((d) => d.id))).not.toContain(hers);
    expect(pages[0]?.items[0]?.members).toHaveLength(3);
    const whole = await t.json<ListPage<{ id: string }>>(bob, "GET", "/api/dm");
    expect(whole).toMatchObject({ has_more: false, next_cursor: null });
    expect(whole.items.map((d) => d.id)).toEqual(order);
    expect((await t.call(bob, "GET", "/api/dm?after=bm90LWEtY3Vyc29y")).status).toBe(400);
  });

  test("sessions page most recently used first; times a microsecond apart are neither skipped nor repeated", async () => {
    const sam = await t.person("sam");
    const made = [];
    for (let i = 0; i < 4; i++) made.push((await createSession(t.database.db, sam.id)).session.id);
    // Two in the same millisecond, a microsecond apart; two others older.
    const at = ["2026-01-01 00:00:00.000200+00", "2026-01-01 00:00:00.000100+00", "2025-12-31 00:00:00+00"];
    for (const [i, id] of made.slice(0, 3).entries()) {
      await t.database.db
        .update(sessions)
        .set({ lastUsedAt: sql`${at[i]}::timestamptz` })
        .where(eq(sessions.id, id));
    }
    const pages = await everyPage<{ id: string; current: boolean }>(sam, "/api/sessions", 1);
    const ids = pages.flatMap((p) => p.items.map((x) => x.id));
    // sam's own session and the fourth (both used now) lead, then the older three.
    expect(ids).toHaveLength(5);
    expect(new Set(ids).size).toBe(5);
    expect(ids.slice(0, 3)).toContain(made[3] as string);
    // The two of one millisecond come in id order between them: the cursor holds milliseconds.
    expect(ids.slice(-3, -1).sort()).toEqual((made.slice(0, 2) as string[]).sort());
    expect(ids.at(-1)).toBe(made[2] as string);
    expect(pages.flatMap((p) => p.items).filter((x) => x.current)).toHaveLength(1);
    const bobs = await t.json<ListPage<{ id: string }>>(bob, "GET", "/api/sessions");
    expect(bobs.items.map((x) => x.id).some((id) => ids.includes(id))).toBe(false);
  });

  test("bot tokens page newest first for admins; a member gets 403", async () => {
    const made: string[] = [];
    for (const name of ["ci", "deploy", "pager"]) {
      const reply = await commandOk(t, alice, general, `/token create ${name}`);
      made.unshift(reply.effects[0]?.token_id as string);
    }
    const pages = await everyPage<{ id: string; bot: { username: string } }>(
      alice,
      "/api/communities/acme/tokens",
      2,
    );
    expect(pages.map((p) => p.has_more)).toEqual([true, false]);
    expect(pages.flatMap((p) => p.items.map((x) => x.id))).toEqual(made);
    expect(JSON.stringify(pages)).not.toContain("ajt_");
    expect((await t.call(bob, "GET", "/api/communities/acme/tokens")).status).toBe(403);
  });

  test("webhooks page newest first for admins, only those into channels they may read; a member gets 403", async () => {
    const before = await everyPage<{ id: string }>(alice, "/api/communities/acme/webhooks", 1000);
    const made: string[] = [];
    for (const name of ["Jenkins", "Grafana", "Sentry"]) {
      await commandOk(t, alice, general, `/webhook create #general ${name}`);
      const [newest] = (
        await t.json<ListPage<{ id: string }>>(alice, "GET", "/api/communities/acme/webhooks?limit=1")
      ).items;
      made.unshift(newest?.id as string);
    }
    const pages = await everyPage<{ id: string; name: string }>(alice, "/api/communities/acme/webhooks", 2);
    const ids = pages.flatMap((p) => p.items.map((x) => x.id));
    expect(ids.slice(0, 3)).toEqual(made);
    expect(ids).toHaveLength(3 + before.flatMap((p) => p.items).length);
    expect(new Set(ids).size).toBe(ids.length);
    expect(pages[0]?.has_more).toBe(true);
    expect(pages.at(-1)?.has_more).toBe(false);
    expect(JSON.stringify(pages)).not.toContain("/hook/");
    expect((await t.call(bob, "GET", "/api/communities/acme/webhooks")).status).toBe(403);
  });

  test("outgoing webhooks page newest first for admins; a member gets 403", async () => {
    const made: string[] = [];
    for (const name of ["deploy-bot", "triage-bot", "standup-bot"]) {
      const created = await t.json<{ webhook: { id: string } }>(
        alice,
        "POST",
        "/api/communities/acme/outgoing-webhooks",
        { name, url: "https://bots.example/hook", trigger_words: ["!go"] },
      );
      made.unshift(created.webhook.id);
    }
    const pages = await everyPage<{ id: string }>(alice, "/api/communities/acme/outgoing-webhooks", 2);
    expect(pages.map((p) => p.has_more)).toEqual([true, false]);
    expect(pages.flatMap((p) => p.items.map((x) => x.id))).toEqual(made);
    expect((await t.call(bob, "GET", "/api/communities/acme/outgoing-webhooks")).status).toBe(403);
  });

  test("communities page too; a made-up cursor is a 400", async () => {
    const mine = await t.json<ListPage<{ slug: string }>>(alice, "GET", "/api/communities?limit=1");
    expect(mine).toMatchObject({ items: [{ slug: "acme" }], has_more: false, next_cursor: null });
    const bad = await t.call(alice, "GET", "/api/communities/acme/channels?after=!!!");
    expect(bad.status).toBe(400);
  });
});

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { LiveContext } from "../../lib/live/context.ts";
import { DB_KINDS, type Person, startTestApi, type TestApi } from "../support/api.ts";
import { commandOk } from "../support/commands.ts";

// alice: owner of Acme, in its private #war-room, in a DM with erin (they share Globex).
// carol: member of Acme, in nothing private.
// dave:  admin of Acme, not in #war-room.
// erin:  member of Globex (with alice); frank: owner of Globex, shares nothing else with carol.
// zed:   in no community.
type Who = "alice" | "carol" | "dave" | "erin" | "frank" | "zed";
const PEOPLE: Who[] = ["alice", "carol", "dave", "erin", "frank", "zed"];

describe.each(DB_KINDS)("GET /api/live/context on %s", (kind) => {
  let t: TestApi;
  const p = {} as Record<Who, Person>;
  const ids: Record<string, string> = {};
  let bot: { token: string; user_id: string };

  const context = (who: Person | string, community?: string) =>
    t.call(who, "GET", `/api/live/context${community ? `?community=${community}` : ""}`);
  const contextOf = async (who: Person | string, community?: string) => {
    const res = await context(who, community);
    expect(res.status).toBe(200);
    return (await res.json()) as LiveContext;
  };
  const named = (list: string[]) =>
    list.map((id) => Object.entries(ids).find(([, v]) => v === id)?.[0] ?? id).sort();

  beforeAll(async () => {
    t = await startTestApi(kind);
    for (const who of PEOPLE) p[who] = await t.person(who);
    for (const who of PEOPLE) ids[who] = p[who].id;
    ids.acme = (await t.json(p.alice, "POST", "/api/communities", { name: "Acme", slug: "acme" }))
      .id as string;
    await t.join(p.carol, "acme");
    await t.join(p.dave, "acme", "admin");
    ids.globex = (await t.json(p.frank, "POST", "/api/communities", { name: "Globex", slug: "globex" }))
      .id as string;
    await t.join(p.alice, "globex");
    await t.join(p.erin, "globex");
    const channel = async (who: Person, slug: string, name: string, visibility: string) =>
      (await t.json(who, "POST", `/api/communities/${slug}/channels`, { name, visibility })).id as string;
    const general = async (slug: string) =>
      (
        (
          await t.json<{ items: { id: string; name: string }[] }>(
            p.alice,
            "GET",
            `/api/communities/${slug}/channels`,
          )
        ).items as { id: string; name: string }[]
      ).find((c) => c.name === "general")?.id as string;
    ids["acme#general"] = await general("acme");
    ids["acme#random"] = await channel(p.carol, "acme", "random", "public");
    ids["acme#war-room"] = await channel(p.alice, "acme", "war-room", "private");
    ids["globex#general"] = await general("globex");
    ids["globex#labs"] = await channel(p.frank, "globex", "labs", "private");
    ids["dm alice+erin"] = (await t.json(p.alice, "POST", "/api/dm", { user_ids: [p.erin.id] })).id as string;
    const reply = await commandOk(
      t,
      p.alice,
      ids["acme#general"] as string,
      "/token create watcher channels:read",
    );
    bot = reply.effects[0] as unknown as { token: string; user_id: string };
    ids.bot = bot.user_id;
  });
  afterAll(() => t.close());

  const rows: { who: Who; community?: string; public: string[]; private: string[]; people: string[] }[] = [
    {
      who: "alice",
      community: "acme",
      public: ["acme#general", "acme#random"],
      private: ["acme#war-room", "dm alice+erin"],
      people: ["bot", "carol", "dave", "erin"],
    },
    {
      who: "carol",
      community: "acme",
      public: ["acme#general", "acme#random"],
      private: [],
      people: ["alice", "bot", "dave"],
    },
    {
      who: "dave",
      community: "acme",
      public: ["acme#general", "acme#random"],
      private: [],
      people: ["alice", "bot", "carol"],
    },
    {
      who: "erin",
      community: "globex",
      public: ["globex#general"],
      private: ["dm alice+erin"],
      people: ["alice", "frank"],
    },
    { who: "erin", public: [], private: ["dm alice+erin"], people: ["alice"] },
    { who: "zed", public: [], private: [], people: [] },
  ];
  test.each(rows.map((row) => [row.who, row.community ?? "no community", row] as const))(
    "%s shown %s gets exactly their channels and people, and nothing else",
    async (_who, _shown, row) => {
      const c = await contextOf(p[row.who], row.community);
      expect(c.user).toEqual({ id: p[row.who].id, username: row.who });
      expect(c.community?.slug ?? null).toBe(row.community ?? null);
      expect(named(c.public_channel_ids)).toEqual(row.public);
      expect(named(c.private_channel_ids)).toEqual(row.private);
      expect(named(c.people_ids)).toEqual(row.people);
      // Nothing the reader may not see leaks anywhere in the answer.
      const text = JSON.stringify(c);
      const allowed = new Set([row.who, row.community, ...row.public, ...row.private, ...row.people]);
      for (const [name, id] of Object.entries(ids)) if (!allowed.has(name)) expect(text).not.toContain(id);
    },
  );

  test("the public channels the reader joined are named apart: only their messages reach the reader live", async () => {
    expect(named((await contextOf(p.alice, "acme")).joined_channel_ids)).toEqual(["acme#general"]);
    expect(named((await contextOf(p.carol, "acme")).joined_channel_ids)).toEqual(["acme#random"]);
    expect((await contextOf(p.erin)).joined_channel_ids).toEqual([]);
  });

  test("with presence=shared the people are only the reader's DM partners; members=true lists the community once", async () => {
    const shared = async (query: string) => {
      const res = await t.call(p.alice, "GET", `/api/live/context?community=acme&presence=shared${query}`);
      expect(res.status).toBe(200);
      return (await res.json()) as LiveContext;
    };
    const lean = await shared("");
    expect(named(lean.people_ids)).toEqual(["erin"]);
    expect(lean.member_ids).toBeUndefined();
    const full = await shared("&members=true");
    expect(named(full.member_ids ?? [])).toEqual(["alice", "bot", "carol", "dave"]);
    // Another community's members never come with it.
    expect(JSON.stringify(full)).not.toContain(p.frank.id);
  });

  test("the community comes with the reader's role", async () => {
    expect((await contextOf(p.alice, "acme")).community).toEqual({
      id: ids.acme as string,
      slug: "acme",
      role: "owner",
    });
    expect((await contextOf(p.dave, "acme")).community?.role).toBe("admin");
  });

  test("a community the reader is not in is the same 404 as one that does not exist", async () => {
    for (const slug of ["globex", "nowhere"]) {
      const res = await context(p.carol, slug);
      expect(res.status).toBe(404);
      expect(await res.text()).not.toContain(ids.globex as string);
    }
  });

  test("no token is a 401", async () => {
    expect((await context("ajs_nope.nope")).status).toBe(401);
    expect((await t.call(null, "GET", "/api/live/context")).status).toBe(401);
  });

  test("a bot reads its own community's context and no other", async () => {
    const c = await contextOf(bot.token, "acme");
    expect(c.user.id).toBe(bot.user_id);
    expect(named(c.public_channel_ids)).toEqual(["acme#general", "acme#random"]);
    expect(c.private_channel_ids).toEqual([]);
    expect((await context(bot.token, "globex")).status).toBe(404);
  });

  test("a fixed number of queries however many channels, DMs and people", async () => {
    const count = async () => {
      t.queries.length = 0;
      await contextOf(p.alice, "acme");
      return t.queries.length;
    };
    const before = await count();
    for (const name of ["ops", "legal", "hiring"])
      await t.json(p.alice, "POST", "/api/communities/acme/channels", { name, visibility: "private" });
    await t.json(p.alice, "POST", "/api/dm", { user_ids: [p.carol.id] });
    await t.json(p.alice, "POST", "/api/dm", { user_ids: [p.carol.id, p.dave.id] });
    const extra = await t.person("gina");
    await t.join(extra, "acme");
    expect(await count()).toBe(before);
    // The session check and one read.
    expect(before).toBeLessThanOrEqual(2);
  });

  test("asked for them, the reader's unread and mention counts come for each of their channels there and each DM", async () => {
    const countsOf = async (query: string) => {
      const res = await t.call(p.erin, "GET", `/api/live/context?${query}`);
      expect(res.status).toBe(200);
      const unread = ((await res.json()) as LiveContext).unread ?? [];
      return new Map(unread.map((u) => [named([u.channel_id])[0], [u.unread_count, u.mention_count]]));
    };
    await t.json(p.erin, "POST", `/api/channels/${ids["globex#general"]}/join`);
    const before = await countsOf("community=globex&unread=true");
    // Not #labs (private, frank's), nothing of Acme's: only erin's own.
    expect([...before.keys()].sort()).toEqual(["dm alice+erin", "globex#general"]);
    await t.json(p.frank, "POST", `/api/channels/${ids["globex#general"]}/messages`, {
      body_md: "@erin it is out",
    });
    await t.json(p.frank, "POST", `/api/channels/${ids["globex#general"]}/messages`, {
      body_md: "and shipped",
    });
    await t.json(p.alice, "POST", `/api/channels/${ids["dm alice+erin"]}/messages`, { body_md: "lunch?" });
    const after = await countsOf("community=globex&unread=true");
    const [unread = 0, mentions = 0] = before.get("globex#general") ?? [];
    expect(after.get("globex#general")).toEqual([unread + 2, mentions + 1]);
    const [dmUnread = 0, dmMentions = 0] = before.get("dm alice+erin") ?? [];
    expect(after.get("dm alice+erin")).toEqual([dmUnread + 1, dmMentions + 1]);
    expect([...(await countsOf("unread=true")).keys()]).toEqual(["dm alice+erin"]);
    expect((await contextOf(p.erin, "globex")).unread).toBeUndefined();
  });
});

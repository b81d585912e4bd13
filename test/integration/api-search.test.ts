import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { and, eq, sql } from "drizzle-orm";
import { messages } from "../../lib/db/schema.ts";
import { phraseOf, type SearchCursor, searchCursor, searchMessages } from "../../lib/search/search.ts";
import { DB_KINDS, type Person, startTestApi, type TestApi } from "../support/api.ts";
import { errorOf, jsonOf } from "../support/http.ts";

interface Hit {
  message: { id: string; body_md: string; channel_id: string; author: { username: string | null } };
  snippet: string;
  rank: number;
}
interface SearchPage {
  items: Hit[];
  has_more: boolean;
  next_cursor: string | null;
}

for (const kind of DB_KINDS) {
  describe(`search on ${kind}`, () => {
    let api: TestApi;
    let alice: Person;
    let bob: Person;
    let carol: Person;
    let dave: Person;
    const channel: Record<"general" | "ops" | "secret" | "globex" | "aliceBob" | "bobCarol", string> = {
      general: "",
      ops: "",
      secret: "",
      globex: "",
      aliceBob: "",
      bobCarol: "",
    };

    async function ok<T>(res: Response | Promise<Response>, status = 200): Promise<T> {
      const r = await res;
      if (r.status !== status) throw new Error(`expected ${status}, got ${r.status}: ${await r.text()}`);
      return jsonOf<T>(r);
    }

    async function post(who: Person, channelId: string, body: string) {
      return (
        await ok<{ id: string }>(
          api.call(who, "POST", `/api/channels/${channelId}/messages`, { body_md: body }),
          201,
        )
      ).id;
    }

    async function search(who: Person, params: Record<string, string | number>) {
      const qs = new URLSearchParams(
        Object.entries(params).map(([k, v]): [string, string] => [k, String(v)]),
      );
      return ok<SearchPage>(api.call(who, "GET", `/api/search?${qs}`));
    }

    const bodies = (page: SearchPage) => page.items.map((hit) => hit.message.body_md).sort();

    async function createCommunity(owner: Person, slug: string) {
      await ok(api.call(owner, "POST", "/api/communities", { name: slug, slug }), 201);
      const { items } = await ok<{ items: { id: string; name: string }[] }>(
        api.call(owner, "GET", `/api/communities/${slug}/channels`),
      );
      return items.find((c) => c.name === "general")?.id ?? "";
    }

    beforeAll(async () => {
      api = await startTestApi(kind);
      alice = await api.person("alice");
      bob = await api.person("bob");
      carol = await api.person("carol");
      dave = await api.person("dave");
      channel.general = await createCommunity(alice, "acme");
      await api.join(bob, "acme");
      await api.join(carol, "acme");
      channel.globex = await createCommunity(dave, "globex");
      channel.ops = (
        await ok<{ id: string }>(
          api.call(bob, "POST", "/api/communities/acme/channels", { name: "ops" }),
          201,
        )
      ).id;
      channel.secret = (
        await ok<{ id: string }>(
          api.call(carol, "POST", "/api/communities/acme/channels", {
            name: "secret",
            visibility: "private",
          }),
          201,
        )
      ).id;
      channel.aliceBob = (
        await ok<{ id: string }>(api.call(alice, "POST", "/api/dm", { user_ids: [bob.id] }))
      ).id;
      channel.bobCarol = (
        await ok<{ id: string }>(api.call(bob, "POST", "/api/dm", { user_ids: [carol.id] }))
      ).id;
    });

    afterAll(async () => {
      await api?.close();
    });

    test("results come window by window, newest matches first, best match first within a window, none twice", async () => {
      const sent: string[] = [];
      for (let i = 0; i < 7; i++) {
        // Every third message says "window" twice, so it ranks above its neighbours.
        const body = i % 3 === 0 ? `window window ${i}` : `window ${i}`;
        sent.push(body);
        await post(alice, channel.ops, body);
      }
      const seen: string[] = [];
      let cursor: SearchCursor | undefined;
      for (let page = 0; page < 10; page++) {
        const result = await searchMessages(api.database.db, alice.id, {
          q: "window",
          limit: 2,
          cursor,
          window: 3,
        });
        seen.push(...result.items.map((hit) => hit.message?.body_md ?? ""));
        if (!result.next_cursor) break;
        cursor = searchCursor.parse(result.next_cursor);
      }
      // Windows of the newest three: {6,5,4}, {3,2,1}, {0}; the doubled word leads each window.
      expect(seen).toEqual([
        "window window 6",
        "window 5",
        "window 4",
        "window window 3",
        "window 2",
        "window 1",
        "window window 0",
      ]);
    });

    test("words match by their english stem: deploys finds deploy, deployed and deploying", async () => {
      for (const body of ["we deploy on fridays", "she deployed it", "deploying now", "deployment notes"]) {
        await post(alice, channel.general, body);
      }
      expect(bodies(await search(alice, { q: "deploys" }))).toEqual([
        "deploying now",
        "deployment notes",
        "she deployed it",
        "we deploy on fridays",
      ]);
    });

    test("the english stemmer knows no irregular forms: running finds runs but not ran", async () => {
      for (const body of ["he ran the marathon", "she runs the marathon", "go run a marathon"]) {
        await post(alice, channel.general, body);
      }
      expect(bodies(await search(alice, { q: "running" }))).toEqual([
        "go run a marathon",
        "she runs the marathon",
      ]);
    });

    test('a "quoted phrase" matches those words in that order only', async () => {
      await post(alice, channel.general, "the release train leaves at noon");
      await post(alice, channel.general, "train the team before the release");
      expect(bodies(await search(alice, { q: '"release train"' }))).toEqual([
        "the release train leaves at noon",
      ]);
      expect(await search(alice, { q: "release train" }).then((p) => p.items.length)).toBe(2);
    });

    describe("phrases against PostgreSQL's own reading of them", () => {
      // Each query's results must be exactly the messages `search @@ websearch_to_tsquery(q)` holds in
      // the channel, asked without the word-pair pre-filter: the pre-filter may narrow, never lose.
      const corpus = [
        "ship the release train today",
        "release the train",
        "train release",
        "the release train release train again",
        "release train",
        "merge the pull request now",
        "merge a pull request",
        "merge pull request",
        "pull the request merge",
        "state of the art tooling",
        "the art of the state",
        "release train draft",
        "our on-call rota changed",
        "the rota for on-call",
        "go go go",
      ];
      const queries = [
        '"release train"',
        '"release train" -draft',
        '"release train" today',
        '"release train" or "pull request"',
        '-"release train" release',
        '"merge the pull request"',
        '"state of the art"',
        '"on-call rota"',
        '"go go"',
        '"train release"',
        '"release train release"',
        '"release train',
      ];
      let phrases = "";

      beforeAll(async () => {
        phrases = (
          await ok<{ id: string }>(
            api.call(alice, "POST", "/api/communities/acme/channels", { name: "phrases" }),
            201,
          )
        ).id;
        for (const body of corpus) await post(alice, phrases, body);
      });

      for (const q of queries) {
        test(`${q} finds what PostgreSQL's phrase match finds`, async () => {
          const expected = await api.database.db
            .select({ body: messages.bodyMd })
            .from(messages)
            .where(
              and(
                eq(messages.channelId, phrases),
                sql`${messages.search} @@ websearch_to_tsquery('english', ${q})`,
              ),
            );
          const found = bodies(await search(alice, { q, channel: phrases }));
          expect(found).toEqual(expected.map((r) => r.body).sort());
        });
      }

      test("a phrase is looked up by its adjacent pairs' keys, which the matching messages hold", async () => {
        const db = api.database.db;
        const phrase = await phraseOf(db, '"merge the pull request" -draft');
        // merge <2> pull <-> request: one adjacent pair; the gap across "the" gives none.
        expect(phrase?.keys).toHaveLength(1);
        expect(phrase?.phrasesOnly).toBe(true);
        expect((await phraseOf(db, '"merge the pull request" friday'))?.phrasesOnly).toBe(false);
        const rows = await db
          .select({ body: messages.bodyMd, pairs: messages.wordPairs })
          .from(messages)
          .where(eq(messages.channelId, phrases));
        const holding = rows.filter((r) => r.pairs?.includes(phrase?.keys[0] ?? -1)).map((r) => r.body);
        expect(holding).toEqual(
          expect.arrayContaining(["merge the pull request now", "merge a pull request"]),
        );
        expect(holding).not.toContain("pull the request merge");
        // No quote, or a phrase with no adjacent pair: nothing to look up, the words' index serves.
        expect(await phraseOf(db, "pull request")).toBeNull();
        expect(await phraseOf(db, '"state of the art"')).toBeNull();
        expect(await phraseOf(db, '"release train" or "pull request"')).toBeNull();
      });

      test("what the phrase semantics are: adjacent in order, a stop word keeps its place", async () => {
        const find = async (q: string) => bodies(await search(alice, { q, channel: phrases }));
        expect(await find('"release train" -draft')).toEqual([
          "release train",
          "ship the release train today",
          "the release train release train again",
        ]);
        // "the" and "a" hold the place between merge and pull; without a word there, no match.
        expect(await find('"merge the pull request"')).toEqual([
          "merge a pull request",
          "merge the pull request now",
        ]);
        expect(await find('"state of the art"')).toEqual(["state of the art tooling"]);
      });

      test("phrase matches across window boundaries all come, once each, newest first", async () => {
        const seen: string[] = [];
        let cursor: SearchCursor | undefined;
        for (let page = 0; page < 20; page++) {
          const result = await searchMessages(api.database.db, alice.id, {
            q: '"release train"',
            channelId: phrases,
            limit: 1,
            cursor,
            window: 2,
          });
          seen.push(...result.items.map((hit) => hit.message?.body_md ?? ""));
          if (!result.next_cursor) break;
          cursor = searchCursor.parse(result.next_cursor);
        }
        // Windows of two: {release train draft, release train}, {the release train …, ship …}.
        expect(seen.toSorted()).toEqual([
          "release train",
          "release train draft",
          "ship the release train today",
          "the release train release train again",
        ]);
        expect(seen.slice(0, 2).toSorted()).toEqual(["release train", "release train draft"]);
      });
    });

    test("-word excludes messages with it, and or finds either word", async () => {
      await post(alice, channel.general, "coffee beans arrived");
      await post(alice, channel.general, "coffee cups are dirty");
      await post(alice, channel.general, "lemonade stand opens");
      expect(bodies(await search(alice, { q: "coffee -cups" }))).toEqual(["coffee beans arrived"]);
      expect(bodies(await search(alice, { q: "lemonade or cups" }))).toEqual([
        "coffee cups are dirty",
        "lemonade stand opens",
      ]);
    });

    test("a query of only stop words finds nothing instead of failing", async () => {
      expect((await search(alice, { q: "the and of" })).items).toEqual([]);
    });

    describe("filters", () => {
      beforeAll(async () => {
        const one = await post(alice, channel.general, "invoice one");
        const two = await post(bob, channel.ops, "invoice two");
        await post(alice, channel.aliceBob, "invoice three");
        await post(bob, channel.aliceBob, "invoice five");
        await post(carol, channel.secret, "invoice secret");
        await post(dave, channel.globex, "invoice globex");
        const at = (id: string, iso: string) =>
          api.database.db
            .update(messages)
            .set({ createdAt: new Date(iso) })
            .where(eq(messages.id, id));
        await at(one, "2024-03-10T12:00:00Z");
        await at(two, "2024-03-11T08:00:00Z");
      });

      const cases: [string, () => Person, () => Record<string, string>, string[]][] = [
        ["everything alice can read", () => alice, () => ({}), ["one", "two", "three", "five"]],
        ["community by slug leaves DMs out", () => alice, () => ({ community: "acme" }), ["one", "two"]],
        ["a community alice is not in", () => alice, () => ({ community: "globex" }), []],
        ["an unknown community", () => alice, () => ({ community: "nope" }), []],
        ["one channel", () => alice, () => ({ channel: channel.ops }), ["two"]],
        ["a private channel alice is not in", () => alice, () => ({ channel: channel.secret }), []],
        [
          "the same private channel for its member",
          () => carol,
          () => ({ channel: channel.secret }),
          ["secret"],
        ],
        ["from a username", () => alice, () => ({ from: "bob" }), ["two", "five"]],
        ["from an unknown username", () => alice, () => ({ from: "nobody" }), []],
        ["before a date (exclusive)", () => alice, () => ({ before: "2024-03-11" }), ["one"]],
        ["after a date (inclusive)", () => alice, () => ({ after: "2024-03-11" }), ["two", "three", "five"]],
        ["one whole day", () => alice, () => ({ after: "2024-03-10", before: "2024-03-11" }), ["one"]],
        [
          "after an instant (inclusive)",
          () => alice,
          () => ({ after: "2024-03-11T08:00:00Z" }),
          ["two", "three", "five"],
        ],
        [
          "before an instant (exclusive)",
          () => alice,
          () => ({ before: "2024-03-11T09:00:00+01:00" }),
          ["one"],
        ],
      ];
      for (const [name, who, params, expected] of cases) {
        test(`${name}: ${expected.join(", ") || "nothing"}`, async () => {
          const page = await search(who(), { q: "invoice", ...params() });
          expect(bodies(page)).toEqual(expected.map((word) => `invoice ${word}`).sort());
        });
      }

      test("a malformed channel id or date is a 400 naming the parameter", async () => {
        for (const [param, value] of [
          ["channel", "nope"],
          ["before", "yesterday"],
          ["after", "2024-13-45"],
        ] as const) {
          const res = await api.call(alice, "GET", `/api/search?q=invoice&${param}=${value}`);
          expect(res.status).toBe(400);
          expect((await errorOf(res)).message).toStartWith(`${param}:`);
        }
      });
    });

    test("the best match comes first, and newer first among equal ones", async () => {
      const older = await post(alice, channel.general, "kettle on the stove");
      const triple = await post(alice, channel.general, "kettle kettle kettle");
      const newer = await post(alice, channel.general, "kettle in the kitchen");
      const page = await search(alice, { q: "kettle" });
      expect(page.items.map((hit) => hit.message.id)).toEqual([triple, newer, older]);
      const [first, second, third] = page.items.map((hit) => hit.rank);
      expect(first).toBeGreaterThan(second ?? 0);
      expect(second).toBe(third ?? -1);
    });

    test("pages follow each other with no duplicates and no gaps, in a bounded number of queries", async () => {
      const posted: string[] = [];
      for (let i = 0; i < 25; i++) {
        // Three different ranks, each shared by several messages, so pages end both between and within ranks.
        posted.push(await post(alice, channel.general, `${"zebra ".repeat((i % 3) + 1)}number ${i}`));
      }
      const all = await search(alice, { q: "zebra", limit: 100 });
      expect(all.has_more).toBe(false);
      expect(all.next_cursor).toBeNull();

      const seen: string[] = [];
      const queryCounts: number[] = [];
      let cursor: string | null = null;
      do {
        api.queries.length = 0;
        const page: SearchPage = await search(alice, {
          q: "zebra",
          limit: 10,
          ...(cursor ? { cursor } : {}),
        });
        queryCounts.push(api.queries.length);
        seen.push(...page.items.map((hit) => hit.message.id));
        expect(page.has_more).toBe(page.next_cursor !== null);
        cursor = page.next_cursor;
      } while (cursor);

      expect(seen).toHaveLength(25);
      expect(new Set(seen).size).toBe(25);
      expect(seen).toEqual(all.items.map((hit) => hit.message.id));
      expect(new Set(seen)).toEqual(new Set(posted));
      expect(queryCounts).toHaveLength(3);
      api.queries.length = 0;
      await search(alice, { q: "zebra", limit: 100 });
      // A page of 10 and a page of 25 cost the same: no query per hit.
      expect(new Set([...queryCounts, api.queries.length]).size).toBe(1);
    });

    test("each hit is the full message view with its rank", async () => {
      const id = await post(bob, channel.general, "a walrus appeared");
      const [hit] = (await search(alice, { q: "walrus" })).items;
      expect(hit?.message).toMatchObject({ id, body_md: "a walrus appeared", author: { username: "bob" } });
      expect(hit?.message).toHaveProperty("reactions");
      expect(hit?.rank).toBeGreaterThan(0);
    });

    test("the snippet marks the matches and escapes everything else as HTML", async () => {
      await post(alice, channel.general, `look: <script>alert("x")</script> & the widget's 'size' > 3`);
      const [hit] = (await search(alice, { q: "widgets" })).items;
      expect(hit?.snippet).toBe(
        "look: &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; the <mark>widget</mark>&#x27;s &#x27;size&#x27; &gt; 3",
      );
      expect(hit?.snippet.replaceAll("<mark>", "").replaceAll("</mark>", "")).not.toContain("<");
    });

    test("the snippet is the text as readers see it: no markdown syntax", async () => {
      await post(
        alice,
        channel.general,
        "The **ratio** is `1.2` in [the report](https://reports.example/q3)\n```sql\nselect ocelot from zoo;\n```\n> quoted ocelot",
      );
      const [hit] = (await search(alice, { q: "ocelot" })).items;
      const text = hit?.snippet.replaceAll(/<\/?mark>/g, "") ?? "";
      expect(text).toBe("The ratio is 1.2 in the report select ocelot from zoo; quoted ocelot");
      expect(hit?.snippet).toContain("<mark>ocelot</mark>");
      for (const syntax of ["**", "`", "](", "```", "&gt; quoted"])
        expect(hit?.snippet).not.toContain(syntax);
    });

    test("a long message's snippet is the part around the match", async () => {
      const words = Array.from({ length: 300 }, (_, i) => `filler${i}`);
      words[200] = "platypus";
      await post(alice, channel.general, words.join(" "));
      const [hit] = (await search(alice, { q: "platypus" })).items;
      expect(hit?.snippet).toContain("<mark>platypus</mark>");
      expect(hit?.snippet).not.toContain("filler0 ");
      expect(hit?.snippet.split(" ").length).toBeLessThan(40);
    });

    describe("what must not appear", () => {
      // Each secret word sits where alice cannot read it; someone who can read it finds it, so the
      // absence is the access rule at work and not a message that was never indexed.
      const cases: [string, string, () => Person, () => string][] = [
        ["a private channel alice is not in", "zanzibar", () => carol, () => channel.secret],
        ["another community", "narwhal", () => dave, () => channel.globex],
        ["a DM between other people", "quokka", () => bob, () => channel.bobCarol],
      ];
      for (const [where, word, reader, channelId] of cases) {
        test(`a message in ${where} is absent from alice's results`, async () => {
          await post(reader(), channelId(), `${word} plans for everyone`);
          expect(bodies(await search(reader(), { q: word }))).toEqual([`${word} plans for everyone`]);
          const queries: Record<string, string>[] = [
            { q: word },
            { q: `${word} or plans` },
            { q: `"${word} plans"` },
            { q: word, channel: channelId() },
          ];
          for (const params of queries) {
            const res = await api.call(alice, "GET", `/api/search?${new URLSearchParams(params)}`);
            expect(res.status).toBe(200);
            expect(await res.text()).not.toContain(word);
          }
        });
      }

      test("a deleted message is absent, even for its author", async () => {
        const id = await post(alice, channel.general, "wombat sighting");
        expect(bodies(await search(alice, { q: "wombat" }))).toEqual(["wombat sighting"]);
        await ok(api.call(alice, "DELETE", `/api/messages/${id}`));
        const res = await api.call(alice, "GET", "/api/search?q=wombat");
        expect(res.status).toBe(200);
        const text = await res.text();
        expect(text).not.toContain("wombat");
        expect(text).not.toContain(id);
      });
    });

    test("an empty or blank q is a 400 naming q", async () => {
      for (const path of ["/api/search", "/api/search?q=", "/api/search?q=%20%20"]) {
        const res = await api.call(alice, "GET", path);
        expect(res.status).toBe(400);
        expect((await errorOf(res)).message).toStartWith("q:");
      }
    });

    test("a cursor that did not come from a page is a 400 naming cursor", async () => {
      for (const cursor of ["nope", Buffer.from('["x", 1]').toString("base64url")]) {
        const res = await api.call(alice, "GET", `/api/search?q=zebra&cursor=${cursor}`);
        expect(res.status).toBe(400);
        expect((await errorOf(res)).message).toStartWith("cursor:");
      }
    });

    test("searching needs a signed-in caller", async () => {
      expect((await api.call(null, "GET", "/api/search?q=invoice")).status).toBe(401);
    });
  });
}

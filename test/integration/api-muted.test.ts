import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import { communityMutes, messages, reactions } from "../../lib/db/schema.ts";
import { DB_KINDS, type Person, startTestApi, type TestApi } from "../support/api.ts";
import { errorOf } from "../support/http.ts";

// A muted member is read-only in the community, as in Mattermost's read-only channels: they read,
// and they may take their own words back (delete), but they cannot post, edit or react — and a
// refusal publishes nothing.
describe.each(DB_KINDS)("a muted member on %s", (kind) => {
  let t: TestApi;
  let alice: Person;
  let carol: Person;
  let community: string;
  let general: string;
  let carols: string;
  let alices: string;

  const call = <T = { id: string }>(who: Person, method: string, path: string, body?: unknown) =>
    t.json<T>(who, method, path, body);
  const thumbs = encodeURIComponent("👍");
  /** What `act` answered and the events published while it ran. */
  const attempt = async (act: () => Promise<Response>) => {
    await t.delivered();
    t.events.length = 0;
    const res = await act();
    await t.delivered();
    return { res, events: t.events.map((e) => e.event.type) };
  };

  beforeAll(async () => {
    t = await startTestApi(kind);
    alice = await t.person("alice");
    carol = await t.person("carol");
    community = (await call(alice, "POST", "/api/communities", { name: "Acme", slug: "acme" })).id;
    await t.join(carol, "acme");
    general =
      (await call<{ items: { id: string }[] }>(alice, "GET", "/api/communities/acme/channels")).items[0]
        ?.id ?? "";
    await call(carol, "POST", `/api/channels/${general}/join`);
    carols = (await call(carol, "POST", `/api/channels/${general}/messages`, { body_md: "said before" })).id;
    alices = (await call(alice, "POST", `/api/channels/${general}/messages`, { body_md: "from alice" })).id;
    await call(carol, "PUT", `/api/messages/${alices}/reactions/${thumbs}`);
    await t.database.db
      .insert(communityMutes)
      .values({ communityId: community, userId: carol.id, expiresAt: new Date(Date.now() + 3600_000) });
  });
  afterAll(() => t.close());

  test("cannot edit their own message: 403 naming the mute, the text unchanged, nothing published", async () => {
    const { res, events } = await attempt(() =>
      t.call(carol, "PATCH", `/api/messages/${carols}`, { body_md: "rewritten while muted" }),
    );
    expect(res.status).toBe(403);
    expect((await errorOf(res)).message).toContain("muted");
    expect(events).toEqual([]);
    const [row] = await t.database.db.select().from(messages).where(eq(messages.id, carols));
    expect(row?.bodyMd).toBe("said before");
    expect(row?.editedAt).toBeNull();
  });

  test("cannot add a reaction, nor take one back, and nothing is published", async () => {
    const add = await attempt(() =>
      t.call(carol, "PUT", `/api/messages/${alices}/reactions/${encodeURIComponent("🎉")}`),
    );
    expect(add.res.status).toBe(403);
    expect(add.events).toEqual([]);
    const remove = await attempt(() =>
      t.call(carol, "DELETE", `/api/messages/${alices}/reactions/${thumbs}`),
    );
    expect(remove.res.status).toBe(403);
    expect(remove.events).toEqual([]);
    const left = await t.database.db.select().from(reactions).where(eq(reactions.userId, carol.id));
    expect(left.map((r) => r.emoji)).toEqual(["👍"]);
  });

  test("still reads the channel and may delete their own message", async () => {
    expect((await t.call(carol, "GET", `/api/channels/${general}/messages`)).status).toBe(200);
    const own = (await t.database.db
      .insert(messages)
      .values({ channelId: general, userId: carol.id, bodyMd: "regretted" })
      .returning()) as { id: string }[];
    const { res, events } = await attempt(() => t.call(carol, "DELETE", `/api/messages/${own[0]?.id}`));
    expect(res.status).toBe(200);
    expect(events).toEqual(["message.deleted"]);
  });

  test("edits and reacts again once the mute is lifted", async () => {
    await t.database.db.delete(communityMutes).where(eq(communityMutes.userId, carol.id));
    const edit = await attempt(() => t.call(carol, "PATCH", `/api/messages/${carols}`, { body_md: "free" }));
    expect(edit.res.status).toBe(200);
    expect(edit.events).toEqual(["message.updated"]);
    const react = await attempt(() =>
      t.call(carol, "PUT", `/api/messages/${alices}/reactions/${encodeURIComponent("🎉")}`),
    );
    expect(react.res.status).toBe(200);
    expect(react.events).toEqual(["reaction.added"]);
  });
});

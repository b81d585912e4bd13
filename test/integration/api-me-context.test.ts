import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { sql } from "drizzle-orm";
import { DB_KINDS, type Person, startTestApi, type TestApi } from "../support/api.ts";

interface Named {
  id: string;
  name: string;
  unread_count: number;
  mention_count: number;
  is_member: boolean;
  archived_at: string | null;
}
interface Context {
  me: { id: string; username: string };
  communities: { slug: string; role: string }[];
  community: { slug: string; role: string } | null;
  channels: { items: Named[]; every: boolean };
  dms: { items: { id: string; members: { id: string }[] }[]; has_more: boolean };
  notifications_unread: number;
}

// alice owns Acme (with a private #war-room and an archived #old) and is in Globex; carol is in Acme
// only and mentions alice in #general; alice and erin share a DM.
describe.each(DB_KINDS)("GET /api/me/context on %s", (kind) => {
  let t: TestApi;
  let alice: Person;
  let carol: Person;
  let erin: Person;
  let dm: string;

  const contextOf = (who: Person, query = "") => t.json<Context>(who, "GET", `/api/me/context${query}`);
  const names = (c: Context) => c.channels.items.map((x) => x.name).sort();

  beforeAll(async () => {
    t = await startTestApi(kind);
    [alice, carol, erin] = [await t.person("alice"), await t.person("carol"), await t.person("erin")];
    await t.json(alice, "POST", "/api/communities", { name: "Acme", slug: "acme" });
    await t.json(erin, "POST", "/api/communities", { name: "Globex", slug: "globex" });
    await t.join(carol, "acme");
    await t.join(alice, "globex");
    await t.json(alice, "POST", "/api/communities/acme/channels", {
      name: "war-room",
      visibility: "private",
    });
    const old = await t.json<{ id: string }>(alice, "POST", "/api/communities/acme/channels", {
      name: "old",
    });
    await t.json(alice, "POST", `/api/channels/${old.id}/archive`);
    const { items } = await t.json<{ items: Named[] }>(carol, "GET", "/api/communities/acme/channels");
    const general = items.find((c) => c.name === "general") as Named;
    await t.json(carol, "POST", `/api/channels/${general.id}/messages`, { body_md: "hello @alice" });
    dm = (await t.json<{ id: string }>(alice, "POST", "/api/dm", { user_ids: [erin.id] })).id;
  });
  afterAll(() => t.close());

  test("one answer holds who you are, your communities, the shown one's channels with counts, your DMs and unread notifications", async () => {
    const c = await contextOf(alice, "?community=acme");
    expect(c.me).toMatchObject({ id: alice.id, username: "alice" });
    expect(c.communities.map((x) => [x.slug, x.role])).toEqual([
      ["acme", "owner"],
      ["globex", "member"],
    ]);
    expect(c.community).toMatchObject({ slug: "acme", role: "owner" });
    expect(c.channels.every).toBe(true);
    // Archived channels are listed (their pages still open), marked so.
    expect(names(c)).toEqual(["general", "old", "war-room"]);
    expect(c.channels.items.find((x) => x.name === "old")?.archived_at).not.toBeNull();
    expect(c.channels.items.find((x) => x.name === "general")).toMatchObject({
      unread_count: 1,
      mention_count: 1,
    });
    expect(c.dms.items.map((d) => d.id)).toEqual([dm]);
    expect(c.dms.has_more).toBe(false);
    expect(c.notifications_unread).toBe(1);
  });

  test("a private channel, a DM and a notification of someone else are not in your answer", async () => {
    const c = await contextOf(carol, "?community=acme");
    expect(c.me.id).toBe(carol.id);
    expect(c.communities.map((x) => x.slug)).toEqual(["acme"]);
    expect(names(c)).toEqual(["general", "old"]);
    expect(c.dms.items).toEqual([]);
    expect(c.notifications_unread).toBe(0);
  });

  test("a community you are not in is not found, and says nothing of it", async () => {
    const res = await t.call(carol, "GET", "/api/me/context?community=globex");
    expect(res.status).toBe(404);
    const text = await res.text();
    expect(text).toContain("not_found");
    expect(text).not.toContain("Globex");
  });

  test("without a community the answer has no channels, the rest as ever", async () => {
    const c = await contextOf(alice);
    expect(c.community).toBeNull();
    expect(c.channels.items).toEqual([]);
    expect(c.communities).toHaveLength(2);
    expect(c.dms.items).toHaveLength(1);
  });

  test("a DM count out of range is refused, naming it", async () => {
    const res = await t.call(alice, "GET", "/api/me/context?dms=0");
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("dms");
  });

  test("a community of more than 200 channels lists only yours (every=false), not the others", async () => {
    await t.database.db.execute(
      sql`insert into channels (id, community_id, name, visibility, created_by)
          select gen_random_uuid(), c.id, 'many-' || i, 'public', ${alice.id} from communities c, generate_series(1, 201) i
          where c.slug = 'acme'`,
    );
    const c = await contextOf(carol, "?community=acme");
    expect(c.channels.every).toBe(false);
    // carol is in #general only; archived ones leave the sidebar's list too.
    expect(names(c)).toEqual(["general"]);
    const full = await t.json<{ items: Named[]; has_more: boolean }>(
      carol,
      "GET",
      "/api/communities/acme/channels",
    );
    expect(full.has_more).toBe(true);
  });
});

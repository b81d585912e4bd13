import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { eq, sql } from "drizzle-orm";
import { channels, messages, users, webhooks } from "../../lib/db/schema.ts";
import { type ApiApp, createApiApp } from "../../services/api/main.ts";
import { DB_KINDS, type Person, startTestApi, type TestApi } from "../support/api.ts";
import { trustedHop } from "../support/internal.ts";

interface View {
  id: string;
  body_md: string;
  deleted: boolean;
  reply_count: number;
  author: { display_name: string; deactivated: boolean };
  reactions: { emoji: string; count: number; reacted_by_me: boolean }[];
  mentions: { username: string | null }[];
  attachments: { filename: string; thumbnail_url: string | null }[];
  preview: { title?: string } | null;
}
interface Page {
  items: View[];
  has_more: boolean;
}

const TADA = encodeURIComponent("🎉");
// Past every id the database makes: the same newest page, read by the path that holds nothing.
const PAST_EVERY_ID = "ffffffff-ffff-7fff-bfff-ffffffffffff";

// The newest page of a channel is held by each API server and answered again while the channel is
// unchanged. Two servers over one database: one is told of every change, the other hears of none,
// and both must show each change on the next read.
describe.each(DB_KINDS)("the newest page of a channel on %s", (kind) => {
  let t: TestApi;
  let other: ApiApp;
  let alice: Person;
  let bob: Person;
  let carol: Person;
  let general: string;

  const on = (app: ApiApp) => async (who: Person, path: string) =>
    app.fetch(
      new Request(`http://api.test${path}`, {
        headers: { ...trustedHop, authorization: `Bearer ${who.token}` },
      }),
    );
  const newest = async (app: ApiApp, who: Person, channel = general) => {
    const res = await on(app)(who, `/api/channels/${channel}/messages?limit=5`);
    expect(res.status).toBe(200);
    return (await res.json()) as Page;
  };
  const readFresh = (who: Person, channel = general) =>
    t.json<Page>(who, "GET", `/api/channels/${channel}/messages?limit=5&before=${PAST_EVERY_ID}`);
  const post = (who: Person, body_md: string, extra: Record<string, unknown> = {}) =>
    t.json<{ id: string }>(who, "POST", `/api/channels/${general}/messages`, { body_md, ...extra });

  /** Both servers hold the page now; after `change`, each answers what the database holds. */
  async function afterChange(change: () => Promise<unknown>, reader: Person = alice) {
    await newest(t.app, reader);
    await newest(other, reader);
    await change();
    const fresh = await readFresh(reader);
    expect(await newest(t.app, reader)).toEqual(fresh);
    expect(await newest(other, reader)).toEqual(fresh);
    return fresh;
  }

  beforeAll(async () => {
    t = await startTestApi(kind);
    other = createApiApp({ config: t.config, db: t.database, bus: t.bus, store: t.store });
    [alice, bob, carol] = (await Promise.all(["alice", "bob", "carol"].map((n) => t.person(n)))) as [
      Person,
      Person,
      Person,
    ];
    await t.json(alice, "POST", "/api/communities", { name: "Acme", slug: "acme" });
    await t.join(bob, "acme");
    general = (await t.json<{ items: { id: string }[] }>(alice, "GET", "/api/communities/acme/channels"))
      .items[0]?.id as string;
    await t.json(bob, "POST", `/api/channels/${general}/join`);
    for (let i = 1; i <= 6; i++) await post(alice, `morning note ${i}`);
  });
  afterAll(async () => {
    await other.stopWork();
    await t.close();
  });

  test("a page read again while nothing changed costs the access check alone and is the same page", async () => {
    const first = await newest(t.app, alice);
    t.queries.length = 0;
    const again = await newest(t.app, alice);
    expect(again).toEqual(first);
    expect(again.items.map((m) => m.body_md)).toEqual([6, 5, 4, 3, 2].map((i) => `morning note ${i}`));
    expect(again.has_more).toBe(true);
    // The credential and the channel's access check with its version; no read of the messages.
    expect(t.queries.filter((q) => /\bfrom "?messages"?\s/i.test(q) && !/history_versions/.test(q))).toEqual(
      [],
    );
  });

  test("a new message, an edit, a reply and a deletion each show on the next read of either server", async () => {
    let page = await afterChange(() => post(bob, "lunch at noon?"));
    expect(page.items[0]?.body_md).toBe("lunch at noon?");
    const top = page.items[0]?.id as string;

    page = await afterChange(() =>
      t.json(bob, "PATCH", `/api/messages/${top}`, { body_md: "lunch at one?" }),
    );
    expect(page.items[0]?.body_md).toBe("lunch at one?");

    page = await afterChange(() => post(alice, "works for me", { parent_id: top }));
    expect(page.items[0]?.reply_count).toBe(1);
    expect(page.items.map((m) => m.body_md)).not.toContain("works for me");

    page = await afterChange(() => t.json(bob, "DELETE", `/api/messages/${top}`));
    expect(page.items[0]).toMatchObject({ id: top, deleted: true, body_md: "" });
  });

  test("reactions show on the next read, each reader's own marked from the same held page", async () => {
    const { id } = await post(alice, "ship it");
    let page = await afterChange(() => t.json(bob, "PUT", `/api/messages/${id}/reactions/${TADA}`));
    expect(page.items[0]?.reactions).toEqual([expect.objectContaining({ count: 1, reacted_by_me: false })]);
    // Bob reads the page alice's read left held, and sees his own reaction as his.
    t.queries.length = 0;
    const bobs = await newest(t.app, bob);
    expect(bobs.items[0]?.reactions).toEqual([expect.objectContaining({ count: 1, reacted_by_me: true })]);
    expect(bobs).toEqual(await readFresh(bob));

    page = await afterChange(() => t.json(bob, "DELETE", `/api/messages/${id}/reactions/${TADA}`));
    expect(page.items[0]?.reactions).toEqual([]);
  });

  test("files, mentions and link previews written after a message show on the next read", async () => {
    const data = new FormData();
    data.append("file", new File(["the plan"], "plan.md", { type: "text/markdown" }));
    const upload = await t.call(alice, "POST", `/api/channels/${general}/attachments`, data);
    expect(upload.status).toBe(201);
    const { attachment } = (await upload.json()) as { attachment: { id: string } };
    let page = await afterChange(() => post(alice, "@bob the plan", { attachment_ids: [attachment.id] }));
    expect(page.items[0]?.attachments.map((a) => a.filename)).toEqual(["plan.md"]);
    expect(page.items[0]?.mentions.map((m) => m.username)).toEqual(["bob"]);

    // Work done after the post (a thumbnail, a link's card) writes the rows straight.
    page = await afterChange(() =>
      t.database.db.execute(
        sql`update attachments set thumb_key = 'thumbs/plan' where id = ${attachment.id}`,
      ),
    );
    expect(page.items[0]?.attachments[0]?.thumbnail_url).toBe(`/api/attachments/${attachment.id}/thumbnail`);
    const target = page.items[0]?.id as string;
    page = await afterChange(() =>
      t.database.db
        .update(messages)
        .set({ preview: { url: "https://example.com/", title: "The plan" } })
        .where(eq(messages.id, target)),
    );
    expect(page.items[0]?.preview?.title).toBe("The plan");
  });

  test("a change to an author or a webhook shows in every channel's held page", async () => {
    await post(bob, "back from leave");
    let page = await afterChange(() => t.json(bob, "PATCH", "/api/me", { display_name: "Robert" }));
    expect(page.items.filter((m) => m.author.display_name === "Robert").length).toBeGreaterThan(0);
    expect(page.items.filter((m) => m.author.display_name === "Bob")).toEqual([]);

    page = await afterChange(() =>
      t.database.db.update(users).set({ deactivatedAt: new Date() }).where(eq(users.id, bob.id)),
    );
    expect(
      page.items.filter((m) => m.author.display_name === "Robert").every((m) => m.author.deactivated),
    ).toBe(true);
    await t.database.db.update(users).set({ deactivatedAt: null }).where(eq(users.id, bob.id));

    const [hook] = await t.database.db
      .insert(webhooks)
      .values({ communityId: await communityOf(), channelId: general, name: "ci", tokenHash: "x".repeat(64) })
      .returning();
    await t.database.db
      .insert(messages)
      .values({ channelId: general, webhookId: hook?.id as string, bodyMd: "build 41 passed" });
    page = await afterChange(() =>
      t.database.db
        .update(webhooks)
        .set({ name: "builds" })
        .where(eq(webhooks.id, hook?.id as string)),
    );
    expect(page.items[0]).toMatchObject({ body_md: "build 41 passed", author: { display_name: "builds" } });
  });

  test("one person posting with files and without at once: every post lands, none waits on the other for good", async () => {
    const uploads = await Promise.all(
      Array.from({ length: 12 }, async (_, i) => {
        const data = new FormData();
        data.append("file", new File([`notes ${i}`], `notes-${i}.txt`, { type: "text/plain" }));
        const res = await t.call(bob, "POST", `/api/channels/${general}/attachments`, data);
        expect(res.status).toBe(201);
        return ((await res.json()) as { attachment: { id: string } }).attachment.id;
      }),
    );
    const sent = await Promise.all(
      uploads.flatMap((id, i) => [
        t.call(bob, "POST", `/api/channels/${general}/messages`, {
          body_md: `file ${i}`,
          attachment_ids: [id],
        }),
        t.call(bob, "POST", `/api/channels/${general}/messages`, { body_md: `line ${i}` }),
      ]),
    );
    expect(sent.map((r) => r.status)).toEqual(sent.map(() => 201));
    const page = await newest(other, bob);
    expect(page).toEqual(await readFresh(bob));
  });

  test("a held page is never answered to someone who may not read the channel", async () => {
    const secret = (
      await t.json<{ id: string }>(alice, "POST", "/api/communities/acme/channels", {
        name: "secret",
        visibility: "private",
      })
    ).id;
    await t.json(alice, "POST", `/api/channels/${secret}/messages`, {
      body_md: "the launch date is the 9th",
    });
    await t.json(alice, "POST", `/api/channels/${secret}/members`, { user_id: bob.id });
    expect((await newest(t.app, bob, secret)).items.map((m) => m.body_md)).toEqual([
      "the launch date is the 9th",
    ]);
    for (const app of [t.app, other]) {
      const res = await on(app)(carol, `/api/channels/${secret}/messages?limit=5`);
      expect(res.status).toBe(404);
      expect(await res.text()).not.toContain("launch");
    }
    await t.json(bob, "POST", `/api/channels/${secret}/leave`);
    const res = await on(t.app)(bob, `/api/channels/${secret}/messages?limit=5`);
    expect(res.status).toBe(404);
    expect(await res.text()).not.toContain("launch");
  });

  async function communityOf() {
    const [row] = await t.database.db
      .select({ id: channels.communityId })
      .from(channels)
      .where(eq(channels.id, general));
    return row?.id as string;
  }
});

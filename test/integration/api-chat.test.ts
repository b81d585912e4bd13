import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { UNREAD_COUNT_CAP } from "../../lib/channels/unread-cap.ts";
import { communityMutes } from "../../lib/db/schema.ts";
import { DB_KINDS, type Person, startTestApi, type TestApi } from "../support/api.ts";
import { errorOf } from "../support/http.ts";

type Json = Record<string, unknown>;
interface Channel {
  id: string;
  name: string;
  unread_count: number;
  mention_count: number;
  is_member: boolean;
}
interface Message {
  id: string;
  body_md: string;
  deleted: boolean;
  parent_id: string | null;
  reply_count: number;
  edited_at: string | null;
  reactions: { emoji: string; count: number; reacted_by_me: boolean }[];
  mentions: { type: string; username: string | null }[];
  author: { username: string | null };
}
interface Page<T> {
  items: T[];
  has_more: boolean;
}

describe.each(DB_KINDS)("the chat API on %s", (kind) => {
  let t: TestApi;
  let alice: Person;
  let bob: Person;
  let carol: Person;
  let dave: Person;
  let general: string;

  const call = <T = Json>(who: Person, method: string, path: string, body?: unknown) =>
    t.json<T>(who, method, path, body);
  const post = (who: Person, channel: string, body: Json) =>
    call<Message>(who, "POST", `/api/channels/${channel}/messages`, body);
  const channelsOf = async (who: Person, slug = "acme") =>
    (await call<Page<Channel>>(who, "GET", `/api/communities/${slug}/channels`)).items;

  beforeAll(async () => {
    t = await startTestApi(kind);
    [alice, bob, carol, dave] = (await Promise.all(
      ["alice", "bob", "carol", "dave"].map((n) => t.person(n)),
    )) as [Person, Person, Person, Person];
    await call(alice, "POST", "/api/communities", { name: "Acme", slug: "acme" });
    await call(bob, "POST", "/api/communities", { name: "Globex", slug: "globex" });
    await t.join(carol, "acme");
    await t.join(dave, "acme", "admin");
    general = ((await channelsOf(alice)).find((c) => c.name === "general") as Channel).id;
  });
  afterAll(() => t.close());

  test("a new community has its creator as owner and a #general channel", async () => {
    const community = await call(alice, "GET", "/api/communities/acme");
    expect(community).toMatchObject({ name: "Acme", slug: "acme", role: "owner" });
    expect((await channelsOf(alice)).map((c) => c.name)).toEqual(["general"]);
  });

  test("a slug that is taken is a 409, a malformed one a 400 naming the field", async () => {
    const taken = await t.call(carol, "POST", "/api/communities", { name: "Again", slug: "acme" });
    expect(taken.status).toBe(409);
    const bad = await t.call(carol, "POST", "/api/communities", { name: "Bad", slug: "No Spaces" });
    expect(bad.status).toBe(400);
    expect((await errorOf(bad)).message).toStartWith("slug:");
  });

  test("a private channel is listed only for its members", async () => {
    const secret = await call<Channel>(alice, "POST", "/api/communities/acme/channels", {
      name: "secret",
      visibility: "private",
    });
    expect((await channelsOf(alice)).map((c) => c.name)).toContain("secret");
    expect((await channelsOf(carol)).map((c) => c.name)).not.toContain("secret");
    expect((await t.call(carol, "GET", `/api/channels/${secret.id}`)).status).toBe(404);
    await call(alice, "POST", `/api/channels/${secret.id}/members`, { user_id: carol.id });
    expect((await channelsOf(carol)).map((c) => c.name)).toContain("secret");
  });

  test("channel names are unique in a community and must be well-formed", async () => {
    expect((await t.call(alice, "POST", "/api/communities/acme/channels", { name: "general" })).status).toBe(
      409,
    );
    const bad = await t.call(alice, "POST", "/api/communities/acme/channels", { name: "has space" });
    expect(bad.status).toBe(400);
    expect((await errorOf(bad)).message).toStartWith("name:");
  });

  test("history pages newest first with before/after cursors and no gaps or repeats", async () => {
    const ch = await call<Channel>(alice, "POST", "/api/communities/acme/channels", { name: "paging" });
    const sent: string[] = [];
    for (let i = 0; i < 7; i++) sent.push((await post(alice, ch.id, { body_md: `message ${i}` })).id);
    const first = await call<Page<Message>>(alice, "GET", `/api/channels/${ch.id}/messages?limit=3`);
    expect(first.items.map((m) => m.body_md)).toEqual(["message 6", "message 5", "message 4"]);
    expect(first.has_more).toBe(true);
    const last = first.items.at(-1) as Message;
    const second = await call<Page<Message>>(
      alice,
      "GET",
      `/api/channels/${ch.id}/messages?limit=3&before=${last.id}`,
    );
    const third = await call<Page<Message>>(
      alice,
      "GET",
      `/api/channels/${ch.id}/messages?limit=3&before=${(second.items.at(-1) as Message).id}`,
    );
    const all = [...first.items, ...second.items, ...third.items].map((m) => m.id);
    expect(all).toEqual([...sent].reverse());
    expect(third.has_more).toBe(false);
    const newer = await call<Page<Message>>(alice, "GET", `/api/channels/${ch.id}/messages?after=${sent[4]}`);
    expect(newer.items.map((m) => m.body_md)).toEqual(["message 6", "message 5"]);
    const tooMany = await t.call(alice, "GET", `/api/channels/${ch.id}/messages?limit=500`);
    expect(tooMany.status).toBe(400);
    expect((await errorOf(tooMany)).message).toStartWith("limit:");
  });

  test("a message body must be non-empty and at most 40,000 characters", async () => {
    for (const body_md of ["", "   \n ", "x".repeat(40_001)]) {
      const res = await t.call(alice, "POST", `/api/channels/${general}/messages`, { body_md });
      expect(res.status).toBe(400);
      expect((await errorOf(res)).message).toStartWith("body_md:");
    }
    expect(
      (await t.call(alice, "POST", `/api/channels/${general}/messages`, { body_md: "x".repeat(40_000) }))
        .status,
    ).toBe(201);
  });

  test("threads are one level deep and the parent counts its replies", async () => {
    const parent = await post(alice, general, { body_md: "thread start" });
    const reply = await post(carol, general, { body_md: "a reply", parent_id: parent.id });
    await post(dave, general, { body_md: "another", parent_id: parent.id });
    const nested = await t.call(carol, "POST", `/api/channels/${general}/messages`, {
      body_md: "deeper",
      parent_id: reply.id,
    });
    expect(nested.status).toBe(400);
    expect((await errorOf(nested)).code).toBe("nested_thread");
    const replies = await call<Page<Message>>(alice, "GET", `/api/messages/${parent.id}/replies`);
    expect(replies.items.map((m) => m.body_md)).toEqual(["a reply", "another"]);
    expect((await call<Message>(alice, "GET", `/api/messages/${parent.id}`)).reply_count).toBe(2);
    const history = await call<Page<Message>>(alice, "GET", `/api/channels/${general}/messages`);
    expect(history.items.map((m) => m.body_md)).not.toContain("a reply");
  });

  test("only the author edits; the author or an admin deletes, leaving a tombstone", async () => {
    const m = await post(carol, general, { body_md: "typo here" });
    expect((await t.call(alice, "PATCH", `/api/messages/${m.id}`, { body_md: "hijack" })).status).toBe(403);
    const edited = await call<Message>(carol, "PATCH", `/api/messages/${m.id}`, { body_md: "fixed here" });
    expect(edited.body_md).toBe("fixed here");
    expect(edited.edited_at).not.toBeNull();
    const other = await post(alice, general, { body_md: "alice's own words" });
    expect((await t.call(carol, "DELETE", `/api/messages/${other.id}`)).status).toBe(403);
    const tomb = await call<Message>(dave, "DELETE", `/api/messages/${m.id}`);
    expect(tomb).toMatchObject({ deleted: true, body_md: "" });
    const history = await t.call(alice, "GET", `/api/channels/${general}/messages?limit=200`);
    const text = await history.text();
    expect(text).toContain(m.id);
    expect(text).not.toContain("fixed here");
    expect((await t.call(carol, "PATCH", `/api/messages/${m.id}`, { body_md: "again" })).status).toBe(410);
  });

  test("reactions are one per person per emoji, idempotent, and aggregated", async () => {
    const m = await post(alice, general, { body_md: "react to me" });
    const thumbs = encodeURIComponent("👍");
    await call(alice, "PUT", `/api/messages/${m.id}/reactions/${thumbs}`);
    await call(alice, "PUT", `/api/messages/${m.id}/reactions/${thumbs}`);
    const seen = await call<Message>(carol, "PUT", `/api/messages/${m.id}/reactions/${thumbs}`);
    expect(seen.reactions).toEqual([expect.objectContaining({ emoji: "👍", count: 2, reacted_by_me: true })]);
    await call(alice, "DELETE", `/api/messages/${m.id}/reactions/${thumbs}`);
    await call(alice, "DELETE", `/api/messages/${m.id}/reactions/${thumbs}`);
    const after = await call<Message>(alice, "GET", `/api/messages/${m.id}`);
    expect(after.reactions).toEqual([
      expect.objectContaining({ emoji: "👍", count: 1, reacted_by_me: false }),
    ]);
    const text = await t.call(alice, "PUT", `/api/messages/${m.id}/reactions/lol`);
    expect(text.status).toBe(400);
    expect((await errorOf(text)).code).toBe("invalid_emoji");
  });

  test("the answer to a post is the same message a later read returns", async () => {
    const posted = await post(alice, general, { body_md: "for @carol and @dave, cc @here" });
    const read = await call<Message>(alice, "GET", `/api/messages/${posted.id}`);
    expect(JSON.parse(JSON.stringify(posted))).toEqual(JSON.parse(JSON.stringify(read)));
  });

  test("mentions are parsed outside code and returned structured", async () => {
    const m = await post(alice, general, { body_md: "hey @carol, see `@dave` and @nobody and @channel" });
    expect(m.mentions.map((x) => [x.type, x.username])).toEqual([
      ["user", "carol"],
      ["channel", null],
    ]);
  });

  test("an unread count stops at the cap however far behind, and is exact again below it", async () => {
    const ch = await call<Channel>(alice, "POST", "/api/communities/acme/channels", { name: "far-behind" });
    await call(carol, "POST", `/api/channels/${ch.id}/join`);
    const posted: { id: string }[] = [];
    for (let i = 0; i < UNREAD_COUNT_CAP + 20; i++)
      posted.push(await post(alice, ch.id, { body_md: `line ${i}` }));
    const unreadOf = async () => (await channelsOf(carol)).find((c) => c.id === ch.id)?.unread_count;
    expect(await unreadOf()).toBe(UNREAD_COUNT_CAP);
    await call(carol, "POST", `/api/channels/${ch.id}/read`, { message_id: posted[29]?.id });
    expect(await unreadOf()).toBe(UNREAD_COUNT_CAP - 10);
    await call(carol, "POST", `/api/channels/${ch.id}/read`, { message_id: posted.at(-1)?.id });
    expect(await unreadOf()).toBe(0);
  });

  test("unread and mention counts follow the read position, and reading clears notifications", async () => {
    const ch = await call<Channel>(alice, "POST", "/api/communities/acme/channels", { name: "counts" });
    await call(carol, "POST", `/api/channels/${ch.id}/join`);
    await post(alice, ch.id, { body_md: "one" });
    const last = await post(alice, ch.id, { body_md: "two, @carol" });
    const mine = (await channelsOf(carol)).find((c) => c.id === ch.id) as Channel;
    expect(mine).toMatchObject({ unread_count: 2, mention_count: 1 });
    expect((await channelsOf(alice)).find((c) => c.id === ch.id)).toMatchObject({ unread_count: 0 });
    t.events.length = 0;
    await call(carol, "POST", `/api/channels/${ch.id}/read`, { message_id: last.id });
    expect((await channelsOf(carol)).find((c) => c.id === ch.id)).toMatchObject({
      unread_count: 0,
      mention_count: 0,
    });
    await t.delivered();
    expect(t.events.map((e) => [e.subject, e.event.type])).toEqual([
      [`chat.notifications.${carol.id}`, "channel.read"],
    ]);
  });

  test("notifications come for mentions, DMs, thread replies, channel invites and role changes — never for your own acts", async () => {
    const before = await call<{ unread_count: number }>(dave, "GET", "/api/notifications?unread=true");
    const parent = await post(dave, general, { body_md: "dave's thread" });
    await post(carol, general, { body_md: "reply to dave", parent_id: parent.id });
    await post(carol, general, { body_md: "@dave look" });
    const dm = await call<{ id: string }>(carol, "POST", "/api/dm", { user_ids: [dave.id] });
    await post(carol, dm.id, { body_md: "psst" });
    const priv = await call<Channel>(carol, "POST", "/api/communities/acme/channels", {
      name: "carols",
      visibility: "private",
    });
    await call(carol, "POST", `/api/channels/${priv.id}/members`, { user_id: dave.id });
    await post(dave, general, { body_md: "talking to @dave myself" });
    const list = await call<{ items: { type: string; preview: string | null }[]; unread_count: number }>(
      dave,
      "GET",
      "/api/notifications?unread=true",
    );
    expect(list.unread_count - before.unread_count).toBe(4);
    expect(list.items.slice(0, 4).map((n) => n.type)).toEqual(["invite", "dm", "mention", "thread_reply"]);
    expect(list.items.map((n) => n.preview)).not.toContain("talking to @dave myself");
    await call(alice, "PATCH", `/api/communities/acme/members/${carol.id}`, { role: "admin" });
    const carols = await call<{ items: { type: string; data: Json }[] }>(
      carol,
      "GET",
      "/api/notifications?unread=true",
    );
    expect(carols.items[0]).toMatchObject({ type: "system", data: { kind: "role_changed", role: "admin" } });
    await call(alice, "PATCH", `/api/communities/acme/members/${carol.id}`, { role: "member" });
    const read = await call<{ read_ids: string[] }>(dave, "POST", "/api/notifications/read", { all: true });
    expect(read.read_ids.length).toBeGreaterThanOrEqual(4);
    expect((await call<{ unread_count: number }>(dave, "GET", "/api/notifications")).unread_count).toBe(0);
  });

  test("someone who left a private channel no longer sees its messages in their notifications", async () => {
    const club = await call<Channel>(alice, "POST", "/api/communities/acme/channels", {
      name: "club",
      visibility: "private",
    });
    await call(alice, "POST", `/api/channels/${club.id}/members`, { user_id: carol.id });
    await post(alice, club.id, { body_md: "CLUB-ONLY words for @carol" });
    const before = await t.call(carol, "GET", "/api/notifications");
    expect(await before.text()).toContain("CLUB-ONLY");
    await call(carol, "POST", `/api/channels/${club.id}/leave`);
    const after = await t.call(carol, "GET", "/api/notifications");
    expect(after.status).toBe(200);
    expect(await after.text()).not.toContain("CLUB-ONLY");
  });

  test("a DM is found again, from any community, and group DMs are their own channel", async () => {
    await t.join(carol, "globex");
    const one = await call<{ id: string; type: string }>(bob, "POST", "/api/dm", { user_ids: [carol.id] });
    const again = await call<{ id: string }>(carol, "POST", "/api/dm", { user_ids: [bob.id, bob.id] });
    expect(again.id).toBe(one.id);
    expect(one.type).toBe("dm");
    const group = await call<{ id: string; type: string }>(carol, "POST", "/api/dm", {
      user_ids: [bob.id, alice.id],
    });
    expect(group.type).toBe("group_dm");
    expect(group.id).not.toBe(one.id);
    const dms = await call<Page<{ id: string }>>(carol, "GET", "/api/dm");
    expect(dms.items.map((d) => d.id)).toEqual(expect.arrayContaining([one.id, group.id]));
  });

  test("nobody starts a DM with a stranger", async () => {
    const stranger = await t.person("erin");
    const res = await t.call(alice, "POST", "/api/dm", { user_ids: [stranger.id] });
    expect(res.status).toBe(404);
  });

  test("a muted member cannot post until the mute expires", async () => {
    const community = await call<{ id: string }>(alice, "GET", "/api/communities/acme");
    await t.database.db
      .insert(communityMutes)
      .values({ communityId: community.id, userId: carol.id, expiresAt: new Date(Date.now() + 60_000) });
    const res = await t.call(carol, "POST", `/api/channels/${general}/messages`, { body_md: "can I talk?" });
    expect(res.status).toBe(403);
    expect((await errorOf(res)).message).toContain("muted");
    await t.database.db.delete(communityMutes);
    expect(
      (await t.call(carol, "POST", `/api/channels/${general}/messages`, { body_md: "now I can" })).status,
    ).toBe(201);
  });

  test("an admin cannot change the owner's role", async () => {
    const res = await t.call(dave, "PATCH", `/api/communities/acme/members/${alice.id}`, { role: "member" });
    expect(res.status).toBe(403);
  });

  test("requests without a valid token are 401", async () => {
    expect((await t.call(null, "GET", "/api/me")).status).toBe(401);
    expect((await t.call("ajs_0000.nope", "GET", "/api/me")).status).toBe(401);
    expect((await t.call(`${alice.token.slice(0, -2)}xx`, "GET", "/api/me")).status).toBe(401);
  });
});

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import type { Envelope } from "../../lib/bus/envelope.ts";
import { mentions } from "../../lib/db/schema.ts";
import { DB_KINDS, type Person, startTestApi, type TestApi } from "../support/api.ts";

interface Notification {
  id: string;
  type: string;
  reason: string | null;
  source_id: string;
  channel_id: string | null;
}
interface ChannelJson {
  id: string;
  notify: string;
  muted: boolean;
  unread_count?: number;
  mention_count?: number;
}

// Notification preferences, do-not-disturb, "why", and mentions added by an edit, through the API.
describe.each(DB_KINDS)("notifications people can live with, on %s", (kind) => {
  let t: TestApi;
  let alice: Person;
  let bob: Person;
  let carol: Person;

  const call = <T = { id: string }>(who: Person, method: string, path: string, body?: unknown) =>
    t.json<T>(who, method, path, body);
  const newChannel = async (name: string) => {
    const id = (await call(alice, "POST", "/api/communities/acme/channels", { name })).id;
    await call(bob, "POST", `/api/channels/${id}/join`);
    await call(carol, "POST", `/api/channels/${id}/join`);
    return id;
  };
  const post = (who: Person, channel: string, body_md: string) =>
    call<{ id: string }>(who, "POST", `/api/channels/${channel}/messages`, { body_md });
  const notificationsAbout = async (who: Person, messageId: string) =>
    (await call<{ items: Notification[] }>(who, "GET", "/api/notifications?limit=200")).items.filter(
      (n) => n.source_id === messageId,
    );
  /** The notification.created events sent to `who` about a message, with whether they ring. */
  const told = async (who: Person, messageId: string) => {
    await t.delivered();
    return t.events
      .filter((e) => e.subject === `chat.notifications.${who.id}` && e.event.type === "notification.created")
      .map((e) => e.event as Envelope)
      .filter((e) => (e.data.notification as Notification).source_id === messageId)
      .map((e) => ({ reason: (e.data.notification as Notification).reason, ring: e.data.ring }));
  };
  const channelOf = async (who: Person, id: string) =>
    (await call<{ items: ChannelJson[] }>(who, "GET", "/api/communities/acme/channels")).items.find(
      (c) => c.id === id,
    ) as ChannelJson;

  beforeAll(async () => {
    t = await startTestApi(kind);
    [alice, bob, carol] = (await Promise.all(["alice", "bob", "carol"].map((n) => t.person(n)))) as [
      Person,
      Person,
      Person,
    ];
    await call(alice, "POST", "/api/communities", { name: "Acme", slug: "acme" });
    await t.join(bob, "acme");
    await t.join(carol, "acme");
  });
  afterAll(() => t.close());

  test("each notification says which rule fired: a mention, @channel, a DM, a thread reply, the channel set to all", async () => {
    const room = await newChannel("why-room");
    await call(carol, "PUT", `/api/channels/${room}/notifications`, { notify: "all" });
    const mention = await post(alice, room, "@bob look");
    expect(await told(bob, mention.id)).toEqual([{ reason: "mention", ring: true }]);
    expect(await told(carol, mention.id)).toEqual([{ reason: "all", ring: true }]);
    const everyone = await post(alice, room, "@channel lunch");
    expect((await notificationsAbout(bob, everyone.id)).map((n) => [n.type, n.reason])).toEqual([
      ["mention", "channel"],
    ]);
    const reply = await call(carol, "POST", `/api/channels/${room}/messages`, {
      body_md: "me too",
      parent_id: mention.id,
    });
    expect((await notificationsAbout(alice, reply.id)).map((n) => n.reason)).toEqual(["thread"]);
    const dm = await call(alice, "POST", "/api/dm", { user_ids: [bob.id] });
    const said = await post(alice, dm.id, "psst");
    expect((await notificationsAbout(bob, said.id)).map((n) => [n.type, n.reason])).toEqual([["dm", "dm"]]);
    // The default in a channel is mentions: a plain message notifies nobody who kept it.
    const plain = await post(alice, room, "just chatting");
    expect(await notificationsAbout(bob, plain.id)).toEqual([]);
    expect((await notificationsAbout(carol, plain.id)).map((n) => n.reason)).toEqual(["all"]);
  });

  test("nothing silences even mentions; mentions keeps them; a muted channel keeps mentions but rings nothing and weighs no unread", async () => {
    const noisy = await newChannel("noisy");
    await post(alice, noisy, "hello");
    expect((await channelOf(bob, noisy)).unread_count).toBe(1);

    const muted = await call<ChannelJson>(bob, "PUT", `/api/channels/${noisy}/notifications`, {
      muted: true,
    });
    expect(muted).toMatchObject({ id: noisy, notify: "mentions", muted: true });
    await post(alice, noisy, "more noise");
    const ping = await post(alice, noisy, "@bob this one matters");
    const bobNoisy = await channelOf(bob, noisy);
    expect(bobNoisy.unread_count).toBe(0);
    expect(bobNoisy.mention_count).toBe(1);
    expect(await told(bob, ping.id)).toEqual([{ reason: "mention", ring: false }]);
    expect((await channelOf(carol, noisy)).unread_count).toBe(3);

    await call(carol, "PUT", `/api/channels/${noisy}/notifications`, { notify: "nothing" });
    const silenced = await post(alice, noisy, "@carol and @channel");
    expect(await notificationsAbout(carol, silenced.id)).toEqual([]);
    expect((await notificationsAbout(bob, silenced.id)).map((n) => n.reason)).toEqual(["channel"]);
  });

  test("preferences are only for members, with the uniform error body for bad levels", async () => {
    const other = (await call(alice, "POST", "/api/communities/acme/channels", { name: "unjoined" })).id;
    const notMember = await t.call(bob, "PUT", `/api/channels/${other}/notifications`, { muted: true });
    expect(notMember.status).toBe(409);
    const bad = await t.call(alice, "PUT", `/api/channels/${other}/notifications`, { notify: "loud" });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBeString();
    const secret = (
      await call(alice, "POST", "/api/communities/acme/channels", { name: "hush", visibility: "private" })
    ).id;
    expect((await t.call(bob, "PUT", `/api/channels/${secret}/notifications`, { muted: true })).status).toBe(
      404,
    );
  });

  test("do not disturb keeps notifications but rings none, until it is turned off", async () => {
    const room = await newChannel("dnd-room");
    const me = await call<{ dnd_until: string | null }>(bob, "PUT", "/api/me/dnd", { minutes: 60 });
    expect(Date.parse(me.dnd_until ?? "")).toBeGreaterThan(Date.now() + 59 * 60_000);
    const quiet = await post(alice, room, "@bob while you rest");
    expect(await told(bob, quiet.id)).toEqual([{ reason: "mention", ring: false }]);
    expect(await notificationsAbout(bob, quiet.id)).toHaveLength(1);

    expect(
      (await call<{ dnd_until: string | null }>(bob, "PUT", "/api/me/dnd", { minutes: null })).dnd_until,
    ).toBe(null);
    const loud = await post(alice, room, "@bob you're back");
    expect(await told(bob, loud.id)).toEqual([{ reason: "mention", ring: true }]);
    expect((await t.call(bob, "PUT", "/api/me/dnd", { minutes: 0 })).status).toBe(400);
  });

  test("an edit that adds a mention notifies the newly mentioned once; removing it takes nothing back", async () => {
    const room = await newChannel("edits");
    const m = await post(alice, room, "draft for someone");
    expect(await notificationsAbout(carol, m.id)).toEqual([]);
    await call(alice, "PATCH", `/api/messages/${m.id}`, { body_md: "draft for @carol" });
    expect((await notificationsAbout(carol, m.id)).map((n) => [n.type, n.reason])).toEqual([
      ["mention", "mention"],
    ]);
    await call(alice, "PATCH", `/api/messages/${m.id}`, { body_md: "draft for nobody" });
    await call(alice, "PATCH", `/api/messages/${m.id}`, { body_md: "draft for @carol and @bob" });
    expect(await notificationsAbout(carol, m.id)).toHaveLength(1);
    expect(await told(carol, m.id)).toHaveLength(1);
    expect((await notificationsAbout(bob, m.id)).map((n) => n.reason)).toEqual(["mention"]);
    expect(await notificationsAbout(alice, m.id)).toEqual([]);
  });

  test("an edit mentioning someone who cannot read the private channel tells them nothing and stores no mention of them", async () => {
    const hush = (
      await call(alice, "POST", "/api/communities/acme/channels", {
        name: "edit-hush",
        visibility: "private",
      })
    ).id;
    await call(alice, "POST", `/api/channels/${hush}/members`, { user_id: bob.id });
    const m = await post(alice, hush, "a secret for someone");
    await call(alice, "PATCH", `/api/messages/${m.id}`, { body_md: "a secret for @carol and @bob" });
    expect(await notificationsAbout(carol, m.id)).toEqual([]);
    expect(await told(carol, m.id)).toEqual([]);
    expect(await told(bob, m.id)).toEqual([{ reason: "mention", ring: true }]);
    const stored = await t.database.db
      .select({ type: mentions.targetType, userId: mentions.targetId })
      .from(mentions)
      .where(eq(mentions.messageId, m.id));
    expect(stored).toEqual([{ type: "user", userId: bob.id }]);
  });
});

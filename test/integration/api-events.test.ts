import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import { messages } from "../../lib/db/schema.ts";
import { DB_KINDS, type Person, startTestApi, type TestApi } from "../support/api.ts";
import { errorOf } from "../support/http.ts";

interface Channel {
  id: string;
  name: string;
}

describe.each(DB_KINDS)("events, idempotency and query counts on %s", (kind) => {
  let t: TestApi;
  let alice: Person;
  let carol: Person;
  let bob: Person;
  let community: string;
  let general: string;

  const call = <T = Record<string, unknown>>(who: Person, method: string, path: string, body?: unknown) =>
    t.json<T>(who, method, path, body);
  /** The events published while `act` ran, as [subject, type] pairs. */
  const published = async (act: () => Promise<unknown>) => {
    await t.delivered();
    t.events.length = 0;
    await act();
    await t.delivered();
    return t.events.map((e) => [e.subject, e.event.type]);
  };

  beforeAll(async () => {
    t = await startTestApi(kind);
    [alice, carol, bob] = (await Promise.all(["alice", "carol", "bob"].map((n) => t.person(n)))) as [
      Person,
      Person,
      Person,
    ];
    community = (
      await call<{ id: string }>(alice, "POST", "/api/communities", { name: "Acme", slug: "acme" })
    ).id;
    await t.join(carol, "acme");
    const channels = await call<{ items: Channel[] }>(alice, "GET", "/api/communities/acme/channels");
    general = (channels.items[0] as Channel).id;
    await call(carol, "POST", `/api/channels/${general}/join`);
  });
  afterAll(() => t.close());

  test("three racing sends with one client_msg_id make one row, one event and three identical answers", async () => {
    let answers: Response[] = [];
    const events = await published(async () => {
      answers = await Promise.all(
        [1, 2, 3].map(() =>
          t.call(alice, "POST", `/api/channels/${general}/messages`, {
            body_md: "exactly once",
            client_msg_id: "retry-1",
          }),
        ),
      );
    });
    const bodies = await Promise.all(answers.map((r) => r.json()));
    expect(new Set(bodies.map((b) => JSON.stringify(b))).size).toBe(1);
    expect(answers.map((r) => r.status).sort()).toEqual([200, 200, 201]);
    const rows = await t.database.db.select().from(messages).where(eq(messages.clientMsgId, "retry-1"));
    expect(rows).toHaveLength(1);
    expect(events).toEqual([[`chat.events.${community}`, "message.created"]]);
  });

  test("the same key for another channel is a conflict, not a second message", async () => {
    const other = await call<Channel>(alice, "POST", "/api/communities/acme/channels", { name: "other" });
    const res = await t.call(alice, "POST", `/api/channels/${other.id}/messages`, {
      body_md: "x",
      client_msg_id: "retry-1",
    });
    expect(res.status).toBe(409);
  });

  test("a post publishes the message on the community subject and a notification to whom it mentions", async () => {
    let id = "";
    const events = await published(async () => {
      id = (
        await call<{ id: string }>(alice, "POST", `/api/channels/${general}/messages`, {
          body_md: "hi @carol",
        })
      ).id;
    });
    expect(events).toEqual([
      [`chat.events.${community}`, "message.created"],
      [`chat.notifications.${carol.id}`, "notification.created"],
    ]);
    const created = t.events[0]?.event;
    expect(created).toMatchObject({
      type: "message.created",
      community_id: community,
      channel_id: general,
      actor_id: alice.id,
      data: { message: { id, body_md: "hi @carol", author: { username: "alice" } } },
    });
  });

  test("edits, deletes, reactions and channel changes each publish exactly their event", async () => {
    const m = await call<{ id: string }>(alice, "POST", `/api/channels/${general}/messages`, {
      body_md: "to change",
    });
    const subject = `chat.events.${community}`;
    expect(
      await published(() => call(alice, "PATCH", `/api/messages/${m.id}`, { body_md: "changed" })),
    ).toEqual([[subject, "message.updated"]]);
    const react = () => call(carol, "PUT", `/api/messages/${m.id}/reactions/${encodeURIComponent("🎉")}`);
    expect(await published(react)).toEqual([[subject, "reaction.added"]]);
    expect(await published(react)).toEqual([]);
    expect(await published(() => call(alice, "DELETE", `/api/messages/${m.id}`))).toEqual([
      [subject, "message.deleted"],
    ]);
    expect(
      await published(() => call(alice, "PATCH", `/api/channels/${general}`, { topic: "new topic" })),
    ).toEqual([[subject, "channel.updated"]]);
  });

  test("a DM's events go on the DM's own subject, never a community's", async () => {
    const dm = await call<{ id: string }>(alice, "POST", "/api/dm", { user_ids: [carol.id] });
    const events = await published(() =>
      call(alice, "POST", `/api/channels/${dm.id}/messages`, { body_md: "private" }),
    );
    expect(events).toEqual([
      [`chat.dm.${dm.id}`, "message.created"],
      [`chat.notifications.${carol.id}`, "notification.created"],
    ]);
  });

  test("a private channel's creation is not announced to the community", async () => {
    const events = await published(() =>
      call(alice, "POST", "/api/communities/acme/channels", { name: "hush", visibility: "private" }),
    );
    expect(events).toEqual([]);
  });

  test("a write that fails publishes nothing", async () => {
    const refusals: [number, string][] = [];
    const refused = async (answer: Promise<Response>) => {
      const res = await answer;
      refusals.push([res.status, (await errorOf(res)).code]);
    };
    const events = await published(async () => {
      await refused(t.call(bob, "POST", `/api/channels/${general}/messages`, { body_md: "intruder" }));
      await refused(t.call(carol, "POST", `/api/channels/${general}/messages`, { body_md: "" }));
      await refused(
        t.call(carol, "POST", `/api/channels/${general}/messages`, {
          body_md: "x",
          parent_id: crypto.randomUUID(),
        }),
      );
      await refused(
        t.call(carol, "PUT", `/api/messages/${crypto.randomUUID()}/reactions/${encodeURIComponent("👍")}`),
      );
      await refused(t.call(carol, "POST", "/api/communities/acme/channels", { name: "general" }));
    });
    // Each call failed the way it was meant to (not, say, all at the door), and none of them published.
    expect(refusals).toEqual([
      [404, "not_found"],
      [400, "invalid_request"],
      [404, "not_found"],
      [404, "not_found"],
      [409, "conflict"],
    ]);
    expect(events).toEqual([]);
  });

  test("a history page of 50 messages with reactions, replies and mentions takes a fixed number of queries", async () => {
    const ch = await call<Channel>(alice, "POST", "/api/communities/acme/channels", { name: "busy" });
    await call(carol, "POST", `/api/channels/${ch.id}/join`);
    const count = async (n: number) => {
      for (let i = 0; i < n; i++) {
        const m = await call<{ id: string }>(alice, "POST", `/api/channels/${ch.id}/messages`, {
          body_md: `busy ${i} @carol`,
        });
        await call(carol, "PUT", `/api/messages/${m.id}/reactions/${encodeURIComponent("👍")}`);
        await call(carol, "POST", `/api/channels/${ch.id}/messages`, { body_md: "reply", parent_id: m.id });
      }
      t.queries.length = 0;
      await call(alice, "GET", `/api/channels/${ch.id}/messages?limit=50`);
      return t.queries.length;
    };
    const few = await count(5);
    const many = await count(45);
    expect(many).toBe(few);
    expect(many).toBeLessThanOrEqual(12);
  });

  test("the channel list with counts takes a fixed number of queries however many channels", async () => {
    const listQueries = async () => {
      t.queries.length = 0;
      await call(carol, "GET", "/api/communities/acme/channels");
      return t.queries.length;
    };
    const before = await listQueries();
    for (let i = 0; i < 10; i++)
      await call(alice, "POST", "/api/communities/acme/channels", { name: `many-${i}` });
    expect(await listQueries()).toBe(before);
  });
});

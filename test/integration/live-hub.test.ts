import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { envelope } from "../../lib/bus/envelope.ts";
import { subjects } from "../../lib/bus/subjects.ts";
import type { Transport } from "../../lib/client/api-client.ts";
import { ApiClient } from "../../lib/client/api-client.ts";
import { channelMembers, channels } from "../../lib/db/schema.ts";
import { requestUpstream } from "../../lib/http/proxy.ts";
import { createLiveHub, type LiveConnection, type LiveHub, type LiveItem } from "../../lib/live/hub.ts";
import { acmeWithSecret, type Person, startTestApi, type TestApi } from "../support/api.ts";
import { TEST_INTERNAL_SECRET } from "../support/internal.ts";
import { waitFor } from "../support/ports.ts";

// The session managers' fan-out, over the real API (PGlite) and its in-process bus.
describe("the live hub", () => {
  let t: TestApi;
  let hub: LiveHub;
  let alice: Person;
  let bob: Person;
  let carol: Person;
  let community: string;
  let general: string;
  let secret: string;
  const open: LiveConnection[] = [];

  const call = <T = { id: string }>(who: Person, method: string, path: string, body?: unknown) =>
    t.json<T>(who, method, path, body);
  const toApi: Transport = (path, init) =>
    requestUpstream({ name: "api", app: t.app, secret: TEST_INTERNAL_SECRET }, path, init);
  const client = (who: Person, transport = toApi) => new ApiClient(transport, who.token);

  /** A connection that records what it is sent. */
  async function connect(who: Person, slug: string | null, lastEventId?: number, transport = toApi) {
    const items: LiveItem[] = [];
    const conn = await hub.connect({
      api: client(who, transport),
      communitySlug: slug,
      lastEventId,
      deliver: (i) => items.push(i),
    });
    open.push(conn);
    const bodies = () =>
      items.flatMap((i) => {
        if (i.kind !== "event") return [];
        const m = i.event.data.message as { body_md?: string } | undefined;
        return m?.body_md ? [m.body_md] : [];
      });
    const seqs = () => items.flatMap((i) => (i.kind === "event" && i.seq !== undefined ? [i.seq] : []));
    return { conn, items, bodies, seqs };
  }
  const post = (who: Person, channel: string, body_md: string) =>
    call(who, "POST", `/api/channels/${channel}/messages`, { body_md });
  const typing = (channel: string, who = alice) =>
    t.bus.publish(
      subjects.typing(community, channel),
      envelope("typing.start", { community_id: community, channel_id: channel, actor_id: who.id }),
    );
  const typed = (x: { items: LiveItem[] }) =>
    x.items.flatMap((i) =>
      i.kind === "event" && i.event.type === "typing.start" ? [i.event.channel_id] : [],
    );
  /** A new private channel of alice's with `others` in it. */
  async function privateChannel(name: string, others: Person[]) {
    const id = (await call(alice, "POST", "/api/communities/acme/channels", { name, visibility: "private" }))
      .id;
    for (const p of others) await call(alice, "POST", `/api/channels/${id}/members`, { user_id: p.id });
    return id;
  }

  beforeAll(async () => {
    t = await startTestApi("pglite");
    hub = await createLiveHub({ bus: t.bus });
    [alice, bob, carol] = (await Promise.all(["alice", "bob", "carol"].map((n) => t.person(n)))) as [
      Person,
      Person,
      Person,
    ];
    ({ community, general, secret } = await acmeWithSecret(t, alice));
    await t.join(bob, "acme");
    await t.join(carol, "acme");
    // A public channel's messages reach the people in it: bob and carol are in #general, as an
    // invite leaves a new member.
    await call(bob, "POST", `/api/channels/${general}/join`);
    await call(carol, "POST", `/api/channels/${general}/join`);
    await call(alice, "POST", `/api/channels/${secret}/members`, { user_id: bob.id });
  });
  afterAll(async () => {
    for (const c of open) c.close();
    await hub.stop();
    await t.close();
  });

  test("the hub learns who is reading from their token, and refuses a token that is no good", async () => {
    const a = await connect(alice, "acme");
    expect(a.conn.userId).toBe(alice.id);
    expect(a.conn.communityId).toBe(community);
    const size = hub.size;
    const stranger = client({ ...alice, token: "ajs_nope.nope" });
    const refused = hub.connect({ api: stranger, communitySlug: "acme", deliver: () => {} });
    // Awaited, not `expect(…).rejects`, which waits without running the loop the database answers through.
    expect(await refused.catch((err: unknown) => err)).toMatchObject({
      kind: "unauthorized",
      code: "unauthorized",
    });
    expect(hub.size).toBe(size);
  });

  test("a message reaches everyone shown the community, a private one only its members", async () => {
    const a = await connect(alice, "acme");
    const b = await connect(bob, "acme");
    const c = await connect(carol, "acme");
    await post(alice, secret, "for the secret few");
    await post(alice, general, "for everyone");
    await waitFor(() => expect(c.bodies()).toContain("for everyone"));
    await waitFor(() => expect(b.bodies()).toEqual(["for the secret few", "for everyone"]));
    expect(a.bodies()).toEqual(["for the secret few", "for everyone"]);
    expect(c.bodies()).toEqual(["for everyone"]);
    expect(JSON.stringify(c.items)).not.toContain("secret few");
  });

  test("a DM reaches its two people wherever they are, and nobody else — even a brand-new DM", async () => {
    const b = await connect(bob, null);
    const c = await connect(carol, "acme");
    const dm = await call(alice, "POST", "/api/dm", { user_ids: [bob.id] });
    await post(alice, dm.id, "just between us");
    await post(alice, general, "sentinel");
    await waitFor(() => expect(c.bodies()).toContain("sentinel"));
    await waitFor(() => expect(b.bodies()).toContain("just between us"));
    expect(c.bodies()).not.toContain("just between us");
    expect(b.bodies()).not.toContain("sentinel");
  });

  test("notifications reach only their person", async () => {
    const b = await connect(bob, "acme");
    const c = await connect(carol, "acme");
    await post(alice, general, "hey @bob");
    await waitFor(() =>
      expect(b.items.some((i) => i.kind === "event" && i.event.type === "notification.created")).toBe(true),
    );
    await waitFor(() => expect(c.bodies()).toContain("hey @bob"));
    expect(c.items.some((i) => i.kind === "event" && i.event.type === "notification.created")).toBe(false);
  });

  test("typing in a private channel shows only to its members, never to the typist", async () => {
    const a = await connect(alice, "acme");
    const b = await connect(bob, "acme");
    const c = await connect(carol, "acme");
    await typing(secret);
    await typing(general);
    await waitFor(() => expect(typed(c)).toEqual([general]));
    await waitFor(() => expect(typed(b)).toEqual([secret, general]));
    expect(typed(a)).toEqual([]);
  });

  test("a client resuming with its last event id gets exactly what it missed, in order", async () => {
    const first = await connect(bob, "acme");
    await post(alice, general, "seen live");
    await waitFor(() => expect(first.bodies()).toContain("seen live"));
    const last = Math.max(...first.seqs());
    first.conn.close();
    for (const body of ["missed 1", "missed 2", "missed 3"]) await post(alice, general, body);
    const resumed = await connect(bob, "acme", last);
    await post(alice, general, "live again");
    await waitFor(() => expect(resumed.bodies()).toContain("live again"));
    expect(resumed.bodies()).toEqual(["missed 1", "missed 2", "missed 3", "live again"]);
    const seqs = resumed.seqs();
    expect([...seqs].sort((x, y) => x - y)).toEqual(seqs);
    expect(new Set(seqs).size).toBe(seqs.length);
  });

  test("events queued behind a fan-out longer than one turn reach every stream once and in order; a stream opened between them gets only the later ones", async () => {
    // More streams than one turn writes (200), so the events behind the first wait for it and then
    // go out together, stream by stream.
    // Opened at once under one reader key, so they share one read of bob's access.
    const many = await Promise.all(
      Array.from({ length: 230 }, async () => {
        const items: LiveItem[] = [];
        open.push(
          await hub.connect({
            api: client(bob),
            communitySlug: "acme",
            readerKey: `bob ${bob.token}`,
            deliver: (i) => items.push(i),
          }),
        );
        return { items };
      }),
    );
    const typingNumbered = (n: number) =>
      t.bus.publish(
        subjects.typing(community, general),
        envelope("typing.start", {
          community_id: community,
          channel_id: general,
          actor_id: alice.id,
          data: { n },
        }),
      );
    const numbers = (x: { items: LiveItem[] }) =>
      x.items.flatMap((i) => (i.kind === "event" && i.event.type === "typing.start" ? [i.event.data.n] : []));
    await typingNumbered(1);
    await typingNumbered(2);
    // Registered at once, before its reader is known: what comes from now on is held for it.
    const opening = connect(carol, "acme");
    await Promise.all([3, 4, 5].map(typingNumbered));
    await waitFor(() => {
      for (const stream of many) expect(numbers(stream)).toEqual([1, 2, 3, 4, 5]);
    });
    const newcomer = await opening;
    await waitFor(() => expect(numbers(newcomer)).toEqual([3, 4, 5]));
  });

  test("a resume from too long ago is told to resync", async () => {
    const r = await connect(bob, "acme", 1);
    expect(r.items[0]).toEqual({ kind: "resync", reason: "missed more than can be replayed" });
    expect(r.items[1]?.kind).toBe("ready");
  });

  test("presence goes out as a batch of changes, only about relevant people", async () => {
    const b = await connect(bob, "acme");
    const outsider = await t.person("zed");
    for (const who of [alice, outsider]) {
      await t.bus.publish(
        subjects.presence(community),
        envelope("presence.heartbeat", {
          community_id: community,
          actor_id: who.id,
          data: { user_id: who.id, last_seen_at: new Date().toISOString() },
        }),
      );
    }
    await t.delivered();
    expect(b.items.some((i) => i.kind === "presence")).toBe(false);
    hub.flushPresence();
    expect(b.items.filter((i) => i.kind === "presence")).toEqual([
      { kind: "presence", changes: [{ user_id: alice.id, online: true }] },
    ]);
    hub.flushPresence();
    expect(b.items.filter((i) => i.kind === "presence")).toHaveLength(1);
  });

  test("a public channel's messages reach its members and streams showing it, not others of the community; joining brings them at once", async () => {
    const random = (await call(alice, "POST", "/api/communities/acme/channels", { name: "random" })).id;
    await call(bob, "POST", `/api/channels/${random}/join`);
    const b = await connect(bob, "acme");
    const c = await connect(carol, "acme");
    const items: LiveItem[] = [];
    // carol's second stream shows #random (a preview), though she has not joined it.
    const preview = await hub.connect({
      api: client(carol),
      communitySlug: "acme",
      watch: [random],
      deliver: (i) => items.push(i),
    });
    open.push(preview);
    await post(alice, random, "random chatter");
    await call(alice, "PATCH", `/api/channels/${random}`, { topic: "anything goes" });
    await post(alice, general, "sentinel 3");
    await waitFor(() => expect(c.bodies()).toContain("sentinel 3"));
    await waitFor(() => expect(b.bodies()).toContain("sentinel 3"));
    expect(b.bodies()).toContain("random chatter");
    expect(c.bodies()).not.toContain("random chatter");
    // The channel's own news still reaches the whole community (the channel list shows it).
    expect(c.items.some((i) => i.kind === "event" && i.event.type === "channel.updated")).toBe(true);
    const previewed = items.flatMap((i) =>
      i.kind === "event" && i.event.type === "message.created"
        ? [(i.event.data.message as { body_md: string }).body_md]
        : [],
    );
    await waitFor(() => expect(previewed).toContain("random chatter"));
    // Watching a private channel one is not in shows nothing of it, not even who types there.
    preview.watch([secret]);
    await typing(secret);
    await post(alice, secret, "still secret");
    // The preview closed: #random's messages stop reaching that stream.
    await post(alice, random, "after the preview");
    await post(alice, general, "sentinel 5");
    await waitFor(() =>
      expect(items.some((i) => i.kind === "event" && JSON.stringify(i.event).includes("sentinel 5"))).toBe(
        true,
      ),
    );
    expect(JSON.stringify(items)).not.toContain("after the preview");
    expect(JSON.stringify(items)).not.toContain("still secret");
    expect(items.some((i) => i.kind === "event" && i.event.type === "typing.start")).toBe(false);
    // Joining is learnt from its event: the very next message arrives, with no re-read in between.
    await call(carol, "POST", `/api/channels/${random}/join`);
    await post(alice, random, "welcome carol");
    await waitFor(() => expect(c.bodies()).toContain("welcome carol"));
    await call(carol, "POST", `/api/channels/${random}/leave`);
    await post(alice, random, "after carol left");
    await post(alice, general, "sentinel 4");
    await waitFor(() => expect(c.bodies()).toContain("sentinel 4"));
    expect(c.bodies()).not.toContain("after carol left");
  });

  test("presence covers the community's members as they come and go, read once for all its streams", async () => {
    const contextReads: string[] = [];
    const counting: Transport = (path, init) => {
      if (path.startsWith("/api/live/context")) contextReads.push(path);
      return toApi(path, init);
    };
    const b = await connect(bob, "acme", undefined, counting);
    const c = await connect(carol, "acme", undefined, counting);
    // The hub read the members of acme before (its first stream); these two read only their own.
    expect(contextReads.filter((p) => p.includes("members=true"))).toEqual([]);
    const erin = await t.person("erin");
    await t.join(erin, "acme");
    await t.bus.publish(
      subjects.communityEvents(community),
      envelope("member.joined", { community_id: community, actor_id: erin.id, data: { user_id: erin.id } }),
    );
    const beat = (who: Person) =>
      t.bus.publish(
        subjects.presence(community),
        envelope("presence.heartbeat", {
          community_id: community,
          actor_id: who.id,
          data: { user_id: who.id, last_seen_at: new Date().toISOString() },
        }),
      );
    await beat(erin);
    await beat(bob);
    await waitFor(() => {
      hub.flushPresence();
      const told = c.items.flatMap((i) => (i.kind === "presence" ? i.changes.map((x) => x.user_id) : []));
      expect(told).toContain(erin.id);
      expect(told).toContain(bob.id);
    });
    // Nobody is told of themselves.
    const toBob = b.items.flatMap((i) => (i.kind === "presence" ? i.changes.map((x) => x.user_id) : []));
    expect(toBob).toContain(erin.id);
    expect(toBob).not.toContain(bob.id);
  });

  test("someone who loses access to the channel stops getting its events", async () => {
    const b = await connect(bob, "acme");
    await call(bob, "POST", `/api/channels/${secret}/leave`);
    await post(alice, secret, "after bob left");
    await post(alice, general, "sentinel 2");
    await waitFor(() => expect(b.bodies()).toContain("sentinel 2"));
    expect(b.bodies()).not.toContain("after bob left");
  });

  test("someone who leaves a private channel stops getting its typing at once, with no message in between", async () => {
    const hush = await privateChannel("hush", [carol]);
    const c = await connect(carol, "acme");
    await typing(hush);
    await waitFor(() => expect(typed(c)).toEqual([hush]));
    await call(carol, "POST", `/api/channels/${hush}/leave`);
    await waitFor(() =>
      expect(c.items.some((i) => i.kind === "event" && i.event.type === "channel.member_left")).toBe(true),
    );
    await typing(hush);
    await typing(general);
    await waitFor(() => expect(typed(c)).toContain(general));
    expect(typed(c)).toEqual([hush, general]);
  });

  test("leaving while the hub re-reads access is not undone by the answer it was already waiting for", async () => {
    const quiet = await privateChannel("quiet", [carol]);
    // A public channel with carol in it, made behind the bus's back: only a re-read of access
    // teaches the hub of it.
    const [probe] = await t.database.db
      .insert(channels)
      .values({ communityId: community, name: "probe", createdBy: alice.id })
      .returning();
    await t.database.db.insert(channelMembers).values({ channelId: probe?.id as string, userId: carol.id });
    let armed = false;
    let release = () => {};
    let reached = () => {};
    const computed = new Promise<void>((resolve) => {
      reached = resolve;
    });
    // Once armed, the next access answer is worked out at once and handed over only when released.
    const gated: Transport = async (path, init) => {
      const res = await toApi(path, init);
      if (armed && path.startsWith("/api/live/context")) {
        armed = false;
        await new Promise<void>((resolve) => {
          release = resolve;
          reached();
        });
      }
      return res;
    };
    const g = await connect(carol, "acme", undefined, gated);
    armed = true;
    // An event of a channel the connection has not heard of makes it re-read its access.
    await t.bus.publish(
      subjects.communityEvents(community),
      envelope("channel.updated", { community_id: community, channel_id: crypto.randomUUID() }),
    );
    await computed;
    await call(carol, "POST", `/api/channels/${quiet}/leave`);
    await waitFor(() =>
      expect(g.items.some((i) => i.kind === "event" && i.event.type === "channel.member_left")).toBe(true),
    );
    release();
    const probeId = probe?.id as string;
    await waitFor(async () => {
      await typing(probeId);
      expect(typed(g)).toContain(probeId);
    });
    await typing(quiet);
    await typing(general);
    await waitFor(() => expect(typed(g)).toContain(general));
    expect(typed(g)).not.toContain(quiet);
  });

  test("a deactivated person's connections end at once, wherever they look; nobody else's do", async () => {
    const dan = await t.person("dan");
    await t.join(dan, "acme");
    const shown = await connect(dan, "acme");
    const dmsOnly = await connect(dan, null);
    const c = await connect(carol, "acme");
    await call(alice, "POST", `/api/users/${dan.id}/deactivate`);
    const closed = (x: { items: LiveItem[] }) => x.items.filter((i) => i.kind === "closed");
    await waitFor(() => expect(closed(shown)).toEqual([{ kind: "closed", reason: "account deactivated" }]));
    await waitFor(() => expect(closed(dmsOnly)).toEqual([{ kind: "closed", reason: "account deactivated" }]));
    await post(alice, general, "after dan");
    await waitFor(() => expect(c.bodies()).toContain("after dan"));
    expect(closed(c)).toEqual([]);
    expect(shown.bodies()).not.toContain("after dan");
  });
});

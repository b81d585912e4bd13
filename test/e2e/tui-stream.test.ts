import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type ChatPerson, type ChatServer, sseReader } from "../support/chat-server.ts";
import { waitFor } from "../support/ports.ts";
import { startTeam } from "../support/team.ts";

// The terminal clients' live stream, through the gateway of a real `bun run start`.
describe("the TUI session manager's stream", () => {
  let chat: ChatServer;
  let alice: ChatPerson;
  let bob: ChatPerson;
  let general = "";
  const opened: { cancel(): Promise<void> | void }[] = [];

  const stream = async (who: ChatPerson, query = "community=acme", lastEventId?: string) => {
    const res = await fetch(`${chat.base}/tui/events?${query}`, {
      headers: {
        authorization: `Bearer ${who.token}`,
        ...(lastEventId ? { "last-event-id": lastEventId } : {}),
      },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toStartWith("text/event-stream");
    const s = sseReader(res);
    opened.push(s);
    return s;
  };
  const say = (who: ChatPerson, body_md: string, channel = general) =>
    chat.api<{ id: string }>(who, "POST", `/api/channels/${channel}/messages`, { body_md });

  beforeAll(async () => {
    const team = await startTeam();
    ({ server: chat, alice, bob } = team);
    general = team.id("general");
  });
  afterAll(async () => {
    for (const s of opened) await s.cancel();
    await chat.stop();
  });

  test("a stream without a token is refused", async () => {
    const res = await fetch(`${chat.base}/tui/events`);
    expect(res.status).toBe(401);
  });

  test("starts with ready, then carries messages posted by others as JSON events with ids", async () => {
    const s = await stream(bob);
    const ready = await s.next((e) => e.event === "ready");
    expect(JSON.parse(ready.data)).toMatchObject({ stream_id: expect.any(String) });
    await say(alice, "hello bob");
    const created = await s.next((e) => e.event === "message.created");
    expect(Number(created.id)).toBeGreaterThan(Number(ready.id));
    expect(JSON.parse(created.data).data.message.body_md).toBe("hello bob");
  });

  test("resuming with Last-Event-ID delivers what was missed, in order, with nothing twice", async () => {
    const first = await stream(bob);
    await say(alice, "before the drop");
    const seen = await first.next((e) => e.data.includes("before the drop"));
    await first.cancel();
    for (const n of [1, 2, 3]) await say(alice, `missed ${n}`);
    const again = await stream(bob, "community=acme", seen.id);
    await say(alice, "after the drop");
    await again.next((e) => e.data.includes("after the drop"));
    const bodies = again.events
      .filter((e) => e.event === "message.created")
      .map((e) => JSON.parse(e.data).data.message.body_md);
    expect(bodies).toEqual(["missed 1", "missed 2", "missed 3", "after the drop"]);
  });

  test("typing posted to the SM reaches the other person and not the typist", async () => {
    const bobs = await stream(bob);
    const alices = await stream(alice);
    await bobs.next((e) => e.event === "ready");
    await alices.next((e) => e.event === "ready");
    const res = await fetch(`${chat.base}/tui/typing`, {
      method: "POST",
      headers: { authorization: `Bearer ${alice.token}`, "content-type": "application/json" },
      body: JSON.stringify({ channel_id: general }),
    });
    expect(res.status).toBe(204);
    const typing = await bobs.next((e) => e.event === "typing.start");
    expect(JSON.parse(typing.data)).toMatchObject({ channel_id: general, actor_id: alice.id });
    await say(bob, "sentinel for alice");
    await alices.next((e) => e.data.includes("sentinel for alice"));
    expect(alices.events.some((e) => e.event === "typing.start")).toBe(false);
  });

  test("switching the shown community is a POST on the same stream", async () => {
    await chat.api(bob, "POST", "/api/communities", { name: "Bobs", slug: "bobs" });
    const bobsChannels = await chat.api<{ items: { id: string }[] }>(
      bob,
      "GET",
      "/api/communities/bobs/channels",
    );
    const s = await stream(bob, "community=acme");
    const ready = JSON.parse((await s.next((e) => e.event === "ready")).data);
    const switched = await fetch(`${chat.base}/tui/community`, {
      method: "POST",
      headers: { authorization: `Bearer ${bob.token}`, "content-type": "application/json" },
      body: JSON.stringify({ stream_id: ready.stream_id, community: "bobs" }),
    });
    expect(switched.status).toBe(200);
    await say(bob, "in bobs", bobsChannels.items[0]?.id);
    await s.next((e) => e.data.includes("in bobs"));
    const stolen = await fetch(`${chat.base}/tui/community`, {
      method: "POST",
      headers: { authorization: `Bearer ${alice.token}`, "content-type": "application/json" },
      body: JSON.stringify({ stream_id: ready.stream_id, community: "acme" }),
    });
    expect(stolen.status).toBe(404);
  });

  test("a person banned from the community is cut off at once, their open stream told why", async () => {
    const dan = await chat.invite("dan");
    const s = await stream(dan);
    await s.next((e) => e.event === "ready");
    const banned = await chat.api<{ ok: boolean }>(alice, "POST", "/api/commands", {
      channel_id: general,
      text: "/ban @dan spamming",
    });
    expect(banned.ok).toBe(true);
    const closed = await s.next((e) => e.event === "closed");
    expect(JSON.parse(closed.data).reason).toBe("removed from the community");
    await waitFor(() => {
      if (!s.ended) throw new Error("stream still open");
    });
    await say(alice, "after the ban");
    expect(s.events.some((e) => e.data.includes("after the ban"))).toBe(false);
    const res = await fetch(`${chat.base}/api/channels/${general}/messages`, {
      headers: { authorization: `Bearer ${dan.token}` },
    });
    expect(res.status).toBe(404);
  });

  test("a stream ends when its session is signed out", async () => {
    const carol = await chat.invite("carol");
    const s = await stream(carol);
    await s.next((e) => e.event === "ready");
    const out = await fetch(`${chat.base}/auth/logout`, {
      method: "POST",
      headers: { authorization: `Bearer ${carol.token}` },
    });
    expect(out.status).toBeLessThan(400);
    await waitFor(() => {
      if (!s.ended) throw new Error("stream still open");
    }, 15_000);
  });
});

import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { createHmac } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eq, like } from "drizzle-orm";
import type { EventBus } from "../../lib/bus/event-bus.ts";
import { createNatsBus } from "../../lib/bus/nats-bus.ts";
import { type Database, openDatabase } from "../../lib/db/client.ts";
import { communities, integrationOutbox } from "../../lib/db/schema.ts";
import { sweepOutbox } from "../../lib/integrations/outbox.ts";
import type { Outbound } from "../../lib/outbound/fetch.ts";
import { createDiskStore } from "../../lib/storage/disk-store.ts";
import { type ApiApp, createApiApp } from "../../services/api/main.ts";
import {
  acmeWithSecret,
  DB_KINDS,
  delivered,
  type Person,
  startTestApi,
  type TestApi,
} from "../support/api.ts";
import { commandOk } from "../support/commands.ts";
import { SHARED_NATS_URL, uniqueNatsNamespace } from "../support/nats-stream.ts";
import { type OutsideWeb, startOutsideWeb } from "../support/outside-web.ts";
import { waitFor } from "../support/ports.ts";

interface Callback {
  type: string;
  event_id: string;
  event_time: number;
  team_id: string;
  event: {
    type: string;
    channel_id: string | null;
    data: { message?: { id: string; body_md: string }; audience?: unknown };
  };
}
interface Received {
  body: Callback;
  signed: boolean;
  eventIdHeader: string | null;
  retryNum: string | null;
  answered: number;
}

/** Slack's documented check, written out here rather than borrowed from the code under test. */
function slackWouldAccept(secret: string, req: Request, body: string) {
  const ts = req.headers.get("x-slack-request-timestamp") ?? "";
  const expected = `v0=${createHmac("sha256", secret).update(`v0:${ts}:${body}`).digest("hex")}`;
  return req.headers.get("x-slack-signature") === expected && Math.abs(Date.now() / 1000 - Number(ts)) < 300;
}

/**
 * A bot's receiving end: records each callback, answers as `answer` says for that message's text,
 * and lets a test wait until a number of callbacks about one text arrived.
 */
function receiver(web: OutsideWeb, path: string) {
  const got: Received[] = [];
  const waiters: { text: string; n: number; resolve: () => void }[] = [];
  const state = {
    secret: "",
    got,
    answer: (_text: string, _attempt: number): Response | Promise<Response> => Response.json({ ok: true }),
    about: (text: string) => got.filter((r) => r.body.event.data.message?.body_md === text),
    /** Resolves once `n` callbacks about the message with this text arrived. */
    until(text: string, n = 1) {
      if (state.about(text).length >= n) return Promise.resolve();
      const { promise, resolve } = Promise.withResolvers<void>();
      waiters.push({ text, n, resolve });
      return promise;
    },
  };
  web.routes[path] = async (req) => {
    const raw = await req.text();
    const body = JSON.parse(raw) as Callback;
    const text = body.event.data.message?.body_md ?? "";
    const entry: Received = {
      body,
      signed: slackWouldAccept(state.secret, req, raw),
      eventIdHeader: req.headers.get("x-ajet-event-id"),
      retryNum: req.headers.get("x-slack-retry-num"),
      answered: 0,
    };
    got.push(entry);
    for (const w of waiters.filter((w) => state.about(w.text).length >= w.n)) w.resolve();
    const res = await state.answer(text, state.about(text).length);
    entry.answered = res.status;
    return res;
  };
  return state;
}

describe.each(DB_KINDS)("event subscriptions for bots (%s)", (kind) => {
  let web: OutsideWeb;
  let t: TestApi;
  let alice: Person;
  let general: string;
  let secret: string;
  let botToken = "";
  let subId = "";
  let hook: ReturnType<typeof receiver>;
  const env = { AJET_OUTBOX_POLL_MS: "50", AJET_OUTBOX_BACKOFF_MS: "20", AJET_OUTBOX_MAX_ATTEMPTS: "3" };

  async function settle() {
    for (let i = 0; i < 3; i++) {
      await t.delivered();
      await t.app.idle();
    }
  }
  const post = (channel: string, body: string) =>
    t.json<{ id: string }>(alice, "POST", `/api/channels/${channel}/messages`, { body_md: body });
  const rowsOf = (targetId: string) =>
    t.database.db.select().from(integrationOutbox).where(eq(integrationOutbox.targetId, targetId));

  beforeAll(async () => {
    web = startOutsideWeb();
    hook = receiver(web, "/events");
    t = await startTestApi(kind, env, undefined, web.outbound());
    alice = await t.person("alice");
    ({ general, secret } = await acmeWithSecret(t, alice));
    const made = await commandOk(t, alice, general, "/token create watcher messages:read");
    botToken = (made.effects[0] as unknown as { token: string }).token;
    const res = await t.call(botToken, "POST", "/api/subscriptions", {
      url: web.url("/events"),
      event_types: ["message.created", "reaction.added"],
    });
    expect(res.status).toBe(201);
    const body = (await res.json()) as { subscription: { id: string }; signing_secret: string };
    subId = body.subscription.id;
    hook.secret = body.signing_secret;
  });
  afterEach(() => {
    hook.answer = () => Response.json({ ok: true });
  });
  afterAll(async () => {
    await t?.close();
    web?.stop();
  });

  test("a new message reaches the bot once, as a signed event_callback with its event id in a header", async () => {
    const sent = await post(general, "hello bots");
    await hook.until("hello bots");
    await settle();
    const got = hook.about("hello bots");
    expect(got).toHaveLength(1);
    const [call] = got;
    expect(call?.signed).toBe(true);
    expect(call?.body).toMatchObject({
      type: "event_callback",
      event: { type: "message.created", channel_id: general },
    });
    expect(call?.body.event.data.message?.id).toBe(sent.id);
    expect(call?.body.event_id).toMatch(/^Ev[0-9a-f]{32}$/);
    expect(call?.eventIdHeader).toBe(call?.body.event_id ?? "");
    expect(call?.retryNum).toBeNull();
    const rows = (await rowsOf(subId)).filter((r) => r.eventId === call?.body.event_id);
    expect(rows.map((r) => [r.attempts, r.deliveredAt !== null])).toEqual([[1, true]]);
  });

  test("events the bot did not subscribe to are not sent", async () => {
    const before = hook.got.length;
    await t.json(alice, "PATCH", `/api/channels/${general}`, { topic: "new topic" });
    await post(general, "marker after topic");
    await hook.until("marker after topic");
    await settle();
    expect(hook.got.slice(before).map((r) => r.body.event.type)).toEqual(["message.created"]);
  });

  test("a private channel's events never reach a bot not in it", async () => {
    const before = (await rowsOf(subId)).length;
    await post(secret, "the secret plan");
    await post(general, "marker after secret");
    await hook.until("marker after secret");
    await settle();
    expect(hook.about("the secret plan")).toHaveLength(0);
    expect(JSON.stringify(hook.got)).not.toContain("the secret plan");
    // Not even queued: one new row, for the marker.
    expect((await rowsOf(subId)).length).toBe(before + 1);
  });

  test("a failed call is retried with backoff and the same event id, and the attempts are recorded", async () => {
    hook.answer = (_text, attempt) =>
      attempt === 1 ? new Response("down", { status: 500 }) : Response.json({ ok: true });
    await post(general, "flaky receiver");
    await hook.until("flaky receiver", 2);
    await settle();
    const got = hook.about("flaky receiver");
    expect(got.map((r) => r.answered)).toEqual([500, 200]);
    expect(got[1]?.body.event_id).toBe(got[0]?.body.event_id ?? "");
    expect(got.map((r) => r.retryNum)).toEqual([null, "1"]);
    const [row] = (await rowsOf(subId)).filter((r) => r.eventId === got[0]?.body.event_id);
    expect(row).toMatchObject({ attempts: 2, deadAt: null });
    expect(row?.deliveredAt).not.toBeNull();
    const log = await t.json<{
      items: { ok: boolean; status: number; attempts: number; error: string | null }[];
    }>(botToken, "GET", `/api/subscriptions/${subId}/deliveries`);
    expect(log.items.slice(0, 2).map((d) => [d.ok, d.status, d.attempts, d.error])).toEqual([
      [true, 200, 2, null],
      [false, 500, 1, "answered 500"],
    ]);
  });

  test("after every attempt fails the event is a dead letter, listed and sent again on retry", async () => {
    let down = true;
    hook.answer = () => (down ? new Response("down", { status: 503 }) : Response.json({ ok: true }));
    await post(general, "always failing");
    await hook.until("always failing", 3);
    await settle();
    const dead = await t.json<{
      items: { id: string; attempts: number; last_error: string; event_id: string }[];
    }>(botToken, "GET", `/api/subscriptions/${subId}/dead-letters`);
    expect(dead.items.map((d) => [d.attempts, d.last_error])).toEqual([[3, "answered 503"]]);
    expect(hook.about("always failing")).toHaveLength(3);
    down = false;
    const retried = await t.json<{ retried: number }>(
      botToken,
      "POST",
      `/api/subscriptions/${subId}/dead-letters/retry`,
      {
        id: dead.items[0]?.id,
      },
    );
    expect(retried.retried).toBe(1);
    await hook.until("always failing", 4);
    await settle();
    expect(hook.about("always failing").map((r) => r.answered)).toEqual([503, 503, 503, 200]);
    const after = await t.json<{ items: unknown[] }>(
      botToken,
      "GET",
      `/api/subscriptions/${subId}/dead-letters`,
    );
    expect(after.items).toEqual([]);
  });

  test("only bots subscribe, and a bot sees only its own subscriptions", async () => {
    const person = await t.call(alice, "POST", "/api/subscriptions", {
      url: web.url("/events"),
      event_types: ["message.created"],
    });
    expect(person.status).toBe(403);
    const made = await commandOk(t, alice, general, "/token create other messages:read");
    const other = (made.effects[0] as unknown as { token: string }).token;
    expect((await t.json<{ items: unknown[] }>(other, "GET", "/api/subscriptions")).items).toEqual([]);
    expect((await t.call(other, "GET", `/api/subscriptions/${subId}/dead-letters`)).status).toBe(404);
    expect((await t.call(other, "DELETE", `/api/subscriptions/${subId}`)).status).toBe(404);
    const bad = await t.call(other, "POST", "/api/subscriptions", { url: "ftp://x", event_types: ["nope"] });
    expect(bad.status).toBe(400);
    const listed = await t.json<{ items: { id: string }[] }>(botToken, "GET", "/api/subscriptions");
    expect(listed.items.map((s) => s.id)).toEqual([subId]);
    expect(JSON.stringify(listed)).not.toContain(hook.secret);
  });

  test("dead letters are kept 30 days and delivered calls a day; the sweep deletes only what is older", async () => {
    const [acme] = await t.database.db.select().from(communities).where(eq(communities.slug, "acme"));
    const daysAgo = (d: number) => new Date(Date.now() - d * 86_400_000);
    const row = (eventId: string, state: Partial<typeof integrationOutbox.$inferInsert>) => ({
      communityId: acme?.id as string,
      kind: "event_subscription" as const,
      targetId: subId,
      eventId,
      payload: {},
      // Not due for a month: the worker leaves the one waiting alone.
      nextAttemptAt: new Date(Date.now() + 30 * 86_400_000),
      ...state,
    });
    await t.database.db
      .insert(integrationOutbox)
      .values([
        row("sweep-dead-old", { deadAt: daysAgo(31), attempts: 3 }),
        row("sweep-dead-young", { deadAt: daysAgo(29), attempts: 3 }),
        row("sweep-delivered-old", { deliveredAt: daysAgo(2) }),
        row("sweep-delivered-young", { deliveredAt: new Date() }),
        row("sweep-waiting", { createdAt: daysAgo(40) }),
      ]);
    await sweepOutbox(t.database.db);
    const left = (await rowsOf(subId)).map((r) => r.eventId).filter((e) => e.startsWith("sweep-"));
    expect(left.sort()).toEqual(["sweep-dead-young", "sweep-delivered-young", "sweep-waiting"]);
    const dead = await t.json<{ items: { event_id: string }[] }>(
      botToken,
      "GET",
      `/api/subscriptions/${subId}/dead-letters`,
    );
    expect(dead.items.map((d) => d.event_id)).toContain("sweep-dead-young");
    expect(dead.items.map((d) => d.event_id)).not.toContain("sweep-dead-old");
    await t.database.db.delete(integrationOutbox).where(like(integrationOutbox.eventId, "sweep-%"));
  });

  test("a deleted subscription is called no more, and its dead letters go with it", async () => {
    const made = await t.json<{ subscription: { id: string } }>(botToken, "POST", "/api/subscriptions", {
      url: web.url("/events"),
      event_types: ["channel.updated"],
    });
    const gone = made.subscription.id;
    const callsOf = () =>
      hook.got.filter((r) => (r.body as unknown as { api_app_id: string }).api_app_id === gone);
    // Only this subscription hears channel.updated; the receiver refuses it until it is dead.
    hook.answer = (text) => (text === "" ? new Response("no", { status: 500 }) : Response.json({ ok: true }));
    await t.json(alice, "PATCH", `/api/channels/${general}`, { topic: "soon forgotten" });
    await waitFor(() => expect(callsOf()).toHaveLength(3));
    await settle();
    expect((await rowsOf(gone)).map((r) => r.deadAt !== null)).toEqual([true]);
    await t.json(botToken, "DELETE", `/api/subscriptions/${gone}`);
    expect(await rowsOf(gone)).toEqual([]);
    await t.json(alice, "PATCH", `/api/channels/${general}`, { topic: "nobody listens" });
    await post(general, "after the delete");
    await hook.until("after the delete");
    await settle();
    expect(callsOf()).toHaveLength(3);
    expect((await t.call(botToken, "DELETE", `/api/subscriptions/${gone}`)).status).toBe(404);
  });

  test("with two api instances on one database, each event is delivered once", async () => {
    const second = await secondInstance(t, web.outbound());
    try {
      const texts = ["twin 1", "twin 2", "twin 3", "twin 4"];
      for (const text of texts) await post(general, text);
      await Promise.all(texts.map((text) => hook.until(text)));
      await settle();
      await second.app.idle();
      expect((await rowsOf(subId)).filter((r) => r.deliveredAt === null)).toEqual([]);
      expect(texts.map((text) => hook.about(text).length)).toEqual([1, 1, 1, 1]);
    } finally {
      await second.close();
    }
  });
});

/**
 * Another api instance over the same database and bus, as a second process of a cluster (or the
 * same server started again) would be.
 */
async function secondInstance(t: TestApi, outbound: Outbound, bus: EventBus = t.bus) {
  // PGlite has one connection (the embedded server is one process); PostgreSQL gets a pool of its own.
  const own: Database | null =
    t.kind === "postgres" ? await openDatabase(t.config.database, { migrate: false }) : null;
  const store = createDiskStore(join(mkdtempSync(join(tmpdir(), "ajet-api2-")), "files"));
  const app: ApiApp = createApiApp({ config: t.config, db: own ?? t.database, bus, store, outbound });
  return {
    app,
    async close() {
      await app.stopWork();
      await own?.close();
    },
  };
}

describe.each(DB_KINDS)("event subscriptions across a restart (%s)", (kind) => {
  let web: OutsideWeb;
  let t: TestApi;
  let alice: Person;
  let general: string;
  let hook: ReturnType<typeof receiver>;
  let subId = "";
  const hung: (() => void)[] = [];

  beforeAll(async () => {
    web = startOutsideWeb();
    hook = receiver(web, "/events");
    // A short lease, so the call the stopped instance held is free again soon.
    t = await startTestApi(
      kind,
      { AJET_OUTBOX_POLL_MS: "50", AJET_OUTBOX_LEASE_MS: "1000" },
      undefined,
      web.outbound(),
    );
    alice = await t.person("alice");
    ({ general } = await acmeWithSecret(t, alice));
    const made = await commandOk(t, alice, general, "/token create watcher messages:read");
    const botToken = (made.effects[0] as unknown as { token: string }).token;
    const body = await t.json<{ subscription: { id: string }; signing_secret: string }>(
      botToken,
      "POST",
      "/api/subscriptions",
      { url: web.url("/events"), event_types: ["message.created"] },
    );
    subId = body.subscription.id;
    hook.secret = body.signing_secret;
  });
  afterAll(async () => {
    for (const release of hung) release();
    await t?.close();
    web?.stop();
  });

  test("a call leased when its instance stopped is made after the next one starts, and delivered once", async () => {
    // The first call never answers: the instance holding it is stopped while it waits.
    hook.answer = (_text, attempt) => {
      if (attempt > 1) return Response.json({ ok: true });
      const { promise, resolve } = Promise.withResolvers<Response>();
      hung.push(() => resolve(new Response("late", { status: 200 })));
      return promise;
    };
    await t.json(alice, "POST", `/api/channels/${general}/messages`, { body_md: "across a restart" });
    await hook.until("across a restart");
    const [leased] = await t.database.db
      .select()
      .from(integrationOutbox)
      .where(eq(integrationOutbox.targetId, subId));
    expect(leased?.leaseUntil).not.toBeNull();
    expect(leased?.deliveredAt).toBeNull();
    await t.app.stopWork();

    const next = await secondInstance(t, web.outbound());
    try {
      await hook.until("across a restart", 2);
      await next.app.idle();
      const got = hook.about("across a restart");
      expect(got).toHaveLength(2);
      expect(got[1]?.body.event_id).toBe(got[0]?.body.event_id ?? "");
      // The first never answered; only the second was a delivery.
      expect(got.map((r) => r.answered)).toEqual([0, 200]);
      const rows = await t.database.db
        .select()
        .from(integrationOutbox)
        .where(eq(integrationOutbox.targetId, subId));
      expect(rows.map((r) => [r.attempts, r.deliveredAt !== null, r.deadAt])).toEqual([[1, true, null]]);
    } finally {
      await next.close();
    }
  });
});

// Distributed mode: two api processes, each with its own PostgreSQL pool and its own NATS
// connection, both hearing every event.
describe("event subscriptions with two api instances over NATS and PostgreSQL", () => {
  const nats = uniqueNatsNamespace();
  let web: OutsideWeb;
  let t: TestApi;
  let otherBus: EventBus;
  let second: Awaited<ReturnType<typeof secondInstance>>;
  let alice: Person;
  let general: string;
  let subId = "";
  let hook: ReturnType<typeof receiver>;

  beforeAll(async () => {
    web = startOutsideWeb();
    hook = receiver(web, "/events");
    const busOptions = { servers: SHARED_NATS_URL, stream: nats.stream, subjectPrefix: nats.subjectPrefix };
    t = await startTestApi(
      "postgres",
      { AJET_OUTBOX_POLL_MS: "50" },
      await createNatsBus({ ...busOptions, name: "api 1" }),
      web.outbound(),
    );
    otherBus = await createNatsBus({ ...busOptions, name: "api 2" });
    second = await secondInstance(t, web.outbound(), otherBus);
    alice = await t.person("alice");
    ({ general } = await acmeWithSecret(t, alice));
    const made = await commandOk(t, alice, general, "/token create watcher messages:read");
    const botToken = (made.effects[0] as unknown as { token: string }).token;
    const body = await t.json<{ subscription: { id: string }; signing_secret: string }>(
      botToken,
      "POST",
      "/api/subscriptions",
      { url: web.url("/events"), event_types: ["message.created"] },
    );
    subId = body.subscription.id;
    hook.secret = body.signing_secret;
  });
  afterAll(async () => {
    await second?.close();
    await otherBus?.close();
    await t?.close();
    await nats.remove();
    web?.stop();
  });

  test("each event makes one outbox row and one delivery, whichever instance queued and sent it", async () => {
    const texts = ["nats 1", "nats 2", "nats 3", "nats 4", "nats 5"];
    for (const text of texts) await post(text);
    await Promise.all(texts.map((text) => hook.until(text)));
    // Both instances have heard every event and finished what it asked of them.
    await t.delivered();
    await delivered(otherBus);
    await t.app.idle();
    await second.app.idle();
    expect(texts.map((text) => hook.about(text).length)).toEqual([1, 1, 1, 1, 1]);
    expect(hook.got.every((c) => c.signed)).toBe(true);
    const rows = await t.database.db
      .select()
      .from(integrationOutbox)
      .where(eq(integrationOutbox.targetId, subId));
    expect(rows.length).toBe(texts.length);
    expect(rows.every((r) => r.deliveredAt !== null && r.attempts === 1)).toBe(true);
  });

  test("an instance that did not post hears the event over NATS and makes the call", async () => {
    // The first instance still answers requests but no longer calls anyone.
    await t.app.stopWork();
    await post("heard over nats");
    await hook.until("heard over nats");
    await delivered(otherBus);
    await second.app.idle();
    expect(hook.about("heard over nats")).toHaveLength(1);
  });

  const post = (body: string) =>
    t.json(alice, "POST", `/api/channels/${general}/messages`, { body_md: body });
});

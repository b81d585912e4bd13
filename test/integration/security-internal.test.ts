import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { authenticate } from "../../lib/auth/authenticate.ts";
import { createSession, revokeAllSessions } from "../../lib/auth/sessions.ts";
import { createApp } from "../../lib/http/app.ts";
import { encodeIdentity, IDENTITY_HEADER, SECRET_HEADER } from "../../lib/http/internal-hop.ts";
import { route } from "../../lib/http/router.ts";
import type { Person } from "../support/api.ts";
import { commandOk } from "../support/commands.ts";
import { endsWithin, readUntil, startTestStack, type TestStack } from "../support/gateway.ts";
import { errorOf, jsonOf } from "../support/http.ts";
import { TEST_INTERNAL_SECRET, trustedHop } from "../support/internal.ts";

const bearer = (who: Person) => ({ authorization: `Bearer ${who.token}` });
const form = { "content-type": "application/x-www-form-urlencoded" };

/** A body that records whether anyone read it (no chunk is asked for before a read). */
function watchedBody(text: string) {
  const state = { pulled: false };
  const body = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        state.pulled = true;
        controller.enqueue(new TextEncoder().encode(text));
        controller.close();
      },
    },
    { highWaterMark: 0 },
  );
  return { body, state };
}

/** Session lookups among the SQL statements run since `from`. */
const sessionLookups = (queries: string[], from: number) =>
  queries.slice(from).filter((q) => /from "sessions"/.test(q) && /select/i.test(q)).length;

describe("the services behind the gateway", () => {
  let s: TestStack;
  let alice: Person;
  let general: string;

  beforeAll(async () => {
    s = await startTestStack();
    alice = await s.api.person("alice");
    await s.api.json(alice, "POST", "/api/communities", { name: "Acme", slug: "acme" });
    const channels = await s.api.json<{ items: { id: string; name: string }[] }>(
      alice,
      "GET",
      "/api/communities/acme/channels",
    );
    general = channels.items.find((c) => c.name === "general")?.id as string;
  });
  afterAll(() => s.close());

  const direct = (service: "api" | "web" | "tui") => ({ api: s.api.app, web: s.web, tui: s.tui })[service];

  test.each([
    ["api", "/api/me"],
    ["web", "/"],
    ["tui", "/tui/events"],
    ["api", "/api/healthz"],
    ["api", "/no-such-route"],
  ] as const)(
    "%s refuses %s without the internal secret: 403 in the uniform body, even with a good token",
    async (service, path) => {
      const res = await direct(service).fetch(
        new Request(`http://internal${path}`, { headers: bearer(alice) }),
      );
      expect(res.status).toBe(403);
      const error = await errorOf(res);
      expect(error.code).toBe("internal_only");
      expect(error.message).not.toContain(TEST_INTERNAL_SECRET);
    },
  );

  test("a wrong secret, or one of another length, is the same 403", async () => {
    for (const wrong of [`${TEST_INTERNAL_SECRET}x`, TEST_INTERNAL_SECRET.slice(0, -1), "", "a"]) {
      const res = await s.api.app.fetch(
        new Request("http://internal/api/me", { headers: { ...bearer(alice), [SECRET_HEADER]: wrong } }),
      );
      expect(res.status).toBe(403);
    }
  });

  test.each(["api", "web", "tui"] as const)(
    "%s answers /healthz and /readyz without the secret",
    async (service) => {
      for (const path of ["/healthz", "/readyz"]) {
        const res = await direct(service).fetch(new Request(`http://internal${path}`));
        expect(res.status).toBe(200);
      }
    },
  );

  test("an identity sent without the secret is not believed", async () => {
    const principal = await authenticate(
      s.api.database.db,
      new Request("http://x/", { headers: bearer(alice) }),
    );
    const forged = { [IDENTITY_HEADER]: encodeIdentity(principal as NonNullable<typeof principal>) };
    for (const app of [s.api.app, s.web, s.tui]) {
      const res = await app.fetch(new Request("http://internal/api/me", { headers: forged }));
      expect(res.status).toBe(403);
    }
  });

  test("the forwarded address is believed only with the secret", async () => {
    const echo = createApp({
      name: "echo",
      ready: {},
      internalSecret: TEST_INTERNAL_SECRET,
      routes: [route("GET", "/ip", (_req, ctx) => new Response(ctx.ip))],
    });
    const ask = (headers: Record<string, string>) =>
      echo.fetch(new Request("http://x/ip", { headers: { "x-forwarded-for": "203.0.113.9", ...headers } }), {
        ip: "192.0.2.1",
      });
    expect(await (await ask(trustedHop)).text()).toBe("203.0.113.9");
    expect((await ask({})).status).toBe(403);
  });

  test("through the gateway the credential is looked up once, not again by the API", async () => {
    const from = s.api.queries.length;
    const res = await s.request("/api/me", { headers: bearer(alice) });
    expect(res.status).toBe(200);
    expect((await jsonOf<{ id: string; username: string }>(res)).username).toBe("alice");
    expect(sessionLookups(s.api.queries, from)).toBe(1);
  });

  test("a web page calls the API as the person the gateway signed in, with no further session lookups", async () => {
    // A session the gateway has not seen yet, so it reads it once (one it saw a moment ago, not at all).
    const { token } = await createSession(s.api.database.db, alice.id);
    const from = s.api.queries.length;
    const res = await s.request("/c/acme/channels/general", { headers: bearer({ ...alice, token }) });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("general");
    expect(sessionLookups(s.api.queries, from)).toBe(1);
  });

  test("a client cannot speak for someone else by sending the internal headers to the gateway", async () => {
    const bob = await s.api.person("bob");
    const principal = await authenticate(
      s.api.database.db,
      new Request("http://x/", { headers: bearer(bob) }),
    );
    const asBob = {
      [IDENTITY_HEADER]: encodeIdentity(principal as NonNullable<typeof principal>),
      [SECRET_HEADER]: "guessed-secret-guessed-secret-guessed",
    };
    const anonymous = await s.request("/api/me", { headers: asBob });
    expect(anonymous.status).toBe(401);
    const mine = await s.request("/api/me", { headers: { ...asBob, ...bearer(alice) } });
    expect((await jsonOf<{ username: string }>(mine)).username).toBe("alice");
  });

  test("a token the gateway refuses gets no further: sent to sign in, and the session manager never reads the body", async () => {
    const { body, state } = watchedBody(`channel_id=${general}&state=start`);
    const res = await s.request("/web/typing", {
      method: "POST",
      headers: { authorization: "Bearer ajs_00000000000000000000000000000000.nope", ...form },
      body,
    });
    // An htmx action answers a signed-out caller by sending the whole page to sign in.
    expect(res.headers.get("hx-redirect")).toStartWith("/login");
    expect(state.pulled).toBe(false);
  });

  test("the terminal's typing route checks the caller before it reads the body", async () => {
    const { body, state } = watchedBody(JSON.stringify({ channel_id: general }));
    const res = await s.request("/tui/typing", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
    });
    expect(res.status).toBe(401);
    expect(state.pulled).toBe(false);
  });

  test("the API still authorizes what the identity may do: a private channel is 404 to a non-member", async () => {
    const carol = await s.api.person("carol");
    await s.api.join(carol, "acme");
    const secret = await s.api.json<{ id: string }>(alice, "POST", "/api/communities/acme/channels", {
      name: "plans",
      visibility: "private",
    });
    const res = await s.request(`/api/channels/${secret.id}/messages`, { headers: bearer(carol) });
    expect(res.status).toBe(404);
    const page = await s.request("/c/acme/channels/plans", { headers: bearer(carol) });
    expect(await page.text()).not.toContain(secret.id);
  });

  test("a bot token's scopes travel with its identity: a read-only token may read but not post", async () => {
    const { effects } = await commandOk(s.api, alice, general, "/token create reader messages:read");
    const headers = { authorization: `Bearer ${String(effects[0]?.token)}` };
    expect((await s.request(`/api/channels/${general}/messages`, { headers })).status).toBe(200);
    const post = await s.request(`/api/channels/${general}/messages`, {
      method: "POST",
      headers: { ...headers, "content-type": "application/json" },
      body: JSON.stringify({ body_md: "hi" }),
    });
    expect(post.status).toBe(403);
    expect((await errorOf(post)).message).toContain("messages:write");
  });

  test("a webhook has no session: the API checks its token, through the gateway as before", async () => {
    const { effects } = await commandOk(s.api, alice, general, "/webhook create #general ci");
    const url = new URL(String(effects[0]?.url));
    const post = (path: string) =>
      s.request(path, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: '{"text":"built"}',
      });
    expect((await post(url.pathname)).status).toBe(200);
    const wrong = url.pathname.replace(/ajw_[^/]+$/, "ajw_00000000000000000000000000000000.wrong");
    expect((await post(wrong)).status).toBe(404);
  });
});

describe("bodies", () => {
  let s: TestStack;
  let alice: Person;
  let general: string;

  beforeAll(async () => {
    s = await startTestStack({ AJET_MAX_BODY_BYTES: "4096" });
    alice = await s.api.person("alice");
    await s.api.json(alice, "POST", "/api/communities", { name: "Acme", slug: "acme" });
    const channels = await s.api.json<{ items: { id: string; name: string }[] }>(
      alice,
      "GET",
      "/api/communities/acme/channels",
    );
    general = channels.items.find((c) => c.name === "general")?.id as string;
  });
  afterAll(() => s.close());

  test("a web form over the body limit is 413, though the embedded gateway takes uploads", async () => {
    const res = await s.request("/web/typing", {
      method: "POST",
      headers: { ...bearer(alice), ...form },
      body: `channel_id=${general}&state=start&pad=${"x".repeat(100_000)}`,
    });
    expect(res.status).toBe(413);
    // An htmx action's failure is its message, shown where the form shows errors.
    expect(await res.text()).toContain("larger than the limit");
  });

  test("a JSON body to a web form route is held to the same limit", async () => {
    const res = await s.request("/settings/profile", {
      method: "POST",
      headers: { ...bearer(alice), "content-type": "application/json" },
      body: JSON.stringify({ display_name: "Alice", pad: "x".repeat(100_000) }),
    });
    expect(res.status).toBe(413);
    expect((await s.api.json<{ display_name: string }>(alice, "GET", "/api/me")).display_name).toBe("Alice");
  });

  test("a web form within the limit still works, and its channel_id must be a channel's id", async () => {
    const from = s.api.events.length;
    const ok = await s.request("/web/typing", {
      method: "POST",
      headers: { ...bearer(alice), ...form },
      body: `channel_id=${general}&state=start`,
    });
    expect(ok.status).toBe(204);
    for (const bad of ["../communities/acme", "..%2Fcommunities%2Facme", `${general}/../../me`, ""]) {
      const res = await s.request("/web/typing", {
        method: "POST",
        headers: { ...bearer(alice), ...form },
        body: `channel_id=${encodeURIComponent(bad)}&state=start`,
      });
      expect(res.status).toBe(400);
      expect(await res.text()).toContain("channel_id");
    }
    const typing = s.api.events.slice(from).filter((m) => m.subject.startsWith("chat.typing."));
    expect(typing.map((m) => m.subject)).toEqual([`chat.typing.${typing[0]?.event.community_id}.${general}`]);
  });

  test("a channel id in a path or query of the web client is checked before it reaches an API path", async () => {
    const post = await s.request(`/web/channels/${encodeURIComponent("../communities")}/messages`, {
      method: "POST",
      headers: { ...bearer(alice), ...form },
      body: "body=hello",
    });
    expect(post.status).toBe(400);
    const older = await s.request(
      `/web/older?channel=${encodeURIComponent("../../communities/acme")}&before=x`,
      {
        headers: bearer(alice),
      },
    );
    expect(older.status).toBe(400);
  });
});

describe("live streams", () => {
  let s: TestStack;
  let people = 0;
  const open: ReadableStreamDefaultReader<Uint8Array>[] = [];

  beforeAll(async () => {
    s = await startTestStack({
      AJET_MAX_STREAMS_PER_USER: "2",
      AJET_MAX_STREAMS: "3",
      AJET_STREAM_RECHECK_SECONDS: "0.2",
    });
  });
  // Each test starts with the process holding no stream.
  afterEach(async () => {
    for (const reader of open.splice(0)) await reader.cancel().catch(() => {});
  });
  afterAll(() => s.close());

  const someone = () => s.api.person(`person${++people}`);

  /** Opens a stream through the gateway; resolves once it is live, or with the refusal. */
  async function stream(who: Person, path: "/events" | "/tui/events") {
    const res = await s.request(path, { headers: { ...bearer(who), accept: "text/event-stream" } });
    if (res.status !== 200) return { res, reader: null };
    const reader = res.body?.getReader() as ReadableStreamDefaultReader<Uint8Array>;
    open.push(reader);
    await readUntil(reader, path === "/events" ? "event:" : "event: ready");
    return { res, reader };
  }

  test("a person's streams are capped across web and terminal: the next is 429 saying so", async () => {
    const alice = await someone();
    expect((await stream(alice, "/events")).res.status).toBe(200);
    const second = await stream(alice, "/tui/events");
    expect(second.res.status).toBe(200);
    const third = await stream(alice, "/tui/events");
    expect(third.res.status).toBe(429);
    const error = await errorOf(third.res);
    expect(error.code).toBe("too_many_streams");
    expect(error.message).toContain("live streams");
    // Someone else is not held back by alice's limit.
    expect((await stream(await someone(), "/events")).res.status).toBe(200);
    // Closing one of hers frees its place.
    await second.reader?.cancel();
    expect((await stream(alice, "/tui/events")).res.status).toBe(200);
  });

  test("the process is capped too: past it a stream is 503 with Retry-After, whoever asks", async () => {
    const [bob, carol, dave] = [await someone(), await someone(), await someone()];
    expect((await stream(bob, "/tui/events")).res.status).toBe(200);
    expect((await stream(bob, "/events")).res.status).toBe(200);
    expect((await stream(carol, "/tui/events")).res.status).toBe(200);
    const refused = await stream(dave, "/events");
    expect(refused.res.status).toBe(503);
    expect(Number(refused.res.headers.get("retry-after"))).toBeGreaterThan(0);
    expect((await errorOf(refused.res)).code).toBe("server_full");
  });

  test("a session revoked while its stream is open ends the stream at the gateway's next check, freeing its place", async () => {
    const [erin, frank, grace] = [await someone(), await someone(), await someone()];
    const erins = (await stream(erin, "/tui/events")).reader;
    if (!erins) throw new Error("erin's stream did not open");
    expect((await stream(frank, "/tui/events")).res.status).toBe(200);
    expect((await stream(frank, "/events")).res.status).toBe(200);
    await revokeAllSessions(s.api.database.db, erin.id);
    expect(await endsWithin(erins, 5000)).toBe(true);
    expect((await stream(grace, "/events")).res.status).toBe(200);
  });
});

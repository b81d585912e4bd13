import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import { createSession } from "../../lib/auth/sessions.ts";
import { loadConfig } from "../../lib/config.ts";
import { oauthAccounts, users } from "../../lib/db/schema.ts";
import type { App } from "../../lib/http/app.ts";
import { createGatewayApp } from "../../services/auth-gw/main.ts";
import { createTuiService } from "../../services/tui-sm/main.ts";
import { type Person, startTestApi, type TestApi } from "../support/api.ts";
import { Browser } from "../support/browser.ts";
import { type FakeProvider, startFakeProvider } from "../support/fake-oauth.ts";
import {
  createStreamingUpstream,
  endsWithin,
  readUntil,
  startTestGateway,
  type TestGateway,
} from "../support/gateway.ts";
import { TEST_INTERNAL_SECRET } from "../support/internal.ts";

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const json = (token: string) => ({ ...bearer(token), "content-type": "application/json" });

// Deactivation as the door sees it: sign-in refused, and open streams cut.
describe("a deactivated account at the gateway", () => {
  let provider: FakeProvider;
  let gw: TestGateway;
  let alice: Person;

  beforeAll(async () => {
    provider = startFakeProvider("github");
    gw = await startTestGateway({
      GITHUB_URL: provider.url,
      GITHUB_CLIENT_ID: provider.clientId,
      GITHUB_CLIENT_SECRET: provider.clientSecret,
      AJET_RATE_AUTH_BURST: "0",
      AJET_STREAM_RECHECK_SECONDS: "1",
    });
    alice = await gw.api.person("alice");
    await gw.api.call(alice, "POST", "/api/communities", { name: "Acme", slug: "acme" });
  });
  afterAll(async () => {
    await gw.close();
    await provider.stop();
  });

  /** A member of Acme who signs in with GitHub as `githubId`. */
  async function linkedMember(username: string, githubId: number) {
    const person = await gw.api.person(username);
    await gw.api.join(person, "acme");
    await gw.api.database.db
      .insert(oauthAccounts)
      .values({ userId: person.id, provider: "github", providerUserId: String(githubId) });
    provider.signedInAs = { id: githubId, login: username };
    return person;
  }
  const switchAccount = (verb: string, id: string) =>
    gw.request(`/api/users/${id}/${verb}`, { method: "POST", headers: json(alice.token) });

  test("their OAuth sign-in is refused and sets no cookie; after reactivation they sign in again", async () => {
    const bob = await linkedMember("bob", 303);
    expect((await switchAccount("deactivate", bob.id)).status).toBe(200);

    const refused = new Browser(gw);
    const callback = (await refused.follow("/auth/github/start")).at(-1);
    expect(callback?.status).toBe(403);
    expect(await callback?.text()).toContain("deactivated");
    expect(refused.cookie("ajet_session")).toBeUndefined();

    expect((await switchAccount("reactivate", bob.id)).status).toBe(200);
    const welcomed = new Browser(gw);
    expect((await welcomed.follow("/auth/github/start")).at(-1)?.status).toBe(200);
    const token = welcomed.cookie("ajet_session")?.value ?? "";
    const me = await gw.request("/api/me", { headers: bearer(token) });
    expect(await me.json()).toMatchObject({ id: bob.id, deactivated: false });
    // The session from before the deactivation stays ended.
    expect((await gw.request("/api/me", { headers: bearer(bob.token) })).status).toBe(401);
  });

  test("a terminal login they approved but the terminal has not collected is denied", async () => {
    const dan = await gw.api.person("dan");
    await gw.api.join(dan, "acme");
    const terminal = (path: string, body: unknown) =>
      gw.request(path, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    const asked = (await (await terminal("/auth/device", { client_name: "dan's laptop" })).json()) as {
      device_code: string;
      user_code: string;
    };
    const browser = new Browser(gw);
    browser.setCookie("ajet_session", dan.token);
    expect((await browser.postForm("/device", { code: asked.user_code, decision: "approve" })).status).toBe(
      200,
    );
    expect((await switchAccount("deactivate", dan.id)).status).toBe(200);
    const poll = await terminal("/auth/device/token", { device_code: asked.device_code });
    const text = await poll.text();
    expect(poll.status).toBe(400);
    expect(JSON.parse(text)).toMatchObject({ error: { code: "access_denied" } });
    expect(text).not.toContain("ajs_");
  });

  test("a stream whose account is deactivated is cut at the re-check, even if its session row survived", async () => {
    const carol = await gw.api.person("carol");
    const { token } = await createSession(gw.api.database.db, carol.id);
    const res = await gw.request("/tui/stream?tag=carol-deactivated", { headers: bearer(token) });
    const reader = res.body?.getReader() as ReadableStreamDefaultReader<Uint8Array>;
    await readUntil(reader, "event: hello");
    const kept = (
      await gw.request("/tui/stream?tag=alice-kept", { headers: bearer(alice.token) })
    ).body?.getReader();
    await readUntil(kept as ReadableStreamDefaultReader<Uint8Array>, "event: hello");
    // Marked in the database alone: only the re-check's own rule can end it.
    await gw.api.database.db.update(users).set({ deactivatedAt: new Date() }).where(eq(users.id, carol.id));
    expect(await endsWithin(reader, 5000)).toBe(true);
    expect(await endsWithin(kept as ReadableStreamDefaultReader<Uint8Array>, 1500)).toBe(false);
  });
});

// The real path of a live stream: gateway → TUI session manager's hub → API, on one bus. The
// gateway's re-check is an hour away, so only the deactivation event can end the stream.
describe("a deactivated person's live stream through the whole stack", () => {
  let t: TestApi;
  let tui: Awaited<ReturnType<typeof createTuiService>>;
  let gateway: App;
  let alice: Person;
  let bob: Person;
  let carol: Person;
  const env = {
    AJET_LOG_LEVEL: "error",
    AJET_STREAM_RECHECK_SECONDS: "3600",
    AJET_INTERNAL_SECRET: TEST_INTERNAL_SECRET,
  };

  beforeAll(async () => {
    t = await startTestApi("pglite", env);
    const config = loadConfig(env);
    const api = { name: "api", app: t.app, secret: TEST_INTERNAL_SECRET };
    tui = await createTuiService({ config, bus: t.bus, api });
    const web = createStreamingUpstream("stand-in-web", new Set());
    gateway = createGatewayApp({
      config,
      db: t.database,
      bus: t.bus,
      upstreams: {
        api,
        web: { name: "web-sm", app: web, secret: TEST_INTERNAL_SECRET },
        tui: { name: "tui-sm", app: tui.app, secret: TEST_INTERNAL_SECRET },
      },
    });
    [alice, bob, carol] = (await Promise.all(["alice", "bob", "carol"].map((n) => t.person(n)))) as [
      Person,
      Person,
      Person,
    ];
    await t.json(alice, "POST", "/api/communities", { name: "Acme", slug: "acme" });
    await t.join(bob, "acme");
    await t.join(carol, "acme");
  });
  afterAll(async () => {
    gateway.beginShutdown();
    await tui.live.close();
    await t.close();
  });

  const request = (path: string, init: RequestInit = {}) =>
    gateway.fetch(new Request(`http://127.0.0.1:3000${path}`, init), { ip: "198.51.100.7" });
  /** What the stream sends until it ends, or until `ms` pass. */
  async function readToEnd(reader: ReadableStreamDefaultReader<Uint8Array>, ms: number) {
    const decoder = new TextDecoder();
    const deadline = Bun.sleep(ms).then(() => null);
    let text = "";
    for (;;) {
      const next = await Promise.race([reader.read(), deadline]);
      if (next === null) return { ended: false, text };
      if (next.done) return { ended: true, text };
      text += decoder.decode(next.value, { stream: true });
    }
  }
  async function stream(who: Person) {
    const res = await request("/tui/events?community=acme", { headers: bearer(who.token) });
    expect(res.status).toBe(200);
    const reader = res.body?.getReader() as ReadableStreamDefaultReader<Uint8Array>;
    await readUntil(reader, "event: ready");
    return reader;
  }

  test("ends at once, its last word saying why; other people's streams go on", async () => {
    const bobs = await stream(bob);
    const carols = await stream(carol);
    const res = await request(`/api/users/${bob.id}/deactivate`, {
      method: "POST",
      headers: json(alice.token),
    });
    expect(res.status).toBe(200);
    const rest = await readToEnd(bobs, 5000);
    expect(rest).toMatchObject({ ended: true });
    expect(rest.text).toContain("event: closed");
    expect(rest.text).toContain("account deactivated");
    expect(await endsWithin(carols, 1000)).toBe(false);
  });
});

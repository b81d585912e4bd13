import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { issueSetupToken } from "../../lib/auth/setup.ts";
import { issueToken } from "../../lib/auth/tokens.ts";
import { loadConfig } from "../../lib/config.ts";
import { type App, createApp } from "../../lib/http/app.ts";
import { route } from "../../lib/http/router.ts";
import { addressKey, createBuckets } from "../../lib/limits/local-buckets.ts";
import { sessionCookie } from "../../services/auth-gw/cookies.ts";
import type { Person } from "../support/api.ts";
import { startTestGateway, type TestGateway } from "../support/gateway.ts";
import { errorOf, jsonOf } from "../support/http.ts";

const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
  "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
const ORIGIN = "http://127.0.0.1:3000";
const bearer = (who: Person) => ({ authorization: `Bearer ${who.token}` });
const cookie = (who: Person) => ({ cookie: `ajet_session=${who.token}` });
const form = { "content-type": "application/x-www-form-urlencoded" };
const json = { "content-type": "application/json" };

describe("rate limits at the door", () => {
  let gw: TestGateway;
  let alice: Person;
  let bob: Person;
  beforeAll(async () => {
    gw = await startTestGateway({
      AJET_RATE_BURST: "5",
      AJET_RATE_PER_SECOND: "0.5",
      AJET_RATE_AUTH_BURST: "3",
      AJET_RATE_AUTH_PER_SECOND: "0.1",
    });
    alice = await gw.api.person("alice");
    bob = await gw.api.person("bob");
  });
  afterAll(() => gw.close());

  test("an anonymous caller past its bucket gets 429 with Retry-After; another address is unaffected", async () => {
    for (let i = 0; i < 5; i++)
      expect((await gw.request("/healthz", { ip: "203.0.113.1" })).status).toBe(200);
    const refused = await gw.request("/healthz", { ip: "203.0.113.1" });
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toBe("2");
    expect(await errorOf(refused)).toEqual({
      code: "rate_limited",
      message: "too many requests; try again in 2 s",
    });
    expect((await gw.request("/healthz", { ip: "203.0.113.2" })).status).toBe(200);
  });

  test("a token has its own bucket: another token from the same address is unaffected", async () => {
    const ip = "203.0.113.10";
    for (let i = 0; i < 5; i++) {
      expect((await gw.request("/api/me", { ip, headers: bearer(alice) })).status).toBe(200);
    }
    const refused = await gw.request("/api/me", { ip, headers: bearer(alice) });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect((await gw.request("/api/me", { ip, headers: bearer(bob) })).status).toBe(200);
    expect((await gw.request("/healthz", { ip })).status).toBe(200);
  });

  test("a made-up token buys no fresh bucket: it counts against the address", async () => {
    const ip = "203.0.113.20";
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) {
      const headers = { authorization: `Bearer ${issueToken("session").token}` };
      statuses.push((await gw.request("/api/me", { ip, headers })).status);
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429]);
  });

  test("sign-in routes have a stricter bucket of their own", async () => {
    const ip = "203.0.113.30";
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await gw.request("/invite/aji_nope", { ip })).status);
    expect(statuses).toEqual([404, 404, 404, 429]);
    const refused = await gw.request("/setup/aju_nope", { ip });
    expect(refused.headers.get("retry-after")).toBe("10");
    expect((await gw.request("/healthz", { ip })).status).toBe(200);
  });

  test("hammering a victim's name from one address does not lock the victim out from another", async () => {
    await gw.api.call(alice, "POST", "/api/communities", { name: "Acme", slug: "acme" });
    const invite = await jsonOf<{ url: string }>(
      await gw.api.call(alice, "POST", "/api/communities/acme/invites", { max_uses: 1 }),
    );
    const path = new URL(invite.url).pathname;
    const victim = JSON.stringify({ username: "victim", display_name: "Victim" });
    for (let i = 0; i < 5; i++) {
      await gw.request(`${path}x`, { method: "POST", ip: "192.0.2.66", headers: json, body: victim });
    }
    const attacker = await gw.request(path, {
      method: "POST",
      ip: "192.0.2.66",
      headers: json,
      body: victim,
    });
    expect(attacker.status).toBe(429);
    const joined = await gw.request(path, { method: "POST", ip: "192.0.2.77", headers: json, body: victim });
    expect(joined.status).toBe(201);
    expect((await jsonOf<{ token: string }>(joined)).token).toStartWith("ajs_");
  });

  test("a client cannot pick its own address with X-Forwarded-For when no proxy is trusted", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const headers = { "x-forwarded-for": `10.0.0.${i}` };
      statuses.push((await gw.request("/healthz", { ip: "203.0.113.40", headers })).status);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
  });

  test("IPv6 callers count by their /64, so rotating addresses in one block buys nothing", () => {
    expect(addressKey("2001:db8:1:2:aaaa::1")).toBe("2001:db8:1:2::/64");
    expect(addressKey("2001:0db8:0001:0002:ffff:1:2:3")).toBe("2001:db8:1:2::/64");
    expect(addressKey("::1")).toBe("0:0:0:0::/64");
    expect(addressKey("203.0.113.5")).toBe("203.0.113.5");
    expect(addressKey("::ffff:203.0.113.5")).toBe("::ffff:203.0.113.5");
  });

  test("a bucket refills at its rate and never above its burst", () => {
    let now = 0;
    const buckets = createBuckets({ burst: 2, perSecond: 1 }, () => now);
    expect([buckets.take("k"), buckets.take("k"), buckets.take("k")]).toEqual([0, 0, 1]);
    now = 1000;
    expect([buckets.take("k"), buckets.take("k")]).toEqual([0, 1]);
    now = 60_000;
    expect([buckets.take("k"), buckets.take("k"), buckets.take("k")]).toEqual([0, 0, 1]);
  });
});

describe("browser safety at the door", () => {
  let gw: TestGateway;
  let alice: Person;
  beforeAll(async () => {
    gw = await startTestGateway({ AJET_CORS_ORIGINS: "https://app.example.com, https://ops.example.com/" });
    alice = await gw.api.person("alice");
  });
  afterAll(() => gw.close());

  const communitySlugs = async () =>
    (
      await jsonOf<{ items: { slug: string }[] }>(await gw.api.call(alice, "GET", "/api/communities"))
    ).items.map((c) => c.slug);

  test("a cross-site form post riding on the session cookie is refused and changes nothing", async () => {
    const attempts: Record<string, string>[] = [
      { "sec-fetch-site": "cross-site", origin: "https://evil.example" },
      { origin: "https://evil.example" },
      { "sec-fetch-site": "cross-site" },
      { origin: "null" },
    ];
    for (const headers of attempts) {
      const res = await gw.request("/api/communities", {
        method: "POST",
        headers: { ...cookie(alice), ...form, ...headers },
        body: "name=Evil&slug=evil",
      });
      expect(res.status).toBe(403);
      expect((await errorOf(res)).code).toBe("csrf");
    }
    expect(await communitySlugs()).not.toContain("evil");
  });

  test("the same write from our own origin, or with a bearer token from anywhere, goes through", async () => {
    const sameOrigin = await gw.request("/api/communities", {
      method: "POST",
      headers: { ...cookie(alice), ...json, origin: ORIGIN, "sec-fetch-site": "same-origin" },
      body: JSON.stringify({ name: "Ours", slug: "ours" }),
    });
    expect(sameOrigin.status).toBe(201);
    const viaBearer = await gw.request("/api/communities", {
      method: "POST",
      headers: { ...bearer(alice), ...json, origin: "https://evil.example", "sec-fetch-site": "cross-site" },
      body: JSON.stringify({ name: "Scripted", slug: "scripted" }),
    });
    expect(viaBearer.status).toBe(201);
    const noBrowserHeaders = await gw.request("/api/communities", {
      method: "POST",
      headers: { ...cookie(alice), ...json },
      body: JSON.stringify({ name: "Curl", slug: "curl" }),
    });
    expect(noBrowserHeaders.status).toBe(201);
    expect(await communitySlugs()).toEqual(expect.arrayContaining(["ours", "scripted", "curl"]));
  });

  test("a cross-site post to a sign-in form is refused even with no cookie (login CSRF)", async () => {
    const setup = (await issueSetupToken(gw.api.database.db)) as string;
    const res = await gw.request(`/setup/${setup}`, {
      method: "POST",
      headers: { ...form, origin: "https://evil.example", "sec-fetch-site": "cross-site" },
      body: "username=mallory&display_name=Mallory",
    });
    expect(res.status).toBe(403);
    expect(res.headers.get("set-cookie")).toBeNull();
  });

  test("CORS preflight is answered at the door for a configured origin only", async () => {
    const preflight = (origin: string) =>
      gw.request("/api/me", {
        method: "OPTIONS",
        headers: {
          origin,
          "access-control-request-method": "GET",
          "access-control-request-headers": "authorization",
        },
      });
    const allowed = await preflight("https://ops.example.com");
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get("access-control-allow-origin")).toBe("https://ops.example.com");
    expect(allowed.headers.get("access-control-allow-methods")).toContain("POST");
    expect(allowed.headers.get("access-control-allow-headers")).toContain("Authorization");
    expect(allowed.headers.get("access-control-allow-credentials")).toBeNull();
    const other = await preflight("https://evil.example");
    expect(other.status).toBe(403);
    expect((await errorOf(other)).code).toBe("cors");
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
  });

  test("a cross-origin answer is readable by a configured origin only", async () => {
    const from = (origin: string) => gw.request("/api/me", { headers: { ...bearer(alice), origin } });
    const allowed = await from("https://app.example.com");
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get("access-control-allow-origin")).toBe("https://app.example.com");
    expect(allowed.headers.get("access-control-expose-headers")).toContain("X-Trace-Id");
    expect(allowed.headers.get("vary")).toContain("Origin");
    const other = await from("https://evil.example");
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
  });

  test("every answer carries the security headers: pages, API answers, errors, refusals, health", async () => {
    const answers = [
      await gw.request("/"),
      await gw.request("/api/me", { headers: bearer(alice) }),
      await gw.request("/api/me"),
      await gw.request("/api/nothing-here", { headers: bearer(alice) }),
      await gw.request("/api/communities", {
        method: "POST",
        headers: { ...cookie(alice), origin: "https://x.example" },
      }),
      await gw.request("/healthz"),
      await gw.request("/setup/aju_nope"),
    ];
    expect(answers.map((r) => r.status)).toEqual([200, 200, 401, 404, 403, 200, 404]);
    for (const res of answers) {
      expect(res.headers.get("content-security-policy")).toBe(CSP);
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      expect(res.headers.get("referrer-policy")).toBe("same-origin");
      expect(res.headers.get("strict-transport-security")).toBeNull();
    }
  });

  test("an upstream's stricter CSP is kept, with ours beside it (attachment downloads)", async () => {
    await gw.api.call(alice, "POST", "/api/communities", { name: "Files", slug: "files" });
    const channels = await jsonOf<{ items: { id: string }[] }>(
      await gw.api.call(alice, "GET", "/api/communities/files/channels"),
    );
    const upload = new FormData();
    upload.append("file", new File(["<script>alert(1)</script>"], "x.html", { type: "text/html" }));
    const saved = await jsonOf<{ attachment: { id: string } }>(
      await gw.request(`/api/channels/${channels.items[0]?.id}/attachments`, {
        method: "POST",
        headers: bearer(alice),
        body: upload,
      }),
    );
    const download = await gw.request(`/api/attachments/${saved.attachment.id}`, { headers: bearer(alice) });
    expect(download.status).toBe(200);
    const csp = download.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("default-src 'none'; sandbox");
    expect(csp).toContain("frame-ancestors 'none'");
  });

  test("an answer to a request carrying a credential is never cacheable; an anonymous one keeps its own", async () => {
    const anonymous = await gw.request("/api/openapi.json");
    expect(anonymous.headers.get("cache-control")).toBe("public, max-age=300");
    const signedIn = await gw.request("/api/openapi.json", { headers: bearer(alice) });
    expect(signedIn.headers.get("cache-control")).toBe("private, no-store");
    const page = await gw.request("/", { headers: cookie(alice) });
    expect(page.headers.get("cache-control")).toBe("private, no-store");
    const badToken = await gw.request("/", { headers: { cookie: "ajet_session=ajs_garbage" } });
    expect(badToken.headers.get("cache-control")).toBe("private, no-store");
  });

  test("the trace id given at the door reaches the API (its audit row) and comes back", async () => {
    const traceId = "trace-from-a-client-01";
    const res = await gw.request("/api/communities", {
      method: "POST",
      headers: { ...bearer(alice), ...json, "x-trace-id": traceId },
      body: JSON.stringify({ name: "Traced", slug: "traced" }),
    });
    expect(res.status).toBe(201);
    expect(res.headers.get("x-trace-id")).toBe(traceId);
    expect(res.headers.get("x-ajet-service")).toBe("api");
    const rows = await gw.api.database.db.query.auditLog.findMany();
    expect(rows.find((r) => r.action === "community.created" && r.traceId === traceId)).toBeDefined();
  });
});

describe("the client's address", () => {
  const echo = (trustForwardedFor: boolean) =>
    createApp({
      name: "echo",
      ready: {},
      trustForwardedFor,
      routes: [route("GET", "/ip", (_r, ctx) => new Response(ctx.ip))],
    });
  const ask = (app: App, forwarded: string) =>
    app.fetch(new Request("http://x/ip", { headers: { "x-forwarded-for": forwarded } }), { ip: "192.0.2.1" });

  test("behind a trusted proxy it is the entry the proxy appended, not one the client made up", async () => {
    expect(await (await ask(echo(true), "6.6.6.6, 203.0.113.9")).text()).toBe("203.0.113.9");
  });

  test("with no proxy trusted it is the socket's", async () => {
    expect(await (await ask(echo(false), "6.6.6.6")).text()).toBe("192.0.2.1");
  });
});

describe("the session cookie", () => {
  test("is HttpOnly and SameSite=Strict, and Secure except on plain-http loopback", () => {
    const flags = (publicUrl: string) =>
      sessionCookie(loadConfig({ AJET_PUBLIC_URL: publicUrl }), "ajs_x", 60)
        .split("; ")
        .slice(1);
    expect(flags("http://127.0.0.1:3000")).toEqual(["Path=/", "HttpOnly", "SameSite=Strict", "Max-Age=60"]);
    expect(flags("http://localhost:3000")).not.toContain("Secure");
    expect(flags("http://[::1]:3000")).not.toContain("Secure");
    expect(flags("https://chat.example.com")).toContain("Secure");
    expect(flags("http://chat.example.com")).toContain("Secure");
    expect(flags("https://127.0.0.1:3000")).toContain("Secure");
  });

  test("signing in over https sets a Secure cookie, and every answer there carries HSTS", async () => {
    const gw = await startTestGateway({ AJET_PUBLIC_URL: "https://chat.example.com" });
    try {
      const setup = (await issueSetupToken(gw.api.database.db)) as string;
      const res = await gw.request(`/setup/${setup}`, {
        method: "POST",
        headers: { ...form, origin: "https://chat.example.com", "sec-fetch-site": "same-origin" },
        body: "username=alice&display_name=Alice",
      });
      expect(res.status).toBe(303);
      const set = res.headers.get("set-cookie") ?? "";
      expect(set).toMatch(/^__Host-ajet_session=ajs_[0-9a-f]{32}\.[\w-]{43}; /);
      expect(set.split("; ")).toEqual(
        expect.arrayContaining(["HttpOnly", "SameSite=Strict", "Secure", "Path=/"]),
      );
      expect(res.headers.get("strict-transport-security")).toBe("max-age=31536000");
      expect((await gw.request("/healthz")).headers.get("strict-transport-security")).toBe(
        "max-age=31536000",
      );
    } finally {
      await gw.close();
    }
  });
});

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type FreshServer, startFreshServer } from "../support/chat-server.ts";
import { errorOf } from "../support/http.ts";
import { once } from "../support/once.ts";
import { waitFor } from "../support/ports.ts";

// A browser's view of the door of `bun run start`, over real HTTP: the setup link's form, the
// session cookie, cross-site writes, the headers on every answer, logout, and the sign-in limits.
let server: FreshServer;
let base = "";
let sameOrigin: Record<string, string> = {};
const crossSite = { origin: "https://evil.example", "sec-fetch-site": "cross-site" };
const form = { "content-type": "application/x-www-form-urlencoded" };
beforeAll(async () => {
  server = await startFreshServer({
    AJET_LOG_LEVEL: "info",
    AJET_RATE_AUTH_BURST: "6",
    AJET_RATE_AUTH_PER_SECOND: "0.2",
  });
  base = server.base;
  sameOrigin = { origin: base, "sec-fetch-site": "same-origin" };
});

afterAll(async () => {
  await server?.stop();
});

const accessLines = () =>
  server.child
    .stderr()
    .split("\n")
    .filter((l) => l.includes('"msg":"request"'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe("the door of a fresh server, as a browser meets it", () => {
  let session = "";
  // The first sign-in, whose session the later tests use (see `once`).
  const signedIn = once(async () => {
    const link = await server.setupLink();
    const res = await fetch(link, {
      method: "POST",
      redirect: "manual",
      headers: { ...form, ...sameOrigin },
      body: "username=alice&display_name=Alice",
    });
    expect(res.status).toBe(303);
    const cookie = res.headers.get("set-cookie") ?? "";
    const [pair, ...flags] = cookie.split("; ");
    session = pair?.split("=")[1] ?? "";
    expect(session).toStartWith("ajs_");
    expect(flags).toEqual(["Path=/", "HttpOnly", "SameSite=Strict", `Max-Age=${14 * 86_400}`]);
  });

  test("the setup link's form signs the first person in with an HttpOnly, SameSite=Strict cookie", () =>
    signedIn());

  test("an authenticated answer carries every security header and is not cacheable", async () => {
    await signedIn();
    const res = await fetch(`${base}/api/me`, { headers: { cookie: `ajet_session=${session}` } });
    expect(res.status).toBe(200);
    expect(Object.fromEntries(res.headers)).toMatchObject({
      "content-security-policy":
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
      "x-content-type-options": "nosniff",
      "referrer-policy": "same-origin",
      "cache-control": "private, no-store",
    });
    expect(res.headers.get("strict-transport-security")).toBeNull();
    const page = await fetch(`${base}/`, { headers: { cookie: `ajet_session=${session}` } });
    expect(page.headers.get("cache-control")).toBe("private, no-store");
    expect(page.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
  });

  test("a cross-site form post with the cookie is refused; the same post from our page goes through", async () => {
    await signedIn();
    const headers = { cookie: `ajet_session=${session}`, ...form };
    const forged = await fetch(`${base}/api/communities`, {
      method: "POST",
      headers: { ...headers, ...crossSite },
      body: "name=Evil&slug=evil",
    });
    expect(forged.status).toBe(403);
    expect((await errorOf(forged)).code).toBe("csrf");
    const ours = await fetch(`${base}/api/communities`, {
      method: "POST",
      headers: { cookie: `ajet_session=${session}`, "content-type": "application/json", ...sameOrigin },
      body: JSON.stringify({ name: "Acme", slug: "acme" }),
    });
    expect(ours.status).toBe(201);
  });

  test("one access-log line per request names the trace id, the user, the route and the status", async () => {
    await signedIn();
    const traceId = "door-e2e-trace-0001";
    const res = await fetch(`${base}/api/me`, {
      headers: { cookie: `ajet_session=${session}`, "x-trace-id": traceId },
    });
    const me = (await res.json()) as { id: string };
    expect(res.headers.get("x-trace-id")).toBe(traceId);
    const lines = await waitFor(() => {
      const found = accessLines().filter((l) => l.trace_id === traceId);
      if (found.length === 0) throw new Error("no access line yet");
      return found;
    });
    const door = lines.filter((l) => l.service === "auth-gw");
    expect(door).toHaveLength(1);
    expect(door[0]).toMatchObject({ method: "GET", path: "/api/me", status: 200, user_id: me.id });
    expect(typeof door[0]?.duration_ms).toBe("number");
    const anonymous = accessLines().find((l) => l.path === "/readyz" && l.service === "auth-gw");
    expect(anonymous).not.toHaveProperty("user_id");
  });

  test("logout clears the cookie and the session stops working at once", async () => {
    await signedIn();
    const res = await fetch(`${base}/auth/logout`, {
      method: "POST",
      redirect: "manual",
      headers: { cookie: `ajet_session=${session}`, ...sameOrigin },
    });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/");
    expect(res.headers.get("set-cookie")).toContain(
      "ajet_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0",
    );
    const after = await fetch(`${base}/api/me`, { headers: { cookie: `ajet_session=${session}` } });
    expect(after.status).toBe(401);
  });

  test("hammering the sign-in routes from one address ends in 429 with Retry-After; the rest still answers", async () => {
    let refused: Response | undefined;
    for (let i = 0; i < 10 && !refused; i++) {
      const res = await fetch(`${base}/invite/aji_guess${i}`);
      if (res.status === 429) refused = res;
      else expect(res.status).toBe(404);
    }
    expect(refused?.headers.get("retry-after")).toBe("5");
    expect(await errorOf(refused as Response)).toMatchObject({ code: "rate_limited" });
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });
});

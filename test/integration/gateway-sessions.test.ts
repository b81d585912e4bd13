import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import { createApiToken } from "../../lib/auth/api-tokens.ts";
import {
  createSession,
  DEFAULT_SESSION_POLICY,
  liveSessionIds,
  revokeAllSessions,
  revokeSession,
  validateSession,
} from "../../lib/auth/sessions.ts";
import { issueToken } from "../../lib/auth/tokens.ts";
import { apiTokens, apiUsers, auditLog, communities, sessions, users } from "../../lib/db/schema.ts";
import type { Person } from "../support/api.ts";
import { endsWithin, readUntil, startTestGateway, type TestGateway } from "../support/gateway.ts";
import { errorOf, jsonOf } from "../support/http.ts";
import { waitFor } from "../support/ports.ts";

const ORIGIN = "http://127.0.0.1:3000";
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const cookie = (token: string) => ({ cookie: `ajet_session=${token}` });

/** A bot of a new community of `owner`'s, with a token that may read messages. */
async function bot(gw: TestGateway, owner: Person) {
  const slug = `bots-${Bun.randomUUIDv7().slice(-8)}`;
  await gw.api.call(owner, "POST", "/api/communities", { name: "Bots", slug });
  const db = gw.api.database.db;
  const [community] = await db.select().from(communities).where(eq(communities.slug, slug));
  const [user] = await db
    .insert(users)
    .values({ username: `bot-${slug}`, displayName: "Bot", kind: "bot" })
    .returning();
  const [apiUser] = await db
    .insert(apiUsers)
    .values({ userId: user?.id as string, name: "deploy bot", communityId: community?.id as string })
    .returning();
  const { token, row } = await createApiToken(db, apiUser?.id as string, ["messages:read"]);
  return { token, tokenId: row.id };
}

interface SessionItem {
  id: string;
  created_at: string;
  last_used_at: string;
  expires_at: string;
  user_agent: string | null;
  ip: string | null;
  current: boolean;
}

describe("your sessions, logout and sign-out everywhere", () => {
  let gw: TestGateway;
  let alice: Person;
  let bob: Person;
  beforeAll(async () => {
    gw = await startTestGateway({ AJET_STREAM_RECHECK_SECONDS: "60" });
    alice = await gw.api.person("alice");
    bob = await gw.api.person("bob");
  });
  afterAll(() => gw.close());

  const me = (token: string) => gw.request("/api/me", { headers: bearer(token) });
  const auditRows = async (action: string) =>
    (await gw.api.database.db.select().from(auditLog)).filter((r) => r.action === action);
  const laptop = async (who: Person) =>
    createSession(gw.api.database.db, who.id, { userAgent: "Firefox on the laptop", ip: "192.0.2.5" });

  test("the list shows your live sessions only, marks the one asking, and never a hash", async () => {
    const other = await laptop(alice);
    const res = await gw.request("/api/sessions", { headers: bearer(alice.token) });
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("private, no-store");
    const { items } = await jsonOf<{ items: SessionItem[] }>(res);
    expect(items).toHaveLength(2);
    expect(items.map((s) => Object.keys(s).sort())).toEqual(
      Array(2).fill(["created_at", "current", "expires_at", "id", "ip", "last_used_at", "user_agent"]),
    );
    const current = items.find((s) => s.current);
    expect(items.filter((s) => s.current)).toHaveLength(1);
    expect(current?.id).not.toBe(other.session.id);
    expect(items.find((s) => s.id === other.session.id)).toMatchObject({
      user_agent: "Firefox on the laptop",
      ip: "192.0.2.5",
      current: false,
    });
    const text = JSON.stringify(items);
    expect(text).not.toContain(other.session.tokenHash);
    expect(text).not.toContain(bob.id);
  });

  test("revoking one of yours ends it at once; someone else's is a 404 and keeps working", async () => {
    const other = await laptop(alice);
    expect((await me(other.token)).status).toBe(200);
    const revoked = await gw.request(`/api/sessions/${other.session.id}`, {
      method: "DELETE",
      headers: bearer(alice.token),
    });
    expect(revoked.status).toBe(200);
    expect(await revoked.json()).toEqual({ revoked: true });
    expect((await me(other.token)).status).toBe(401);
    const [bobs] = await gw.api.database.db.select().from(sessions).where(eq(sessions.userId, bob.id));
    const notYours = await gw.request(`/api/sessions/${bobs?.id}`, {
      method: "DELETE",
      headers: bearer(alice.token),
    });
    expect(notYours.status).toBe(404);
    expect((await errorOf(notYours)).code).toBe("not_found");
    expect((await me(bob.token)).status).toBe(200);
    expect(await auditRows("session.revoked")).toEqual([
      expect.objectContaining({ actorId: alice.id, targetId: other.session.id, targetType: "session" }),
    ]);
  });

  test("logout from a form ends the session, clears the cookie and sends the browser home", async () => {
    const { token } = await laptop(alice);
    const res = await gw.request("/auth/logout", {
      method: "POST",
      headers: { ...cookie(token), origin: ORIGIN, "sec-fetch-site": "same-origin" },
    });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/");
    expect(res.headers.get("set-cookie")).toStartWith(
      "ajet_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0",
    );
    expect((await gw.request("/api/me", { headers: cookie(token) })).status).toBe(401);
    expect(await auditRows("logout")).toContainEqual(expect.objectContaining({ actorId: alice.id }));
  });

  test("logout from a script answers 204 and the token stops working at once", async () => {
    const { token } = await laptop(alice);
    const res = await gw.request("/auth/logout", { method: "POST", headers: bearer(token) });
    expect(res.status).toBe(204);
    expect(res.headers.get("set-cookie")).toContain("Max-Age=0");
    expect((await me(token)).status).toBe(401);
  });

  test("logout from another site is refused: the session lives on", async () => {
    const { token } = await laptop(alice);
    const res = await gw.request("/auth/logout", {
      method: "POST",
      headers: { ...cookie(token), origin: "https://evil.example", "sec-fetch-site": "cross-site" },
    });
    expect(res.status).toBe(403);
    expect((await me(token)).status).toBe(200);
  });

  test("sign out everywhere ends every one of your sessions, this one included, and nobody else's", async () => {
    const phone = await laptop(alice);
    const before = await gw.api.database.db.select().from(sessions).where(eq(sessions.userId, alice.id));
    const res = await gw.request("/api/sessions/revoke-all", {
      method: "POST",
      headers: bearer(alice.token),
    });
    expect(res.status).toBe(200);
    const { revoked } = await jsonOf<{ revoked: number }>(res);
    expect(revoked).toBe(before.length);
    expect(revoked).toBeGreaterThanOrEqual(2);
    expect((await me(alice.token)).status).toBe(401);
    expect((await me(phone.token)).status).toBe(401);
    expect((await me(bob.token)).status).toBe(200);
    expect(await auditRows("session.revoked_all")).toEqual([
      expect.objectContaining({ actorId: alice.id, data: { count: revoked } }),
    ]);
  });

  test("failed sign-ins at the door are audited, one row per address a minute however hard they hammer", async () => {
    const before = (await auditRows("login.failed")).length;
    for (let i = 0; i < 10; i++) {
      await gw.request("/api/me", { ip: "203.0.113.99", headers: bearer(issueToken("session").token) });
    }
    await gw.request("/api/me", { ip: "203.0.113.99", headers: bearer("ajs_not-even-close") });
    await gw.request("/api/me", { ip: "203.0.113.100", headers: cookie("ajs_not-even-close") });
    const rows = (await auditRows("login.failed")).slice(before);
    expect(rows.map((r) => [r.ip, r.data])).toEqual([
      ["203.0.113.99", { credential: "session", reason: "invalid" }],
      ["203.0.113.100", { credential: "session", reason: "malformed" }],
    ]);
    expect(rows.every((r) => r.actorId === null)).toBe(true);
  });

  test("bots cannot list, end or sign out sessions", async () => {
    const { token } = await bot(gw, bob);
    const attempts = [
      await gw.request("/api/sessions", { headers: bearer(token) }),
      await gw.request("/api/sessions/revoke-all", { method: "POST", headers: bearer(token) }),
      await gw.request("/auth/logout", { method: "POST", headers: bearer(token) }),
    ];
    expect(attempts.map((r) => r.status)).toEqual([403, 403, 400]);
    expect((await gw.request("/api/me", { headers: bearer(token) })).status).toBe(200);
  });
});

describe("open streams through the door when their session ends", () => {
  let gw: TestGateway;
  let carol: Person;
  let dave: Person;
  beforeAll(async () => {
    gw = await startTestGateway({ AJET_STREAM_RECHECK_SECONDS: "1" });
    carol = await gw.api.person("carol");
    dave = await gw.api.person("dave");
  });
  afterAll(() => gw.close());

  async function open(token: string, tag: string) {
    const res = await gw.request(`/tui/stream?tag=${tag}`, { headers: bearer(token) });
    expect(res.status).toBe(200);
    const reader = res.body?.getReader() as ReadableStreamDefaultReader<Uint8Array>;
    await readUntil(reader, "event: hello");
    return reader;
  }

  test("a stream is cut within seconds of its session being revoked elsewhere; others stay open", async () => {
    const session = await createSession(gw.api.database.db, carol.id);
    const cut = await open(session.token, "carol-1");
    const kept = await open(dave.token, "dave-1");
    expect(gw.openStreams.has("carol-1")).toBe(true);
    await revokeSession(gw.api.database.db, carol.id, session.session.id);
    expect(await endsWithin(cut, 3000)).toBe(true);
    // The session manager's end of the stream is closed too, not just the client's.
    await waitFor(() => expect(gw.openStreams.has("carol-1")).toBe(false));
    expect(gw.openStreams.has("dave-1")).toBe(true);
    expect(await endsWithin(kept, 1500)).toBe(false);
  });

  test("sign out everywhere cuts every stream of that person's", async () => {
    const one = await open((await createSession(gw.api.database.db, carol.id)).token, "carol-2");
    const two = await open((await createSession(gw.api.database.db, carol.id)).token, "carol-3");
    await revokeAllSessions(gw.api.database.db, carol.id);
    expect(await Promise.all([endsWithin(one, 3000), endsWithin(two, 3000)])).toEqual([true, true]);
  });

  test("a bot's stream is cut when its token is revoked", async () => {
    const { token, tokenId } = await bot(gw, dave);
    const stream = await open(token, "bot-1");
    await gw.api.database.db
      .update(apiTokens)
      .set({ revokedAt: new Date() })
      .where(eq(apiTokens.id, tokenId));
    expect(await endsWithin(stream, 3000)).toBe(true);
  });

  test("logout at the door cuts the session's streams at once, without waiting for the re-check", async () => {
    const { token } = await createSession(gw.api.database.db, carol.id);
    const stream = await open(token, "carol-4");
    const started = Date.now();
    const res = await gw.request("/auth/logout", { method: "POST", headers: bearer(token) });
    expect(res.status).toBe(204);
    expect(await endsWithin(stream, 3000)).toBe(true);
    expect(Date.now() - started).toBeLessThan(500);
  });
});

describe("rolling and absolute expiry of sessions", () => {
  let gw: TestGateway;
  let erin: Person;
  const policy = { idleMs: 3600_000, maxMs: 3 * 3600_000 };
  const t0 = new Date("2030-01-01T00:00:00Z");
  const at = (ms: number) => new Date(t0.getTime() + ms);
  beforeAll(async () => {
    gw = await startTestGateway();
    erin = await gw.api.person("erin");
  });
  afterAll(() => gw.close());

  test("using a session extends its expiry, at most once a minute", async () => {
    const db = gw.api.database.db;
    const { token } = await createSession(db, erin.id, {}, policy, t0);
    const expiry = async (ms: number) =>
      (await validateSession(db, token, policy, at(ms)))?.session.expiresAt;
    expect(await expiry(30_000)).toEqual(at(3600_000));
    expect(await expiry(61_000)).toEqual(at(61_000 + 3600_000));
    expect(await expiry(100_000)).toEqual(at(61_000 + 3600_000));
    expect(await expiry(121_000)).toEqual(at(121_000 + 3600_000));
    const [row] = await db
      .select()
      .from(sessions)
      .where(eq(sessions.expiresAt, at(121_000 + 3600_000)));
    expect(row?.lastUsedAt).toEqual(at(121_000));
  });

  test("with the default 14 days idle, use extends the expiry at most every 10 minutes", async () => {
    const db = gw.api.database.db;
    const days = (n: number) => n * 86_400_000;
    const { token } = await createSession(db, erin.id, {}, DEFAULT_SESSION_POLICY, t0);
    const expiry = async (ms: number) =>
      (await validateSession(db, token, DEFAULT_SESSION_POLICY, at(ms)))?.session.expiresAt;
    expect(await expiry(5 * 60_000)).toEqual(at(days(14)));
    expect(await expiry(9 * 60_000)).toEqual(at(days(14)));
    expect(await expiry(10 * 60_000)).toEqual(at(10 * 60_000 + days(14)));
    expect(await expiry(15 * 60_000)).toEqual(at(10 * 60_000 + days(14)));
  });

  test("however often it is used, no session outlives its absolute maximum", async () => {
    const db = gw.api.database.db;
    const { token, session } = await createSession(db, erin.id, {}, policy, t0);
    for (const minutes of [50, 100, 150]) {
      expect(await validateSession(db, token, policy, at(minutes * 60_000))).not.toBeNull();
    }
    const late = await validateSession(db, token, policy, at(175 * 60_000));
    expect(late?.session.expiresAt).toEqual(at(policy.maxMs));
    expect(await liveSessionIds(db, [session.id], at(179 * 60_000))).toEqual(new Set([session.id]));
    expect(await liveSessionIds(db, [session.id], at(policy.maxMs))).toEqual(new Set());
    expect(await validateSession(db, token, policy, at(policy.maxMs))).toBeNull();
    expect(await validateSession(db, token, policy, at(policy.maxMs - 60_000))).toBeNull();
  });

  test("a session left unused past its idle expiry is refused and removed", async () => {
    const db = gw.api.database.db;
    const { token, session } = await createSession(db, erin.id, {}, policy, t0);
    expect(await validateSession(db, token, policy, at(policy.idleMs - 1))).not.toBeNull();
    const touched = await validateSession(db, token, policy, at(2 * policy.idleMs));
    expect(touched).toBeNull();
    expect(await db.select().from(sessions).where(eq(sessions.id, session.id))).toEqual([]);
  });

  test("an expired session is refused at the door like any unknown one", async () => {
    const db = gw.api.database.db;
    // Made a minute ago with a one-second lifetime: expired now.
    const { token } = await createSession(
      db,
      erin.id,
      {},
      { idleMs: 1000, maxMs: 1000 },
      new Date(Date.now() - 60_000),
    );
    expect((await gw.request("/api/me", { headers: bearer(token) })).status).toBe(401);
  });
});

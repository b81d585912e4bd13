import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import { communityBans, invites } from "../../lib/db/schema.ts";
import type { Person } from "../support/api.ts";
import { startTestGateway, type TestGateway } from "../support/gateway.ts";
import { errorOf } from "../support/http.ts";

// Invite links at the gateway, as scripts use them (JSON), over the real API and database.
describe("invite links", () => {
  let gw: TestGateway;
  let alice: Person;
  let bob: Person;

  const json = <T = Record<string, unknown>>(
    who: Person | string,
    method: string,
    path: string,
    body?: unknown,
  ) => gw.api.json<T>(who, method, path, body);
  const makeInvite = (who: Person, slug: string, body: Record<string, unknown> = {}) =>
    json<{ id: string; code: string; url: string }>(who, "POST", `/api/communities/${slug}/invites`, body);
  const join = (code: string, username: string) =>
    gw.request(`/invite/${code}`, {
      method: "POST",
      headers: { "content-type": "application/json", "sec-fetch-site": "same-origin" },
      body: JSON.stringify({ username, display_name: username }),
    });

  beforeAll(async () => {
    gw = await startTestGateway({ AJET_RATE_AUTH_BURST: "0" });
    alice = await gw.api.person("alice");
    bob = await gw.api.person("bob");
    await json(alice, "POST", "/api/communities", { name: "Acme", slug: "acme" });
    await json(bob, "POST", "/api/communities", { name: "Globex", slug: "globex" });
  });
  afterAll(() => gw.close());

  test("a new person joins the invite's community, in #general with nothing unread", async () => {
    const channels = await json<{ items: { id: string }[] }>(alice, "GET", "/api/communities/acme/channels");
    const general = channels.items[0]?.id ?? "";
    await json(alice, "POST", `/api/channels/${general}/messages`, { body_md: "before carol came" });
    const { code, url } = await makeInvite(alice, "acme");
    expect(url).toBe(`${gw.config.publicUrl}/invite/${code}`);
    const res = await join(code, "carol");
    expect(res.status).toBe(201);
    const { token } = (await res.json()) as { token: string };
    const mine = await json<{ items: { slug: string }[] }>(token, "GET", "/api/communities");
    expect(mine.items.map((c) => c.slug)).toEqual(["acme"]);
    const list = await json<{ items: { name: string; is_member: boolean; unread_count: number }[] }>(
      token,
      "GET",
      "/api/communities/acme/channels",
    );
    expect(list.items).toEqual([
      expect.objectContaining({ name: "general", is_member: true, unread_count: 0 }),
    ]);
  });

  test("a code works for its own community only: it never admits anyone to another", async () => {
    const { code } = await makeInvite(bob, "globex");
    const res = await join(code, "dora");
    const { token } = (await res.json()) as { token: string };
    const mine = await json<{ items: { slug: string }[] }>(token, "GET", "/api/communities");
    expect(mine.items.map((c) => c.slug)).toEqual(["globex"]);
    const acme = await gw.api.call(token, "GET", "/api/communities/acme");
    expect(acme.status).toBe(404);
  });

  test("a use limit admits that many people and then refuses, without creating anyone", async () => {
    const { code } = await makeInvite(alice, "acme", { max_uses: 2 });
    expect((await join(code, "erin")).status).toBe(201);
    expect((await join(code, "frank")).status).toBe(201);
    const third = await join(code, "gina");
    expect(third.status).toBe(404);
    expect((await errorOf(third)).code).toBe("invite_invalid");
    const taken = await join((await makeInvite(alice, "acme")).code, "gina");
    expect(taken.status).toBe(201);
  });

  test("an expired invite is refused", async () => {
    const { id, code } = await makeInvite(alice, "acme", { expires_in: 3600 });
    await gw.api.database.db
      .update(invites)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(invites.id, id));
    expect((await join(code, "hank")).status).toBe(404);
    expect((await gw.request(`/invite/${code}`)).status).toBe(404);
  });

  test("a revoked invite stops working at once, and only admins may revoke or make them", async () => {
    const { id, code } = await makeInvite(alice, "acme");
    await json(alice, "DELETE", `/api/communities/acme/invites/${id}`);
    expect((await join(code, "ivan")).status).toBe(404);
    const member = await gw.api.person("judy");
    await gw.api.join(member, "acme");
    expect((await gw.api.call(member, "POST", "/api/communities/acme/invites", {})).status).toBe(403);
  });

  test("a tampered code, or someone else's secret, is refused", async () => {
    const { code } = await makeInvite(alice, "acme");
    const other = (await makeInvite(alice, "acme")).code;
    const forged = `${code.split(".")[0]}.${other.split(".")[1]}`;
    expect((await join(forged, "kim")).status).toBe(404);
    expect((await join(`${code}x`, "kim")).status).toBe(404);
  });

  test("a taken username is a 409 and spends no use", async () => {
    const { id, code } = await makeInvite(alice, "acme", { max_uses: 1 });
    const res = await join(code, "alice");
    expect(res.status).toBe(409);
    const [row] = await gw.api.database.db.select().from(invites).where(eq(invites.id, id));
    expect(row?.uses).toBe(0);
  });

  test("a person banned from the community cannot come back by invite", async () => {
    const { code } = await makeInvite(alice, "acme");
    const acme = await json<{ id: string }>(alice, "GET", "/api/communities/acme");
    await gw.api.database.db
      .insert(communityBans)
      .values({ communityId: acme.id, userId: bob.id, bannedBy: alice.id });
    const res = await gw.api.call(bob, "POST", `/api/invites/${code}/accept`);
    expect(res.status).toBe(403);
    expect((await gw.api.call(bob, "GET", "/api/communities/acme")).status).toBe(404);
  });
});

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import { createSession } from "../../lib/auth/sessions.ts";
import { sessions } from "../../lib/db/schema.ts";
import { DB_KINDS, type Person } from "../support/api.ts";
import { startTestGateway, type TestGateway } from "../support/gateway.ts";
import { jsonOf } from "../support/http.ts";

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const json = (token: string, body: unknown) => ({
  headers: { ...bearer(token), "content-type": "application/json" },
  body: JSON.stringify(body),
});
// The gateway's one read of a session: the session joined to its user.
const sessionReads = (queries: string[]) =>
  queries.filter((q) => /from "sessions" inner join "users"/.test(q)).length;

// The gateway remembers a token it checked for a few seconds (the default 5 here), and forgets it
// the moment it ends or its account changes, by whatever way: each test below uses the token just
// before, so what it remembered is what must be forgotten.
describe.each(DB_KINDS)("the gateway's memory of credentials on %s", (kind) => {
  let gw: TestGateway;
  let owner: Person;
  let general = "";

  const me = (token: string) => gw.request("/api/me", { headers: bearer(token) });
  const newSession = async (who: Person) => (await createSession(gw.api.database.db, who.id)).token;
  /** A session that just answered 200 through the gateway, so the gateway holds it. */
  const used = async (who: Person) => {
    const token = await newSession(who);
    expect((await me(token)).status).toBe(200);
    return token;
  };

  beforeAll(async () => {
    gw = await startTestGateway({ AJET_STREAM_RECHECK_SECONDS: "60" }, kind);
    owner = await gw.api.person("owner");
    await gw.request("/api/communities", {
      method: "POST",
      ...json(owner.token, { name: "Acme", slug: "acme" }),
    });
    const channels = await jsonOf<{ items: { id: string }[] }>(
      await gw.request("/api/communities/acme/channels", { headers: bearer(owner.token) }),
    );
    general = channels.items[0]?.id ?? "";
  });
  afterAll(() => gw.close());

  test("a token asked about again within seconds is not read again; another one is", async () => {
    const who = await gw.api.person("repeat");
    const token = await used(who);
    gw.api.queries.length = 0;
    for (let i = 0; i < 5; i++) expect((await me(token)).status).toBe(200);
    expect(sessionReads(gw.api.queries)).toBe(0);
    const other = await newSession(who);
    expect((await me(other)).status).toBe(200);
    expect(sessionReads(gw.api.queries)).toBe(1);
  });

  test("a wrong secret beside a remembered session's id is refused, not taken for it", async () => {
    const who = await gw.api.person("forger");
    const token = await used(who);
    const forged = `${token.slice(0, -4)}${token.endsWith("AAAA") ? "BBBB" : "AAAA"}`;
    expect((await me(forged)).status).toBe(401);
    expect((await me(token)).status).toBe(200);
  });

  test("logging out refuses the session on its very next request", async () => {
    const who = await gw.api.person("leaver");
    const token = await used(who);
    const res = await gw.request("/auth/logout", { method: "POST", headers: bearer(token) });
    expect(res.status).toBe(204);
    expect((await me(token)).status).toBe(401);
  });

  test("a session ended from the list is refused on its very next request; the one that ended it goes on", async () => {
    const who = await gw.api.person("lister");
    const laptop = await createSession(gw.api.database.db, who.id);
    expect((await me(laptop.token)).status).toBe(200);
    const phone = await used(who);
    const res = await gw.request(`/api/sessions/${laptop.session.id}`, {
      method: "DELETE",
      headers: bearer(phone),
    });
    expect(res.status).toBe(200);
    expect((await me(laptop.token)).status).toBe(401);
    expect((await me(phone)).status).toBe(200);
  });

  test("signing out everywhere refuses every session of the person at once, and nobody else's", async () => {
    const who = await gw.api.person("everywhere");
    const [a, b] = [await used(who), await used(who)];
    const bystander = await used(await gw.api.person("bystander"));
    const res = await gw.request("/api/sessions/revoke-all", { method: "POST", headers: bearer(a) });
    expect(res.status).toBe(200);
    expect((await me(a)).status).toBe(401);
    expect((await me(b)).status).toBe(401);
    expect((await me(bystander)).status).toBe(200);
  });

  test("a deactivated person's session is refused on its very next request", async () => {
    const who = await gw.api.person("departing");
    await gw.api.join(who, "acme");
    const token = await used(who);
    const res = await gw.request(`/api/users/${who.id}/deactivate`, {
      method: "POST",
      headers: bearer(owner.token),
    });
    expect(res.status).toBe(200);
    expect((await me(token)).status).toBe(401);
  });

  test("a revoked bot token is refused on its very next request", async () => {
    const created = await jsonOf<{ effects: { token: string; token_id: string }[] }>(
      await gw.request("/api/commands", {
        method: "POST",
        ...json(owner.token, { channel_id: general, text: "/token create cachebot" }),
      }),
    );
    const { token, token_id } = created.effects[0] as { token: string; token_id: string };
    expect((await me(token)).status).toBe(200);
    const revoked = await gw.request("/api/commands", {
      method: "POST",
      ...json(owner.token, { channel_id: general, text: `/token revoke ${token_id}` }),
    });
    expect(revoked.status).toBe(200);
    expect((await me(token)).status).toBe(401);
    expect((await me(owner.token)).status).toBe(200);
  });

  test("a change to the account shows on the very next request: name, do not disturb, a post's author", async () => {
    const who = await gw.api.person("renamer");
    await gw.api.join(who, "acme");
    const token = await used(who);
    const renamed = await gw.request("/api/me", {
      method: "PATCH",
      ...json(token, { display_name: "Ren Amer" }),
    });
    expect(renamed.status).toBe(200);
    expect(await jsonOf<{ display_name: string }>(await me(token))).toMatchObject({
      display_name: "Ren Amer",
    });
    const quiet = await gw.request("/api/me/dnd", { method: "PUT", ...json(token, { minutes: 30 }) });
    expect(quiet.status).toBe(200);
    const after = await jsonOf<{ dnd_until: string | null }>(await me(token));
    expect(after.dnd_until).not.toBeNull();
    const posted = await jsonOf<{ author: { display_name: string } }>(
      await gw.request(`/api/channels/${general}/messages`, {
        method: "POST",
        ...json(token, { body_md: "new name, same me" }),
      }),
    );
    expect(posted.author.display_name).toBe("Ren Amer");
  });
});

describe("a credential ended where the gateway hears nothing of it", () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ AJET_CREDENTIAL_CACHE_SECONDS: "1", AJET_STREAM_RECHECK_SECONDS: "60" });
  });
  afterAll(() => gw.close());

  test("is refused once the seconds it may be remembered for have passed", async () => {
    const who = await gw.api.person("quietly");
    const { token, session } = await createSession(gw.api.database.db, who.id);
    expect((await gw.request("/api/me", { headers: bearer(token) })).status).toBe(200);
    // Straight in the database: no event tells the gateway.
    await gw.api.database.db.delete(sessions).where(eq(sessions.id, session.id));
    const deadline = Date.now() + 3_000;
    let status = 200;
    while (status !== 401 && Date.now() < deadline) {
      await Bun.sleep(100);
      status = (await gw.request("/api/me", { headers: bearer(token) })).status;
    }
    expect(status).toBe(401);
  });
});

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { desc, eq } from "drizzle-orm";
import { issueSetupToken } from "../../lib/auth/setup.ts";
import { auditLog, oauthAccounts, users } from "../../lib/db/schema.ts";
import { Browser } from "../support/browser.ts";
import { type FakeProvider, startFakeProvider } from "../support/fake-oauth.ts";
import { startTestGateway, type TestGateway } from "../support/gateway.ts";
import { errorOf, jsonOf } from "../support/http.ts";

// With a sign-in provider configured, an empty server must not belong to whoever signs in first:
// the first account comes through the setup link printed at start, which then links the provider
// identity it signs in with.
describe("the first account on a server with a sign-in provider", () => {
  let provider: FakeProvider;
  let gw: TestGateway;
  beforeAll(async () => {
    provider = startFakeProvider("github");
    gw = await startTestGateway({
      GITHUB_URL: provider.url,
      GITHUB_CLIENT_ID: provider.clientId,
      GITHUB_CLIENT_SECRET: provider.clientSecret,
      AJET_RATE_AUTH_BURST: "0",
    });
  });
  afterAll(async () => {
    await gw.close();
    await provider.stop();
  });

  const db = () => gw.api.database.db;
  const everyone = async () =>
    (await db().select({ username: users.username }).from(users)).map((u) => u.username);
  const lastAudit = async (action: string) =>
    (await db().select().from(auditLog).where(eq(auditLog.action, action)).orderBy(desc(auditLog.id)))[0];
  const asUser = (token: string, path: string, init: RequestInit = {}) =>
    gw.request(path, {
      ...init,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    });

  test("a stranger signing in to the empty server is refused, and nothing is created", async () => {
    provider.signedInAs = { id: 666, login: "mallory" };
    const browser = new Browser(gw);
    const callback = (await browser.follow("/auth/github/start")).at(-1);
    expect(callback?.status).toBe(403);
    expect(browser.cookie("ajet_session")).toBeUndefined();
    expect(await everyone()).toEqual([]);
    expect(await db().select().from(oauthAccounts)).toEqual([]);
    expect(await lastAudit("login.failed")).toMatchObject({
      data: { provider: "github", reason: "not_invited" },
    });
  });

  test("the login page of an unset server points to the setup link and offers no way in", async () => {
    const page = await (await gw.request("/login")).text();
    expect(page).toContain("setup link");
    expect(page).not.toContain("the first person to sign in");
  });

  test("the setup link offers the provider and no name form; signing in through it makes the owner", async () => {
    const setup = (await issueSetupToken(db())) as string;
    const page = await (await gw.request(`/setup/${setup}`)).text();
    expect(page).toContain(`/auth/github/start?setup=${setup}`);
    expect(page).not.toContain('name="username"');

    provider.signedInAs = { id: 101, login: "Octo.Cat", name: "Octo Cat" };
    const browser = new Browser(gw);
    const hops = await browser.follow(`/auth/github/start?setup=${setup}`);
    expect(hops.at(-1)?.status).toBe(200);
    const owner = browser.cookie("ajet_session")?.value ?? "";
    expect(await jsonOf(await asUser(owner, "/api/me"))).toMatchObject({ username: "octo.cat" });
    expect(await db().select().from(oauthAccounts)).toMatchObject([
      { provider: "github", providerUserId: "101" },
    ]);
    expect(await lastAudit("login")).toMatchObject({
      data: { via: "oauth", provider: "github", new_account: true, setup_link: true },
    });
    const created = await asUser(owner, "/api/communities", {
      method: "POST",
      body: JSON.stringify({ name: "Acme", slug: "acme" }),
    });
    expect(created.status).toBe(201);

    // The owner signs in again by the same identity, with no link.
    const again = new Browser(gw);
    await again.follow("/auth/github/start");
    expect(await jsonOf(await asUser(again.cookie("ajet_session")?.value ?? "", "/api/me"))).toMatchObject({
      username: "octo.cat",
    });
  });

  test("once set up, no new setup link is made and a made-up one admits nobody", async () => {
    const setup = (await issueSetupToken(db())) as string | null;
    // Setup is over once a community exists: no new link is made.
    expect(setup).toBeNull();
    provider.signedInAs = { id: 202, login: "eve" };
    const late = (await new Browser(gw).follow("/auth/github/start?setup=aju_0123")).at(-1);
    expect(late?.status).toBe(404);
    expect(await everyone()).toEqual(["octo.cat"]);
  });

  test("a scripted setup with a name is refused while a provider is configured", async () => {
    const res = await gw.request("/setup/aju_0123", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "scripted", display_name: "Scripted" }),
    });
    expect(res.status).toBe(409);
    expect((await errorOf(res)).code).toBe("sign_in_with_provider");
    expect(await everyone()).toEqual(["octo.cat"]);
  });
});

describe("a setup link used through a provider before anyone else", () => {
  let provider: FakeProvider;
  let gw: TestGateway;
  beforeAll(async () => {
    provider = startFakeProvider("gitea");
    gw = await startTestGateway({
      GITEA_URL: provider.url,
      GITEA_CLIENT_ID: provider.clientId,
      GITEA_CLIENT_SECRET: provider.clientSecret,
      AJET_RATE_AUTH_BURST: "0",
    });
  });
  afterAll(async () => {
    await gw.close();
    await provider.stop();
  });

  test("works once: the second browser with the same link is turned away", async () => {
    const setup = (await issueSetupToken(gw.api.database.db)) as string;
    provider.signedInAs = { id: 1, login: "first" };
    const first = (await new Browser(gw).follow(`/auth/gitea/start?setup=${setup}`)).at(-1);
    expect(first?.status).toBe(200);
    provider.signedInAs = { id: 2, login: "second" };
    const second = (await new Browser(gw).follow(`/auth/gitea/start?setup=${setup}`)).at(-1);
    expect(second?.status).toBe(404);
    const names = (await gw.api.database.db.select({ username: users.username }).from(users)).map(
      (u) => u.username,
    );
    expect(names).toEqual(["first"]);
  });
});

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { desc, eq } from "drizzle-orm";
import { issueSetupToken } from "../../lib/auth/setup.ts";
import { auditLog, oauthAccounts, sessions, users } from "../../lib/db/schema.ts";
import { Browser } from "../support/browser.ts";
import { type FakeProvider, startFakeProvider } from "../support/fake-oauth.ts";
import { startTestGateway, type TestGateway } from "../support/gateway.ts";
import { jsonOf } from "../support/http.ts";
import { once } from "../support/once.ts";

// The whole redirect → provider → callback → session flow against a fake GitHub and a fake Gitea
// on loopback, through the real gateway over a real database.
for (const shape of ["github", "gitea"] as const) {
  describe(`signing in with ${shape}`, () => {
    let provider: FakeProvider;
    let gw: TestGateway;
    let owner = "";

    beforeAll(async () => {
      provider = startFakeProvider(shape);
      const prefix = shape.toUpperCase();
      gw = await startTestGateway({
        [`${prefix}_URL`]: provider.url,
        [`${prefix}_CLIENT_ID`]: provider.clientId,
        [`${prefix}_CLIENT_SECRET`]: provider.clientSecret,
        AJET_RATE_AUTH_BURST: "0",
      });
    });
    afterAll(async () => {
      await gw.close();
      await provider.stop();
    });

    const db = () => gw.api.database.db;
    const lastAudit = async (action: string) =>
      (await db().select().from(auditLog).where(eq(auditLog.action, action)).orderBy(desc(auditLog.id)))[0];
    const sessionToken = (b: Browser) => b.cookie("ajet_session")?.value ?? "";
    const asUser = (token: string, path: string, init: RequestInit = {}) =>
      gw.request(path, { ...init, headers: { authorization: `Bearer ${token}`, ...init.headers } });
    const me = async (token: string) => jsonOf<{ username: string }>(await asUser(token, "/api/me"));
    const mySlugs = async (token: string) =>
      (await jsonOf<{ items: { slug: string }[] }>(await asUser(token, "/api/communities"))).items.map(
        (c) => c.slug,
      );
    const post = (token: string, path: string, body: unknown) =>
      asUser(token, path, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    const newInvite = async (token: string, slug: string, body: unknown = {}) =>
      (await jsonOf<{ code: string }>(await post(token, `/api/communities/${slug}/invites`, body))).code;
    /** start → provider → callback, as one person in one browser. */
    const signIn = (browser: Browser, query = "") => browser.follow(`/auth/${shape}/start${query}`);

    // The story's steps that later tests stand on (see `once`).
    const ownerSignedUp = once(async () => {
      const page = await (await gw.request("/login")).text();
      expect(page).toContain("setup link");
      const setup = (await issueSetupToken(db())) as string;

      provider.signedInAs = {
        id: 101,
        login: "Octo.Cat",
        name: "Octo Cat",
        email: null,
        emails: [
          { email: "old@example.com", primary: false, verified: true },
          { email: "octo@example.com", primary: true, verified: true },
        ],
      };
      const browser = new Browser(gw);
      const [start, authorize, callback] = await signIn(browser, `?setup=${setup}`);

      expect(start?.status).toBe(302);
      const sent = new URL(start?.headers.get("location") ?? "");
      expect(sent.origin + sent.pathname).toBe(`${provider.url}/login/oauth/authorize`);
      expect(sent.searchParams.get("redirect_uri")).toBe(`${gw.config.publicUrl}/auth/${shape}/callback`);
      expect(sent.searchParams.get("code_challenge_method")).toBe("S256");
      expect(authorize?.status).toBe(302);
      expect(callback?.status).toBe(200);
      expect(callback?.headers.get("refresh")).toBe("0; url=/");
      // The verifier went to the provider with the code, and never in a URL.
      expect(provider.tokenRequests.at(-1)?.get("code_verifier")).toBeTruthy();
      expect(start?.headers.get("location")).not.toContain(
        provider.tokenRequests.at(-1)?.get("code_verifier"),
      );

      owner = sessionToken(browser);
      expect(owner).toStartWith("ajs_");
      expect(await me(owner)).toMatchObject({ username: "octo.cat", display_name: "Octo Cat" });
      if (shape === "github") {
        const [row] = await db().select().from(users).where(eq(users.username, "octo.cat"));
        expect(row?.email).toBe("octo@example.com");
      }
      expect((await post(owner, "/api/communities", { name: "Acme", slug: "acme" })).status).toBe(201);
      expect(await lastAudit("login")).toMatchObject({
        data: { via: "oauth", provider: shape, new_account: true },
      });
      expect(await gw.request("/login").then((r) => r.text())).toContain(`/auth/${shape}/start`);
    });

    const bobInvited = once(async () => {
      await ownerSignedUp();
      const code = await newInvite(owner, "acme", { max_uses: 1 });
      // The invite page offers the provider, carrying the code, instead of a username form.
      const page = await (await gw.request(`/invite/${code}`)).text();
      expect(page).toContain(`/auth/${shape}/start?invite=${code}`);
      expect(page).not.toContain('name="username"');

      provider.signedInAs = { id: 303, login: "bob", name: "Bob" };
      const browser = new Browser(gw);
      const hops = await browser.follow(`/auth/${shape}/start?invite=${code}&next=/c/acme`);
      expect(hops.at(-1)?.status).toBe(200);
      expect(hops.at(-1)?.headers.get("refresh")).toBe("0; url=/c/acme");
      expect(await mySlugs(sessionToken(browser))).toEqual(["acme"]);
      expect(await lastAudit("invite.used")).toBeTruthy();

      // The invite was for one use: the next stranger with it is turned away.
      provider.signedInAs = { id: 304, login: "carol" };
      const late = (await new Browser(gw).follow(`/auth/${shape}/start?invite=${code}`)).at(-1);
      expect(late?.status).toBe(404);
      expect(await lastAudit("login.failed")).toMatchObject({ data: { reason: "invite_invalid" } });
    });

    test("the first person signs in through the setup link, gets an account, and creates the community", () =>
      ownerSignedUp());

    test("signing in again finds the same account by the provider's id and makes a new session token", async () => {
      await ownerSignedUp();
      provider.signedInAs = { id: 101, login: "renamed-cat", name: "Octo Cat" };
      const browser = new Browser(gw);
      const hops = await signIn(browser);
      expect(hops.at(-1)?.status).toBe(200);
      const token = sessionToken(browser);
      expect(token).toStartWith("ajs_");
      expect(token).not.toBe(owner);
      expect((await me(token)).username).toBe("octo.cat");
      const linked = await db().select().from(oauthAccounts).where(eq(oauthAccounts.providerUserId, "101"));
      expect(linked).toHaveLength(1);
    });

    test("a stranger without an invite is refused once a community exists, and nothing is created", async () => {
      await ownerSignedUp();
      provider.signedInAs = { id: 202, login: "mallory" };
      const browser = new Browser(gw);
      const callback = (await signIn(browser)).at(-1);
      expect(callback?.status).toBe(403);
      expect(await callback?.text()).toContain("invite");
      expect(browser.cookie("ajet_session")).toBeUndefined();
      expect(await db().select().from(users).where(eq(users.username, "mallory"))).toHaveLength(0);
      expect(await lastAudit("login.failed")).toMatchObject({
        actorId: null,
        data: { provider: shape, reason: "not_invited" },
      });
    });

    test("an invite carried through the flow brings a new person into its community", () => bobInvited());

    test("a person who already has an account joins the invite's community when signing in from it", async () => {
      await bobInvited();
      const other = await gw.api.person(`dana${shape}`);
      await post(other.token, "/api/communities", { name: "Other", slug: `other-${shape}` });
      const code = await newInvite(other.token, `other-${shape}`);
      provider.signedInAs = { id: 303, login: "bob" };
      const browser = new Browser(gw);
      await browser.follow(`/auth/${shape}/start?invite=${code}`);
      expect((await mySlugs(sessionToken(browser))).sort()).toEqual(["acme", `other-${shape}`]);
    });

    test("a newcomer whose login is someone's username already gets the next free variant of it", async () => {
      await ownerSignedUp();
      const code = await newInvite(owner, "acme");
      provider.signedInAs = { id: 404, login: "Octo.Cat" };
      const browser = new Browser(gw);
      await browser.follow(`/auth/${shape}/start?invite=${code}`);
      expect((await me(sessionToken(browser))).username).toBe("octo.cat-2");
    });

    test("a callback whose state does not match the browser's is refused and audited", async () => {
      provider.signedInAs = { id: 101, login: "octo.cat" };
      const browser = new Browser(gw);
      const start = await browser.get(`/auth/${shape}/start`);
      const back = await fetch(start.headers.get("location") ?? "", { redirect: "manual" });
      const callback = new URL(back.headers.get("location") ?? "");
      callback.searchParams.set("state", "forged-state");
      const res = await browser.get(callback.toString());
      expect(res.status).toBe(400);
      expect(browser.cookie("ajet_session")).toBeUndefined();
      expect(await lastAudit("login.failed")).toMatchObject({ data: { reason: "state_mismatch" } });

      // A callback arriving in a browser that never started the flow is the same attack.
      const elsewhere = new Browser(gw, "203.0.113.99");
      callback.searchParams.set(
        "state",
        new URL(start.headers.get("location") ?? "").searchParams.get("state") ?? "",
      );
      expect((await elsewhere.get(callback.toString())).status).toBe(400);
      expect(elsewhere.cookie("ajet_session")).toBeUndefined();
    });

    test("a replayed callback is refused: the provider will not take the same code twice", async () => {
      await ownerSignedUp();
      provider.signedInAs = { id: 101, login: "octo.cat" };
      const browser = new Browser(gw);
      const start = await browser.get(`/auth/${shape}/start`);
      const back = await fetch(start.headers.get("location") ?? "", { redirect: "manual" });
      const callback = back.headers.get("location") ?? "";
      const beforeCallback = browser.snapshot();
      expect((await browser.get(callback)).status).toBe(200);

      const replayer = new Browser(gw);
      replayer.restore(beforeCallback);
      const replay = await replayer.get(callback);
      expect(replay.status).toBe(400);
      expect(replayer.cookie("ajet_session")).toBeUndefined();
      expect(await lastAudit("login.failed")).toMatchObject({ data: { reason: "invalid_code" } });
    });

    test("denied consent signs nobody in, forgets the flow and is audited", async () => {
      provider.denyNext = true;
      const browser = new Browser(gw);
      const sessionsBefore = (await db().select().from(sessions)).length;
      const callback = (await signIn(browser)).at(-1);
      expect(callback?.status).toBe(403);
      expect(await callback?.text()).toContain("did not allow");
      expect(browser.cookie(`ajet_oauth_${shape}`)).toBeUndefined();
      expect((await db().select().from(sessions)).length).toBe(sessionsBefore);
      expect(await lastAudit("login.failed")).toMatchObject({
        data: { provider: shape, reason: "access_denied" },
      });
    });

    test("only local paths survive as the place to go after signing in", async () => {
      await ownerSignedUp();
      provider.signedInAs = { id: 101, login: "octo.cat" };
      for (const [next, landing] of [
        ["/device?code=WDJB-MJHT", "/device?code=WDJB-MJHT"],
        ["//evil.example/path", "/"],
        ["https://evil.example/", "/"],
        ["/\\evil.example", "/"],
      ] as const) {
        const hops = await new Browser(gw).follow(`/auth/${shape}/start?next=${encodeURIComponent(next)}`);
        expect(hops.at(-1)?.headers.get("refresh")).toBe(`0; url=${landing}`);
      }
    });

    test("the flow cookie is short-lived, HttpOnly, SameSite=Lax and scoped to the provider's routes", async () => {
      const browser = new Browser(gw);
      await browser.get(`/auth/${shape}/start`);
      const flow = browser.cookie(`ajet_oauth_${shape}`);
      expect(flow?.path).toBe(`/auth/${shape}`);
      expect(flow?.attributes).toEqual(expect.arrayContaining(["HttpOnly", "SameSite=Lax", "Max-Age=600"]));
    });
  });
}

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { desc, eq } from "drizzle-orm";
import { OAuth2Server } from "oauth2-mock-server";
import { issueSetupToken } from "../../lib/auth/setup.ts";
import { auditLog, users } from "../../lib/db/schema.ts";
import { Browser } from "../support/browser.ts";
import { startTestGateway, type TestGateway } from "../support/gateway.ts";
import { jsonOf } from "../support/http.ts";
import { once } from "../support/once.ts";
import { freePort } from "../support/ports.ts";

// A generic OpenID Connect provider: oauth2-mock-server on loopback, found through its discovery
// document, with the signed-in person set per test through its userinfo and token hooks.
const oidc = new OAuth2Server();
let gw: TestGateway;
let person: Record<string, unknown> = {};
let discoveries = 0;

beforeAll(async () => {
  await oidc.issuer.keys.generate("RS256");
  const port = freePort();
  oidc.issuer.url = `http://127.0.0.1:${port}`;
  await oidc.start(port, "127.0.0.1");
  oidc.service.on("beforeWellKnownOpenIdConfiguration", () => {
    discoveries++;
  });
  oidc.service.on("beforeTokenSigning", (token) => {
    token.payload.sub = person.sub;
  });
  oidc.service.on("beforeUserinfo", (res) => {
    res.body = { ...person };
  });
  gw = await startTestGateway({
    OIDC_ISSUER: oidc.issuer.url ?? "",
    OIDC_CLIENT_ID: "ajet-chat",
    OIDC_CLIENT_SECRET: "oidc-secret",
    AJET_RATE_AUTH_BURST: "0",
  });
});

afterAll(async () => {
  await gw.close();
  await oidc.stop();
});

const db = () => gw.api.database.db;
const lastAudit = async (action: string) =>
  (await db().select().from(auditLog).where(eq(auditLog.action, action)).orderBy(desc(auditLog.id)))[0];
const bearer = (token: string, init: RequestInit = {}) => ({
  ...init,
  headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
});

describe("signing in with an OpenID Connect provider", () => {
  let owner = "";

  // The first sign-in, which later tests stand on (see `once`).
  const adaSignedUp = once(async () => {
    person = {
      sub: "u-ada",
      preferred_username: "ada",
      name: "Ada Lovelace",
      email: "ada@example.com",
      email_verified: true,
    };
    const setup = (await issueSetupToken(db())) as string;
    const browser = new Browser(gw);
    const hops = await browser.follow(`/auth/oidc/start?setup=${setup}`);
    expect(hops.map((r) => r.status)).toEqual([302, 302, 200]);
    const authorize = new URL(hops[0]?.headers.get("location") ?? "");
    expect(authorize.searchParams.get("scope")).toBe("openid profile email");
    expect(authorize.searchParams.get("code_challenge_method")).toBe("S256");

    owner = browser.cookie("ajet_session")?.value ?? "";
    const me = await jsonOf(await gw.request("/api/me", bearer(owner)));
    expect(me).toMatchObject({ username: "ada", display_name: "Ada Lovelace" });
    const [row] = await db().select().from(users).where(eq(users.username, "ada"));
    expect(row?.email).toBe("ada@example.com");
    const created = await gw.request(
      "/api/communities",
      bearer(owner, { method: "POST", body: JSON.stringify({ name: "Engine", slug: "engine" }) }),
    );
    expect(created.status).toBe(201);
  });

  test("the setup link offers the issuer, and only the issuer", async () => {
    const setup = (await issueSetupToken(db())) as string;
    const page = await (await gw.request(`/setup/${setup}`)).text();
    expect(page).toContain(`Sign in with ${new URL(oidc.issuer.url ?? "").host}`);
    expect(page).toContain(`/auth/oidc/start?setup=${setup}`);
    expect(page).not.toContain("/auth/github/start");
  });

  test("the first person signs in through the setup link with userinfo claims and creates the first community", () =>
    adaSignedUp());

  test("discovery runs once and is cached for later sign-ins", async () => {
    // The first sign-in may have to discover; the ones after it must not.
    await new Browser(gw).follow("/auth/oidc/start");
    const before = discoveries;
    await new Browser(gw).follow("/auth/oidc/start");
    await new Browser(gw).follow("/auth/oidc/start");
    expect(discoveries - before).toBe(0);
    expect(discoveries).toBe(1);
  });

  test("an invite carried through brings a second person into the community; an unverified email is not kept", async () => {
    await adaSignedUp();
    const invite = await jsonOf<{ code: string }>(
      await gw.request("/api/communities/engine/invites", bearer(owner, { method: "POST", body: "{}" })),
    );
    person = { sub: "u-charles", nickname: "Charles B", email: "cb@example.com", email_verified: false };
    const browser = new Browser(gw);
    const hops = await browser.follow(`/auth/oidc/start?invite=${invite.code}`);
    expect(hops.at(-1)?.status).toBe(200);
    const token = browser.cookie("ajet_session")?.value ?? "";
    expect(await jsonOf(await gw.request("/api/me", bearer(token)))).toMatchObject({ username: "charles-b" });
    const mine = await jsonOf<{ items: { slug: string }[] }>(
      await gw.request("/api/communities", bearer(token)),
    );
    expect(mine.items.map((c) => c.slug)).toEqual(["engine"]);
    const [row] = await db().select().from(users).where(eq(users.username, "charles-b"));
    expect(row?.email).toBeNull();
  });

  test("a replayed code is refused by the provider and audited", async () => {
    await adaSignedUp();
    person = { sub: "u-ada", preferred_username: "ada" };
    const browser = new Browser(gw);
    const start = await browser.get("/auth/oidc/start");
    const back = await fetch(start.headers.get("location") ?? "", { redirect: "manual" });
    const callback = back.headers.get("location") ?? "";
    const jar = browser.snapshot();
    expect((await browser.get(callback)).status).toBe(200);
    const replayer = new Browser(gw);
    replayer.restore(jar);
    expect((await replayer.get(callback)).status).toBe(400);
    expect(await lastAudit("login.failed")).toMatchObject({
      data: { provider: "oidc", reason: "invalid_code" },
    });
  });

  test("a forged state is refused before any code is exchanged", async () => {
    const browser = new Browser(gw);
    const start = await browser.get("/auth/oidc/start");
    const back = await fetch(start.headers.get("location") ?? "", { redirect: "manual" });
    const callback = new URL(back.headers.get("location") ?? "");
    callback.searchParams.set("state", "not-the-state");
    expect((await browser.get(callback.toString())).status).toBe(400);
    expect(await lastAudit("login.failed")).toMatchObject({
      data: { provider: "oidc", reason: "state_mismatch" },
    });
  });

  test("consent denied at the provider is audited and signs nobody in", async () => {
    oidc.service.once("beforeAuthorizeRedirect", ({ url }) => {
      url.searchParams.delete("code");
      url.searchParams.set("error", "access_denied");
    });
    const browser = new Browser(gw);
    const callback = (await browser.follow("/auth/oidc/start")).at(-1);
    expect(callback?.status).toBe(403);
    expect(browser.cookie("ajet_session")).toBeUndefined();
    expect(await lastAudit("login.failed")).toMatchObject({
      data: { provider: "oidc", reason: "access_denied" },
    });
  });
});

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import { auditLog } from "../../lib/db/schema.ts";
import { Browser } from "../support/browser.ts";
import { startTestGateway, type TestGateway } from "../support/gateway.ts";
import { errorOf, jsonOf } from "../support/http.ts";
import { freePort } from "../support/ports.ts";

// Which providers a server offers follows only from its configuration.
const github = { GITHUB_CLIENT_ID: "gh-id", GITHUB_CLIENT_SECRET: "gh-secret" };
const gitea = {
  GITEA_URL: "https://git.example.org",
  GITEA_CLIENT_ID: "gt-id",
  GITEA_CLIENT_SECRET: "gt-secret",
};
// Nothing listens here: enough for the login page, which never contacts the issuer.
const oidc = {
  OIDC_ISSUER: `http://127.0.0.1:${freePort()}`,
  OIDC_CLIENT_ID: "oidc-id",
  OIDC_CLIENT_SECRET: "oidc-secret",
};

/**
 * A gateway with this configuration for the tests of the block, set up (someone is here: before
 * that, /login points to the setup link instead of offering providers).
 */
function serving(env: Record<string, string>) {
  const handle: { gw: TestGateway } = { gw: undefined as unknown as TestGateway };
  beforeAll(async () => {
    handle.gw = await startTestGateway(env);
    await handle.gw.api.person("owner");
  });
  afterAll(() => handle.gw.close());
  return handle;
}
const text = async (res: Promise<Response>) => (await res).text();

describe("with no provider configured", () => {
  const s = serving({});

  test("the login page points to invite links and the setup link, and no start route exists", async () => {
    const page = await text(s.gw.request("/login"));
    expect(page).toContain("ask someone in the community for an invite link");
    expect(page).toContain("setup link");
    expect(page).not.toContain("Sign in with");
    expect((await s.gw.request("/auth/github/start")).status).toBe(404);
  });
});

describe("with GitHub only", () => {
  const s = serving(github);

  test("only GitHub is offered, and it starts at github.com with our callback URL", async () => {
    const page = await text(s.gw.request("/login"));
    expect(page).toContain("Sign in with GitHub");
    expect(page).not.toContain("Gitea");
    expect(page).not.toContain("/auth/oidc/start");
    expect((await s.gw.request("/auth/gitea/start")).status).toBe(404);
    const start = await s.gw.request("/auth/github/start");
    const to = new URL(start.headers.get("location") ?? "");
    expect(to.origin + to.pathname).toBe("https://github.com/login/oauth/authorize");
    expect(to.searchParams.get("redirect_uri")).toBe("http://127.0.0.1:3000/auth/github/callback");
    expect(to.searchParams.get("client_id")).toBe("gh-id");
    expect(to.searchParams.get("code_challenge")).toBeTruthy();
    // Plain http on loopback: the flow cookie cannot be Secure, or the browser would drop it.
    expect(start.headers.get("set-cookie")).not.toContain("Secure");
  });

  test("the page carries next to the start links, keeping only local paths", async () => {
    const page = await text(s.gw.request(`/login?next=${encodeURIComponent("/device?code=WDJB-MJHT")}`));
    expect(page).toContain(`/auth/github/start?next=${encodeURIComponent("/device?code=WDJB-MJHT")}`);
    const offsite = await text(s.gw.request(`/login?next=${encodeURIComponent("//evil.example")}`));
    expect(offsite).not.toContain("evil.example");
  });

  test("an invite cannot be redeemed by picking a username", async () => {
    const alice = await s.gw.api.person("alice");
    const auth = { authorization: `Bearer ${alice.token}`, "content-type": "application/json" };
    await s.gw.request("/api/communities", {
      method: "POST",
      headers: auth,
      body: JSON.stringify({ name: "Acme", slug: "acme" }),
    });
    const invite = await jsonOf<{ code: string }>(
      await s.gw.request("/api/communities/acme/invites", { method: "POST", headers: auth, body: "{}" }),
    );
    const res = await s.gw.request(`/invite/${invite.code}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "mallory", display_name: "M" }),
    });
    expect(res.status).toBe(409);
    expect((await errorOf(res)).code).toBe("sign_in_with_provider");
  });

  test("a provider that is not enabled has no callback either", async () => {
    const res = await new Browser(s.gw).get("/auth/gitea/callback?code=x&state=y");
    expect(res.status).toBe(404);
    const failed = await s.gw.api.database.db
      .select()
      .from(auditLog)
      .where(eq(auditLog.action, "login.failed"));
    expect(failed).toEqual([]);
  });
});

describe("with every provider configured, served over https", () => {
  const s = serving({ ...github, ...gitea, ...oidc, AJET_PUBLIC_URL: "https://chat.example.org" });

  test("all three are offered, Gitea starting at its own URL with a Secure flow cookie", async () => {
    const page = await text(s.gw.request("/login"));
    expect(page).toContain("Sign in with GitHub");
    expect(page).toContain("Sign in with Gitea");
    expect(page).toContain(`Sign in with ${new URL(oidc.OIDC_ISSUER).host}`);
    const start = await s.gw.request("/auth/gitea/start");
    const to = new URL(start.headers.get("location") ?? "");
    expect(to.origin + to.pathname).toBe("https://git.example.org/login/oauth/authorize");
    expect(to.searchParams.get("redirect_uri")).toBe("https://chat.example.org/auth/gitea/callback");
    expect(start.headers.get("set-cookie")).toContain("Secure");
  });

  test("an OIDC issuer that cannot be reached makes start fail with a page, not a crash", async () => {
    const start = await s.gw.request("/auth/oidc/start");
    expect(start.status).toBe(502);
    expect(await start.text()).toContain("unreachable");
  });
});

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { issueSetupToken } from "../../lib/auth/setup.ts";
import { oauthAccounts } from "../../lib/db/schema.ts";
import { localPath } from "../../lib/http/local-path.ts";
import type { Person } from "../support/api.ts";
import { Browser } from "../support/browser.ts";
import { type FakeProvider, startFakeProvider } from "../support/fake-oauth.ts";
import { startTestGateway, type TestGateway } from "../support/gateway.ts";
import { landsOffsite, local, offsite } from "../support/redirect-corpus.ts";

// Every place a sign-in sends a browser on to (`next`, or the return address kept in the flow
// cookie) stays on this server for every spelling in the open-redirect corpus.

describe("the return address of every sign-in route stays on this server", () => {
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
    });
    alice = await gw.api.person("alice");
    await gw.api.database.db
      .insert(oauthAccounts)
      .values({ userId: alice.id, provider: "github", providerUserId: "7" });
    provider.signedInAs = { id: 7, login: "alice" };
  });
  afterAll(async () => {
    await gw.close();
    await provider.stop();
  });

  /** Where the signed-in page sends the browser on: its Refresh URL and its Continue link. */
  const onwards = async (res: Response | undefined) => {
    const refresh = res?.headers.get("refresh") ?? "";
    const link = /<a href="([^"]*)">Continue<\/a>/.exec((await res?.text()) ?? "")?.[1] ?? "";
    return { refresh: refresh.replace(/^0; url=/, ""), link: link.replaceAll("&amp;", "&") };
  };

  test("the login page's provider links carry no offsite address", async () => {
    for (const next of offsite) {
      const page = await (await gw.request(`/login?next=${encodeURIComponent(next)}`)).text();
      const start = /href="(\/auth\/github\/start[^"]*)"/.exec(page)?.[1]?.replaceAll("&amp;", "&") ?? "";
      const carried = new URL(start, gw.config.publicUrl).searchParams.get("next");
      expect({ next, carried }).toEqual({ next, carried: null });
      expect(page).not.toContain("evil.example");
    }
  });

  test("a sign-in started with an offsite next lands on / after the callback", async () => {
    for (const next of offsite) {
      const hops = await new Browser(gw).follow(`/auth/github/start?next=${encodeURIComponent(next)}`);
      const last = hops.at(-1);
      expect({ next, status: last?.status }).toEqual({ next, status: 200 });
      expect({ next, onwards: await onwards(last) }).toEqual({ next, onwards: { refresh: "/", link: "/" } });
    }
  });

  test("a sign-in started with a local next lands there", async () => {
    for (const [next, kept] of local) {
      const hops = await new Browser(gw).follow(`/auth/github/start?next=${encodeURIComponent(next)}`);
      expect({ next, onwards: await onwards(hops.at(-1)) }).toEqual({
        next,
        onwards: { refresh: kept, link: kept },
      });
    }
  });

  test("a flow cookie carrying an offsite next (planted, not ours) still lands on /", async () => {
    for (const next of offsite) {
      const browser = new Browser(gw);
      const start = await browser.get("/auth/github/start");
      const flow = browser.cookie("ajet_oauth_github");
      const carried = JSON.parse(Buffer.from(flow?.value ?? "", "base64url").toString());
      browser.setCookie(
        "ajet_oauth_github",
        Buffer.from(JSON.stringify({ ...carried, next })).toString("base64url"),
        "/auth/github",
      );
      const hops = await browser.follow(start.headers.get("location") ?? "");
      expect({ next, onwards: await onwards(hops.at(-1)) }).toEqual({
        next,
        onwards: { refresh: "/", link: "/" },
      });
    }
  });

  test("the device page sends a visitor to sign in with a return address on this server", async () => {
    for (const code of [...offsite, "WDJB-MJHT"]) {
      const res = await gw.request(`/device?code=${encodeURIComponent(code)}`);
      expect(res.status).toBe(303);
      const location = res.headers.get("location") ?? "";
      expect(location).toStartWith("/login?next=");
      const next = new URL(location, gw.config.publicUrl).searchParams.get("next") ?? "";
      expect({ code, next: localPath(next) }).toEqual({ code, next });
      expect(landsOffsite(next)).toBe(false);
    }
  });

  test("an invite carried through sign-in with an offsite next still lands on /", async () => {
    await gw.api.json(alice, "POST", "/api/communities", { name: "Acme", slug: "acme" });
    for (const [i, next] of offsite.entries()) {
      const { code } = await gw.api.json<{ code: string }>(
        alice,
        "POST",
        "/api/communities/acme/invites",
        {},
      );
      provider.signedInAs = { id: 1000 + i, login: `newcomer-${i}` };
      const query = new URLSearchParams({ invite: code, next });
      const hops = await new Browser(gw).follow(`/auth/github/start?${query}`);
      expect({ next, onwards: await onwards(hops.at(-1)) }).toEqual({
        next,
        onwards: { refresh: "/", link: "/" },
      });
    }
    provider.signedInAs = { id: 7, login: "alice" };
  });
});

describe("the setup and invite forms take no return address", () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ AJET_RATE_AUTH_BURST: "0" });
  });
  afterAll(() => gw.close());

  test("signing up by either form answers with / whatever next says", async () => {
    const sameOrigin = {
      "content-type": "application/x-www-form-urlencoded",
      origin: gw.config.publicUrl,
      "sec-fetch-site": "same-origin",
    };
    const next = encodeURIComponent("/.//evil.example");
    const setup = (await issueSetupToken(gw.api.database.db)) as string;
    const owner = await gw.request(`/setup/${setup}?next=${next}`, {
      method: "POST",
      headers: sameOrigin,
      body: "username=alice&display_name=Alice",
    });
    expect(owner.status).toBe(303);
    expect(owner.headers.get("location")).toBe("/");
    const token = /ajet_session=([^;]+)/.exec(owner.headers.get("set-cookie") ?? "")?.[1] ?? "";
    await gw.api.json(token, "POST", "/api/communities", { name: "Acme", slug: "acme" });
    const { code } = await gw.api.json<{ code: string }>(token, "POST", "/api/communities/acme/invites", {});
    const joined = await gw.request(`/invite/${code}?next=${next}`, {
      method: "POST",
      headers: sameOrigin,
      body: "username=bob&display_name=Bob",
    });
    expect(joined.status).toBe(303);
    expect(joined.headers.get("location")).toBe("/");
  });
});

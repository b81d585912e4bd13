import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { SQL } from "bun";
import { Browser, overHttp } from "../support/browser.ts";
import { type FreshServer, startFreshServer } from "../support/chat-server.ts";
import { type FakeProvider, startFakeProvider } from "../support/fake-oauth.ts";
import { TEST_INTERNAL_SECRET } from "../support/internal.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";

// Everything `bun run start` writes to its log (every service, at debug) and to audit_log during a
// realistic run — setup link, invites, terminal login, webhook posts, bot tokens, failed sign-ins,
// OAuth sign-ins — is scanned for every secret the run handed out: none may appear, whole or in part.

/** A token of any kind as the product issues it: `aj?_` + 32 hex + `.` + 43 base64url. */
const TOKEN = /aj[a-z]_[0-9a-f]{32}\.[\w-]{43}/i;

/** The parts of a secret that must not be written down: a token's secret half, or the whole value. */
const secretParts = (value: string) => {
  const dot = value.indexOf(".");
  return /^aj[a-z]_/.test(value) && dot > 0 ? [value.slice(dot + 1)] : [value];
};

interface Run {
  server: FreshServer;
  database: TestDatabase;
  secrets: Map<string, string>;
}

async function startRun(env: Record<string, string> = {}): Promise<Run> {
  const database = await createTestDatabase();
  const server = await startFreshServer({
    AJET_LOG_LEVEL: "debug",
    AJET_RATE_AUTH_BURST: "0",
    DATABASE_URL: database.url,
    AJET_INTERNAL_SECRET: TEST_INTERNAL_SECRET,
    ...env,
  });
  // The internal secret is a secret too: it must not reach the log either.
  return { server, database, secrets: new Map([["internal secret", TEST_INTERNAL_SECRET]]) };
}

async function stopRun(run: Run | undefined) {
  await run?.server.stop();
  await run?.database.drop();
}

/** Every audit row of the run, as text. */
async function auditRows(run: Run): Promise<string> {
  const sql = new SQL({ url: run.database.url, max: 1 });
  try {
    return JSON.stringify(await sql`select * from audit_log order by created_at`);
  } finally {
    await sql.close();
  }
}

/** Asserts that neither the log nor the audit rows hold any of the run's secrets, or any token at all. */
async function expectNothingSecretWrittenDown(run: Run) {
  const log = run.server.child.stderr();
  const audit = await auditRows(run);
  expect(log.split("\n").filter((l) => l.includes('"msg":"request"')).length).toBeGreaterThan(10);
  expect(audit.length).toBeGreaterThan(100);
  expect(log.match(TOKEN)?.[0] ?? null).toBeNull();
  expect(audit.match(TOKEN)?.[0] ?? null).toBeNull();
  for (const [what, value] of run.secrets) {
    for (const part of secretParts(value)) {
      expect({ what, inLog: log.includes(part) }).toEqual({ what, inLog: false });
      expect({ what, inAudit: audit.includes(part) }).toEqual({ what, inAudit: false });
    }
  }
}

const json = { "content-type": "application/json" };

describe("a server without a sign-in provider, used as people and scripts do", () => {
  let run: Run;
  let base = "";
  beforeAll(async () => {
    run = await startRun();
    base = run.server.base;
  });
  afterAll(() => stopRun(run));

  const call = async <T = Record<string, unknown>>(
    token: string | null,
    method: string,
    path: string,
    body?: unknown,
  ) => {
    const res = await fetch(base + path, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body === undefined ? {} : json),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (res.status >= 400) throw new Error(`${method} ${path} → ${res.status} ${text}`);
    return (text ? JSON.parse(text) : {}) as T;
  };

  test("setup, invites, terminal login, webhooks, bot tokens and failed sign-ins leave no secret in the log or audit rows", async () => {
    const { secrets } = run;
    const setupLink = await run.server.setupLink();
    const setup = new URL(setupLink).pathname;
    secrets.set("setup link", setup.slice("/setup/".length));
    expect((await fetch(base + setup)).status).toBe(200);
    const { token: alice } = await call<{ token: string }>(null, "POST", setup, {
      username: "alice",
      display_name: "Alice",
    });
    secrets.set("alice's session", alice);
    await call(alice, "POST", "/api/communities", { name: "Acme", slug: "acme" });

    // An invite, opened in a browser and then used by a script.
    const { code, url } = await call<{ code: string; url: string }>(
      alice,
      "POST",
      "/api/communities/acme/invites",
      {},
    );
    secrets.set("invite", code);
    expect((await fetch(url)).status).toBe(200);
    const { token: bob } = await call<{ token: string }>(null, "POST", new URL(url).pathname, {
      username: "bob",
      display_name: "Bob",
    });
    secrets.set("bob's session", bob);

    // Terminal login: the terminal asks, alice approves in her browser, the terminal gets a token.
    const device = await call<{ device_code: string; user_code: string; verification_uri_complete: string }>(
      null,
      "POST",
      "/auth/device",
      { client_name: "laptop" },
    );
    secrets.set("device code", device.device_code);
    secrets.set("user code", device.user_code);
    const browser = { cookie: `ajet_session=${alice}`, origin: base, "sec-fetch-site": "same-origin" };
    expect((await fetch(device.verification_uri_complete, { headers: browser })).status).toBe(200);
    const approved = await fetch(`${base}/device`, {
      method: "POST",
      headers: { ...browser, "content-type": "application/x-www-form-urlencoded" },
      body: `code=${device.user_code}&decision=approve`,
    });
    expect(approved.status).toBe(200);
    const { token: laptop } = await call<{ token: string }>(null, "POST", "/auth/device/token", {
      device_code: device.device_code,
    });
    secrets.set("terminal's session", laptop);
    await call(laptop, "GET", "/api/me");

    // A webhook made by a slash command and posted to, and a guess at another one's token.
    const channels = await call<{ items: { id: string }[] }>(alice, "GET", "/api/communities/acme/channels");
    const general = channels.items[0]?.id as string;
    const hook = await call<{ effects: { url: string }[] }>(alice, "POST", "/api/commands", {
      channel_id: general,
      text: "/webhook create #general ci",
    });
    const hookUrl = hook.effects[0]?.url as string;
    secrets.set("webhook", hookUrl.slice(hookUrl.lastIndexOf("/") + 1));
    expect(
      await (await fetch(hookUrl, { method: "POST", headers: json, body: '{"text":"build passed"}' })).text(),
    ).toBe("ok");
    const guessed = hookUrl.replace(/\.[\w-]{43}$/, `.${"A".repeat(43)}`);
    expect((await fetch(guessed, { method: "POST", headers: json, body: '{"text":"x"}' })).status).toBe(404);

    // A bot token, used; then revoked and used again.
    const bot = await call<{ effects: { token: string; id?: string }[] }>(alice, "POST", "/api/commands", {
      channel_id: general,
      text: "/token create deploy messages:write channels:read",
    });
    const botToken = bot.effects[0]?.token as string;
    secrets.set("bot token", botToken);
    await call(botToken, "GET", "/api/me");

    // Failed sign-ins: a made-up session, a malformed cookie, a used setup link, a stale invite page.
    const forged = `${alice.slice(0, alice.indexOf(".") + 1)}${"B".repeat(43)}`;
    secrets.set("forged session", forged);
    expect((await fetch(`${base}/api/me`, { headers: { authorization: `Bearer ${forged}` } })).status).toBe(
      401,
    );
    expect((await fetch(`${base}/api/me`, { headers: { cookie: "ajet_session=%" } })).status).toBe(401);
    expect((await fetch(base + setup)).status).toBe(404);
    expect((await fetch(`${base}/invite/${code}x`)).status).toBe(404);

    // Signing out in the browser.
    const out = await fetch(`${base}/auth/logout`, { method: "POST", headers: browser, redirect: "manual" });
    expect(out.status).toBe(303);

    await expectNothingSecretWrittenDown(run);
  });
});

describe("a server signing people in with GitHub", () => {
  let run: Run;
  let provider: FakeProvider;
  beforeAll(async () => {
    provider = startFakeProvider("github");
    run = await startRun({
      GITHUB_URL: provider.url,
      GITHUB_CLIENT_ID: provider.clientId,
      GITHUB_CLIENT_SECRET: provider.clientSecret,
    });
  });
  afterAll(async () => {
    await stopRun(run);
    await provider.stop();
  });

  test("the setup link is printed, and OAuth sign-ins through it and an invite leave no secret behind", async () => {
    const { secrets, server } = run;
    const target = overHttp(server.base);
    secrets.set("client secret", provider.clientSecret);

    // The first person: the printed setup link, then GitHub.
    const setup = new URL(await server.setupLink()).pathname;
    secrets.set("setup link", setup.slice("/setup/".length));
    const owner = new Browser(target);
    const page = await (await owner.get(setup)).text();
    const start = /href="(\/auth\/github\/start\?setup=[^"]+)"/.exec(page)?.[1] ?? "";
    provider.signedInAs = { id: 1, login: "octo" };
    const hops = await owner.follow(start.replaceAll("&amp;", "&"));
    expect(hops.at(-1)?.status).toBe(200);
    const ownerSession = owner.cookie("ajet_session")?.value ?? "";
    expect(ownerSession).toStartWith("ajs_");
    secrets.set("owner's session", ownerSession);
    const headers = { authorization: `Bearer ${ownerSession}`, ...json };
    await fetch(`${server.base}/api/communities`, {
      method: "POST",
      headers,
      body: JSON.stringify({ name: "Acme", slug: "acme" }),
    });

    // A newcomer comes in by an invite carried through GitHub.
    const invite = (await (
      await fetch(`${server.base}/api/communities/acme/invites`, { method: "POST", headers, body: "{}" })
    ).json()) as { code: string };
    secrets.set("invite", invite.code);
    provider.signedInAs = { id: 2, login: "newcomer" };
    const newcomer = new Browser(target);
    const invitePage = await (await newcomer.get(`/invite/${invite.code}`)).text();
    const joinStart = /href="(\/auth\/github\/start\?invite=[^"]+)"/.exec(invitePage)?.[1] ?? "";
    expect((await newcomer.follow(joinStart.replaceAll("&amp;", "&"))).at(-1)?.status).toBe(200);
    secrets.set("newcomer's session", newcomer.cookie("ajet_session")?.value ?? "");

    // A callback whose state was tampered with, and a stranger with no invite: both refused.
    const tampered = new Browser(target);
    const away = await tampered.get("/auth/github/start");
    const back = await fetch(away.headers.get("location") ?? "", { redirect: "manual" });
    const callback = new URL(back.headers.get("location") ?? "");
    callback.searchParams.set("state", "tampered-state-value");
    expect((await tampered.get(callback.pathname + callback.search)).status).toBe(400);
    provider.signedInAs = { id: 3, login: "stranger" };
    expect((await new Browser(target).follow("/auth/github/start")).at(-1)?.status).toBe(403);

    for (const [i, form] of provider.tokenRequests.entries()) {
      secrets.set(`oauth code ${i}`, form.get("code") ?? "");
      secrets.set(`pkce verifier ${i}`, form.get("code_verifier") ?? "");
    }
    for (const [i, query] of provider.authorizeRequests.entries())
      secrets.set(`oauth state ${i}`, query.get("state") ?? "");
    expect(provider.tokenRequests.length).toBeGreaterThanOrEqual(3);

    await expectNothingSecretWrittenDown(run);
  });
});

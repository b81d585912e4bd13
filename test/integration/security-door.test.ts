import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { issueSetupToken } from "../../lib/auth/setup.ts";
import { users } from "../../lib/db/schema.ts";
import { createGatewayApp } from "../../services/auth-gw/main.ts";
import type { Person } from "../support/api.ts";
import { startTestGateway, type TestGateway } from "../support/gateway.ts";
import { errorOf, jsonOf } from "../support/http.ts";
import { TEST_INTERNAL_SECRET } from "../support/internal.ts";

// The door's rules (the strict bucket, login CSRF) must follow what the router does with a path —
// it decodes percent-escapes, drops empty segments, and the URL parser has already resolved dot
// segments and read `\` as `/` — or a spelling of a door route slips past them. Each spelling goes
// through the real gateway; the device-code route and the invite and setup forms stand for them all.

/** Spellings the router takes as `/<first>/<second>`: every one must meet the door's rules. */
const doorSpellings = (first: string, second: string) => {
  const head = first.charCodeAt(0).toString(16);
  return [
    `/${first}/${second}`,
    `/%${head}${first.slice(1)}/${second}`,
    `/${[...first].map((c) => `%${c.charCodeAt(0).toString(16)}`).join("")}/${second}`,
    `/%${head.toUpperCase()}${first.slice(1)}/${second}`,
    `//${first}/${second}`,
    `/${first}//${second}`,
    `///${first}///${second}//`,
    `/${first}/${second}/`,
    `/\\${first}/${second}`,
    `/./${first}/${second}`,
    `/${first}/./${second}`,
    `/elsewhere/../${first}/${second}`,
    `/%2e/${first}/${second}`,
    `/%2E%2E/${first}/${second}`,
  ];
};

/** Spellings the router does not take as the door route: they must never reach its handler. */
const notTheDoor = [
  "/AUTH/device",
  "/Auth/Device",
  "/auth./device",
  "/auth/device.",
  "/%2561uth/device",
  "/auth%2fdevice",
  "/%EF%BD%81uth/device",
];

/** Not valid percent-encoded UTF-8 (overlong forms, stray `%`): refused before anything else. */
const malformed = [
  "/%C1%A1uth/device",
  "/%E0%81%A1uth/device",
  "/%C0%AFauth/device",
  "/auth/%ZZ",
  "/%61uth%/device",
];

const crossSite = {
  "content-type": "application/x-www-form-urlencoded",
  origin: "https://evil.example",
  "sec-fetch-site": "cross-site",
};

describe("the door classifies the path the router routes", () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({
      AJET_RATE_BURST: "1000",
      AJET_RATE_PER_SECOND: "1000",
      AJET_RATE_AUTH_BURST: "2",
      AJET_RATE_AUTH_PER_SECOND: "0.01",
    });
  });
  afterAll(() => gw.close());

  const startDevice = (path: string, ip: string) =>
    gw.request(path, {
      method: "POST",
      ip,
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ client_name: "laptop" }),
    });

  test("every spelling of the device-code route reaches it under the strict bucket", async () => {
    const spellings = doorSpellings("auth", "device");
    for (const [i, path] of spellings.entries()) {
      const ip = `198.18.0.${i + 1}`;
      const answers = [];
      for (let n = 0; n < 3; n++) answers.push(await startDevice(path, ip));
      const [first, second, third] = answers;
      expect({ path, status: first?.status }).toEqual({ path, status: 200 });
      expect((await jsonOf<{ device_code: string }>(first as Response)).device_code).toStartWith("ajd_");
      expect({ path, status: second?.status }).toEqual({ path, status: 200 });
      expect({ path, status: third?.status }).toEqual({ path, status: 429 });
      expect((await errorOf(third as Response)).code).toBe("rate_limited");
    }
  });

  test("spellings the router does not route to the door never reach a door handler", async () => {
    for (const [i, path] of notTheDoor.entries()) {
      const res = await startDevice(path, `198.18.1.${i + 1}`);
      expect({ path, status: res.status }).toEqual({ path, status: 404 });
      expect(await res.text()).not.toContain("device_code");
    }
  });

  test("a path that is not valid percent-encoded UTF-8 is a 400, spends no bucket and reaches nothing", async () => {
    const ip = "198.18.2.1";
    for (const path of malformed) {
      const res = await startDevice(path, ip);
      expect({ path, status: res.status }).toEqual({ path, status: 400 });
      expect(await errorOf(res)).toMatchObject({ code: "invalid_path" });
    }
    // The refusals spent nothing of the address's strict bucket.
    expect((await startDevice("/auth/device", ip)).status).toBe(200);
    expect((await startDevice("/auth/device", ip)).status).toBe(200);
  });

  test("the strict bucket is one per address, whichever spellings share it", async () => {
    const ip = "198.18.3.1";
    expect((await startDevice("/%61uth/device", ip)).status).toBe(200);
    expect((await startDevice("//auth/device", ip)).status).toBe(200);
    expect((await startDevice("/auth/device", ip)).status).toBe(429);
  });
});

describe("login CSRF on every spelling of the sign-in forms", () => {
  let gw: TestGateway;
  let alice: Person;
  let code = "";
  beforeAll(async () => {
    gw = await startTestGateway({ AJET_RATE_AUTH_BURST: "0" });
    alice = await gw.api.person("alice");
    await gw.api.json(alice, "POST", "/api/communities", { name: "Acme", slug: "acme" });
    code = (await gw.api.json<{ code: string }>(alice, "POST", "/api/communities/acme/invites", {})).code;
  });
  afterAll(() => gw.close());

  const peopleNamed = async (prefix: string) =>
    (await gw.api.database.db.select({ username: users.username }).from(users)).filter((u) =>
      u.username.startsWith(prefix),
    );

  test("a cross-site post to any spelling of an invite form is refused and creates nobody", async () => {
    const spellings = doorSpellings("invite", code);
    for (const [i, path] of spellings.entries()) {
      const res = await gw.request(path, {
        method: "POST",
        headers: crossSite,
        body: `username=mallory-${i}&display_name=Mallory`,
      });
      expect({ path, status: res.status }).toEqual({ path, status: 403 });
      expect((await errorOf(res)).code).toBe("csrf");
      expect(res.headers.get("set-cookie")).toBeNull();
    }
    expect(await peopleNamed("mallory")).toEqual([]);
    // The invite still works from our own origin.
    const ours = await gw.request(`/invite/${code}`, {
      method: "POST",
      headers: { ...crossSite, origin: gw.config.publicUrl, "sec-fetch-site": "same-origin" },
      body: "username=bob&display_name=Bob",
    });
    expect(ours.status).toBe(303);
  });

  test("a cross-site post riding on the cookie is refused on every spelling of logout", async () => {
    for (const path of doorSpellings("auth", "logout")) {
      const res = await gw.request(path, {
        method: "POST",
        headers: { ...crossSite, cookie: `ajet_session=${alice.token}` },
      });
      expect({ path, status: res.status }).toEqual({ path, status: 403 });
    }
    expect(
      (await gw.request("/api/me", { headers: { authorization: `Bearer ${alice.token}` } })).status,
    ).toBe(200);
  });
});

describe("login CSRF on every spelling of the setup form", () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ AJET_RATE_AUTH_BURST: "0" });
  });
  afterAll(() => gw.close());

  test("a cross-site post to any spelling of a working setup link is refused; ours then works", async () => {
    const setup = (await issueSetupToken(gw.api.database.db)) as string;
    for (const [i, path] of doorSpellings("setup", setup).entries()) {
      const res = await gw.request(path, {
        method: "POST",
        headers: { ...crossSite, "content-type": "application/x-www-form-urlencoded" },
        body: `username=eve-${i}&display_name=Eve`,
      });
      expect({ path, status: res.status }).toEqual({ path, status: 403 });
      expect((await errorOf(res)).code).toBe("csrf");
    }
    expect(await gw.api.database.db.select().from(users)).toEqual([]);
    const ours = await gw.request(`/setup/${setup}`, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        origin: gw.config.publicUrl,
        "sec-fetch-site": "same-origin",
      },
      body: "username=alice&display_name=Alice",
    });
    expect(ours.status).toBe(303);
  });
});

describe("the public /readyz", () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway();
  });
  afterAll(() => gw.close());

  test("says which check failed, never why: internal hosts and ports stay out of the answer", async () => {
    const unreachable = {
      name: "api",
      url: "http://api.internal.invalid:3901",
      secret: TEST_INTERNAL_SECRET,
    };
    const door = createGatewayApp({
      config: gw.config,
      db: gw.api.database,
      bus: gw.api.bus,
      upstreams: { api: unreachable, web: unreachable, tui: unreachable },
    });
    const res = await door.fetch(new Request(`${gw.config.publicUrl}/readyz`), { ip: "198.51.100.1" });
    expect(res.status).toBe(503);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({
      ok: false,
      service: "auth-gw",
      checks: { database: "ok", api: "failed", "web-sm": "failed", "tui-sm": "failed" },
    });
    expect(text).not.toContain("internal.invalid");
    expect(text).not.toContain("3901");
    door.beginShutdown();
  });
});

describe("the session cookie at the door", () => {
  test("a malformed session cookie is a 401 like any wrong one, never a 500", async () => {
    const gw = await startTestGateway();
    try {
      for (const value of ["%", "%E0%A4%A", "%ZZ", "ajs_%", ""]) {
        const res = await gw.request("/api/me", { headers: { cookie: `ajet_session=${value}` } });
        expect({ value, status: res.status }).toEqual({ value, status: 401 });
        expect((await errorOf(res)).code).toBe("unauthorized");
        const page = await gw.request("/", { headers: { cookie: `theme=dark; ajet_session=${value}` } });
        expect({ value, status: page.status }).toEqual({ value, status: 200 });
      }
    } finally {
      await gw.close();
    }
  });

  describe("over https", () => {
    const PUBLIC = "https://chat.example.com";
    const sameOrigin = {
      "content-type": "application/x-www-form-urlencoded",
      origin: PUBLIC,
      "sec-fetch-site": "same-origin",
    };
    let gw: TestGateway;
    let setCookie = "";
    let token = "";
    let mallory: Person;
    beforeAll(async () => {
      gw = await startTestGateway({ AJET_PUBLIC_URL: PUBLIC, AJET_RATE_AUTH_BURST: "0" });
      const setup = (await issueSetupToken(gw.api.database.db)) as string;
      const res = await gw.request(`/setup/${setup}`, {
        method: "POST",
        headers: sameOrigin,
        body: "username=alice&display_name=Alice",
      });
      setCookie = res.headers.get("set-cookie") ?? "";
      token = /^__Host-ajet_session=(ajs_[^;]+);/.exec(setCookie)?.[1] ?? "";
      mallory = await gw.api.person("mallory");
    });
    afterAll(() => gw.close());

    const me = async (cookie: string) => {
      const res = await gw.request("/api/me", { headers: { cookie } });
      return res.status === 200 ? (await jsonOf<{ username: string }>(res)).username : res.status;
    };

    test("the cookie is __Host- prefixed (Secure, Path=/, no Domain) and logout clears that name", async () => {
      const [pair, ...attributes] = setCookie.split("; ");
      expect(token).toStartWith("ajs_");
      expect(pair).toBe(`__Host-ajet_session=${token}`);
      expect(attributes).toEqual(expect.arrayContaining(["Path=/", "Secure", "HttpOnly", "SameSite=Strict"]));
      expect(attributes.some((a) => /^domain=/i.test(a))).toBe(false);
      const zed = await gw.api.person("zed");
      const logout = await gw.request("/auth/logout", {
        method: "POST",
        headers: { ...sameOrigin, cookie: `__Host-ajet_session=${zed.token}` },
      });
      expect(logout.headers.get("set-cookie")).toStartWith("__Host-ajet_session=; Path=/;");
      expect(await me(`__Host-ajet_session=${zed.token}`)).toBe(401);
    });

    test("only the __Host- cookie signs anyone in; a plain one (planted from a sibling host) is ignored", async () => {
      expect(await me(`__Host-ajet_session=${token}`)).toBe("alice");
      expect(await me(`ajet_session=${mallory.token}`)).toBe(401);
      // Planted beside the real one, first or last, it changes nothing.
      expect(await me(`ajet_session=${mallory.token}; __Host-ajet_session=${token}`)).toBe("alice");
      expect(await me(`__Host-ajet_session=${token}; ajet_session=${mallory.token}`)).toBe("alice");
    });

    test("a cross-site write riding on the __Host- cookie is refused", async () => {
      const res = await gw.request("/api/communities", {
        method: "POST",
        headers: {
          ...sameOrigin,
          origin: "https://evil.example",
          "sec-fetch-site": "cross-site",
          cookie: `__Host-ajet_session=${token}`,
        },
        body: "name=Evil&slug=evil",
      });
      expect(res.status).toBe(403);
      expect((await errorOf(res)).code).toBe("csrf");
    });
  });

  test("on plain-http loopback the cookie keeps its plain name, and a planted __Host- one is ignored", async () => {
    const gw = await startTestGateway();
    try {
      const alice = await gw.api.person("alice");
      const mallory = await gw.api.person("mallory");
      const me = async (cookie: string) =>
        (await jsonOf<{ username: string }>(await gw.request("/api/me", { headers: { cookie } }))).username;
      expect(await me(`ajet_session=${alice.token}`)).toBe("alice");
      expect(await me(`__Host-ajet_session=${mallory.token}; ajet_session=${alice.token}`)).toBe("alice");
    } finally {
      await gw.close();
    }
  });
});

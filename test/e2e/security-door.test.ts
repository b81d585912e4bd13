import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { localPath } from "../../lib/http/local-path.ts";
import { type FreshServer, startFreshServer } from "../support/chat-server.ts";
import { rawRequest } from "../support/raw-http.ts";

// The door of `bun run start` as an attacker's own HTTP client meets it: request targets written to
// the socket as they are, not as fetch or a browser would tidy them. Every spelling of a door route
// that reaches it meets its rules; the rest never reach it.
let server: FreshServer;
let port = 0;
beforeAll(async () => {
  server = await startFreshServer({
    AJET_RATE_AUTH_BURST: "2",
    AJET_RATE_AUTH_PER_SECOND: "0.01",
    // So each spelling can come from an address of its own.
    AJET_TRUST_PROXY: "true",
  });
  port = Number(new URL(server.base).port);
});
afterAll(async () => {
  await server?.stop();
});

const from = (ip: string, more: Record<string, string> = {}) => ({ "x-forwarded-for": ip, ...more });
const json = { "content-type": "application/json" };

describe("spellings of the door's routes, over a raw socket", () => {
  test("POST /%61uth/device and every other spelling of it spend the strict bucket, as /auth/device does", async () => {
    const spellings = [
      "/auth/device",
      "/%61uth/device",
      "/%61%75%74%68/%64evice",
      "//auth/device",
      "/auth//device/",
      "/\\auth/device",
      "/auth/x/../device",
      "/%2e%2e/auth/device",
      "/./auth/./device",
    ];
    for (const [i, target] of spellings.entries()) {
      const statuses: number[] = [];
      for (let n = 0; n < 3; n++) {
        const res = await rawRequest(port, "POST", target, from(`198.18.10.${i + 1}`, json), "{}");
        statuses.push(res.status);
        if (res.status === 200) expect(JSON.parse(res.body).device_code).toStartWith("ajd_");
      }
      expect({ target, statuses }).toEqual({ target, statuses: [200, 200, 429] });
    }
  });

  test("a path that is not valid percent-encoded UTF-8 is a 400 before anything else", async () => {
    for (const target of ["/%C1%A1uth/device", "/%E0%81%A1uth/device", "/auth/%"]) {
      const res = await rawRequest(port, "POST", target, from("198.18.11.1", json), "{}");
      expect({ target, status: res.status }).toEqual({ target, status: 400 });
      expect(JSON.parse(res.body).error.code).toBe("invalid_path");
    }
  });

  test("a cross-site post to any spelling of an invite link is refused and joins nobody", async () => {
    const setup = new URL(await server.setupLink()).pathname;
    const owner = await rawRequest(
      port,
      "POST",
      setup,
      from("198.18.12.1", json),
      '{"username":"alice","display_name":"Alice"}',
    );
    const { token } = JSON.parse(owner.body) as { token: string };
    const bearer = { authorization: `Bearer ${token}`, ...json };
    await rawRequest(port, "POST", "/api/communities", bearer, '{"name":"Acme","slug":"acme"}');
    const { code } = JSON.parse(
      (await rawRequest(port, "POST", "/api/communities/acme/invites", bearer, "{}")).body,
    );
    const crossSite = {
      "content-type": "application/x-www-form-urlencoded",
      origin: "https://evil.example",
      "sec-fetch-site": "cross-site",
    };
    for (const [i, target] of [
      `/%69nvite/${code}`,
      `//invite/${code}`,
      `/\\invite/${code}`,
      `/x/../invite/${code}`,
    ].entries()) {
      const res = await rawRequest(
        port,
        "POST",
        target,
        from(`198.18.13.${i + 1}`, crossSite),
        `username=mallory${i}&display_name=M`,
      );
      expect({ target, status: res.status }).toEqual({ target, status: 403 });
      expect(res.headers.get("set-cookie")).toBeNull();
    }
    const members = JSON.parse(
      (await rawRequest(port, "GET", "/api/communities/acme/members", bearer)).body,
    ) as {
      items: { user: { username: string } }[];
    };
    expect(members.items.map((m) => m.user.username)).toEqual(["alice"]);
  });

  test("a page asked for by any spelling sends a visitor to sign in with a return address on this server", async () => {
    for (const target of ["//c/acme/channels/general", "/.//c/acme", "/\\c/acme", "/c//acme/", "/%63/acme"]) {
      const res = await rawRequest(port, "GET", target, from("198.18.14.1"));
      expect({ target, status: res.status }).toEqual({ target, status: 303 });
      const location = res.headers.get("location") ?? "";
      expect(location).toStartWith("/login?next=");
      const next = new URL(location, server.base).searchParams.get("next") ?? "";
      expect({ target, next }).toEqual({ target, next: localPath(next) });
      expect(new URL(next, server.base).origin).toBe(server.base);
    }
  });
});

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { AppError } from "../../lib/errors.ts";
import { parseOutboundAllow } from "../../lib/outbound/allow-list.ts";
import { createOutbound, type OutboundRequest } from "../../lib/outbound/fetch.ts";
import { type OutsideWeb, ogPage, startOutsideWeb } from "../support/outside-web.ts";

// The server's only way out, against a web with hostile corners: a public site (127.0.0.2, which
// only the test's fetcher counts as public) and an internal one on 127.0.0.1 that must stay unreached.

const page: OutboundRequest = {
  purpose: "unfurl",
  accept: ["text/html"],
  maxBytes: 256 * 1024,
  timeoutMs: 5000,
};

async function failureOf(p: Promise<unknown>) {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof AppError)) throw new Error(`expected an AppError, got ${String(err)}`);
  return { kind: err.kind, code: err.code, message: err.message };
}

describe("the outbound fetcher", () => {
  let web: OutsideWeb;
  let bytesSent = 0;
  beforeAll(() => {
    web = startOutsideWeb();
    web.routes["/article"] = () => ogPage({ "og:title": "Launch day" });
    web.routes["/to-internal"] = () => Response.redirect(web.internalUrl("/admin"), 302);
    web.routes["/to-mapped"] = () =>
      Response.redirect(`http://[::ffff:127.0.0.1]:${web.internalPort}/admin`, 302);
    web.routes["/image.png"] = () => new Response("png", { headers: { "content-type": "image/png" } });
    web.routes["/slow"] = () =>
      new Response(
        new ReadableStream({
          async start(c) {
            c.enqueue(new TextEncoder().encode("<html><head><title>slow"));
            // Never closes: only the fetcher's deadline ends this.
          },
        }),
        { headers: { "content-type": "text/html" } },
      );
    web.routes["/huge"] = () => {
      const chunk = new Uint8Array(64 * 1024).fill(97);
      let left = 50 * 1024 * 1024;
      return new Response(
        new ReadableStream({
          pull(c) {
            if (left <= 0) return c.close();
            c.enqueue(chunk);
            bytesSent += chunk.byteLength;
            left -= chunk.byteLength;
          },
        }),
        { headers: { "content-type": "text/html" } },
      );
    };
  });
  afterAll(() => web.stop());

  test("fetches a public page by name, resolving it once and sending its own Host", async () => {
    web.lookups.length = 0;
    const res = await web.outbound().fetch(web.url("/article"), page);
    expect(new TextDecoder().decode(res.body)).toContain("Launch day");
    expect(web.lookups).toEqual(["news.example"]);
    expect(web.publicVisits.at(-1)?.host).toBe(`news.example:${web.publicPort}`);
  });

  test("a redirect to 127.0.0.1 is refused before anything reaches the internal site", async () => {
    const err = await failureOf(web.outbound().fetch(web.url("/to-internal"), page));
    expect(err).toMatchObject({ kind: "forbidden", code: "outbound_refused" });
    expect(err.message).toContain("loopback");
    expect(web.internalVisits).toEqual([]);
  });

  test("a redirect to [::ffff:127.0.0.1] (IPv4-mapped IPv6) is refused", async () => {
    const err = await failureOf(web.outbound().fetch(web.url("/to-mapped"), page));
    expect(err.message).toContain("ipv4Mapped");
    expect(web.internalVisits).toEqual([]);
  });

  test("a name resolving to 10.x, or to a public and a private address, is refused", async () => {
    web.dns["intranet.example"] = ["10.1.2.3"];
    web.dns["split.example"] = ["127.0.0.2", "192.168.1.1"];
    const intranet = await failureOf(
      web.outbound().fetch(`http://intranet.example:${web.publicPort}/`, page),
    );
    expect(intranet.message).toContain("private");
    const split = await failureOf(
      web.outbound().fetch(`http://split.example:${web.publicPort}/article`, page),
    );
    expect(split.message).toContain("private");
    expect(web.publicVisits.some((v) => v.host?.startsWith("split.example"))).toBe(false);
  });

  test.each([
    ["cloud metadata", "http://169.254.169.254/latest/meta-data/", "linkLocal"],
    ["loopback literal", "http://127.0.0.1/", "loopback"],
    ["IPv6 loopback", "http://[::1]/", "loopback"],
    ["unspecified", "http://0.0.0.0/", "unspecified"],
    ["decimal loopback", "http://2130706433/", "loopback"],
    ["carrier-grade NAT", "http://100.64.0.1/", "carrierGradeNat"],
    ["multicast", "http://224.0.0.1/", "multicast"],
    ["IPv6 unique local", "http://[fd00:ec2::254]/", "uniqueLocal"],
    ["a port other than 80/443", "http://93.184.215.14:8080/", "port 8080"],
    ["another scheme", "ftp://news.example/", "ftp:"],
    ["credentials in the URL", "http://user:pw@news.example/", "credentials"],
  ])("refuses %s", async (_name, url, why) => {
    const err = await failureOf(createOutbound({ resolve: async () => ["127.0.0.2"] }).fetch(url, page));
    expect(err.code).toBe("outbound_refused");
    expect(err.message).toContain(why);
  });

  test("a slow body ends at the deadline", async () => {
    const err = await failureOf(web.outbound().fetch(web.url("/slow"), { ...page, timeoutMs: 300 }));
    expect(err).toMatchObject({ kind: "unavailable", code: "outbound_timeout" });
  });

  test("a 50 MB body is cut off at the size limit, not read to its end", async () => {
    const err = await failureOf(web.outbound().fetch(web.url("/huge"), page));
    expect(err).toMatchObject({ kind: "too_large", code: "outbound_too_large" });
    expect(bytesSent).toBeLessThan(50 * 1024 * 1024);
  });

  test("a body of another type than asked for is refused unread", async () => {
    const err = await failureOf(web.outbound().fetch(web.url("/image.png"), page));
    expect(err.message).toContain("image/png");
  });

  test("the operator's allow-list opens an internal host to integrations, never to previews", async () => {
    const allow = parseOutboundAllow("127.0.0.1/32");
    if (typeof allow === "string") throw new Error(allow);
    const integration = await web
      .outbound(allow)
      .fetch(web.internalUrl("/hook"), { ...page, purpose: "integration" });
    expect(integration.status).toBe(200);
    const before = web.internalVisits.length;
    const preview = await failureOf(web.outbound(allow).fetch(web.internalUrl("/hook"), page));
    expect(preview.code).toBe("outbound_refused");
    expect(web.internalVisits.length).toBe(before);
  });
});

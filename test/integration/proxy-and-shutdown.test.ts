import { afterAll, describe, expect, test } from "bun:test";
import { z } from "zod";
import { createApp } from "../../lib/http/app.ts";
import { readJson } from "../../lib/http/body.ts";
import { listen } from "../../lib/http/listen.ts";
import { proxy, type Upstream } from "../../lib/http/proxy.ts";
import { route } from "../../lib/http/router.ts";
import { openSse } from "../../lib/http/sse.ts";
import { errorOf } from "../support/http.ts";
import { TEST_INTERNAL_SECRET } from "../support/internal.ts";
import { waitFor } from "../support/ports.ts";

// An upstream with a stream that sends one event now and one when told to, so a test can see
// whether the first arrives before the stream ends (unbuffered) and whether aborts reach it.
const openStreams = new Set<string>();
let release: (() => void) | undefined;
// The slow request: the test learns when it has started, and says when it may finish.
const slowStarted = Promise.withResolvers<void>();
const slowMayFinish = Promise.withResolvers<void>();
const upstream = createApp({
  name: "upstream",
  ready: {},
  routes: [
    route("GET", "/events", (req, ctx) => {
      const tag = ctx.url.searchParams.get("tag") ?? "";
      openStreams.add(tag);
      const sse = openSse({
        signal: AbortSignal.any([req.signal, upstreamShutdown()]),
        onClose: () => openStreams.delete(tag),
      });
      ctx.server?.timeout(req, 0);
      sse.send({ event: "first", id: 1, data: { n: 1 } });
      release = () => sse.send({ event: "second", id: 2, data: { n: 2 } });
      return sse.response;
    }),
    route("POST", "/echo", async (req) => {
      const body = await readJson(req, z.object({ text: z.string().min(1) }), 64);
      return Response.json(body);
    }),
    route("GET", "/slow", async () => {
      slowStarted.resolve();
      await slowMayFinish.promise;
      return new Response("finished");
    }),
  ],
});
const upstreamShutdown = () => upstream.shutdown;
const upstreamServer = listen(upstream, { host: "127.0.0.1", port: 0, maxRequestBodySize: 1024 * 1024 });

function gatewayFor(target: Upstream) {
  const app = createApp({
    name: "gw",
    ready: {},
    routes: [route("*", "/*", (req, ctx) => proxy(req, ctx, target))],
  });
  return listen(app, { host: "127.0.0.1", port: 0, maxRequestBodySize: 1024 * 1024 });
}
const overHttp = gatewayFor({ name: "upstream", url: upstreamServer.url, secret: TEST_INTERNAL_SECRET });
const inProcess = gatewayFor({ name: "upstream", app: upstream, secret: TEST_INTERNAL_SECRET });

afterAll(async () => {
  await overHttp.stop(0);
  await inProcess.stop(0);
});

async function readUntil(reader: ReadableStreamDefaultReader<Uint8Array>, needle: string) {
  const decoder = new TextDecoder();
  let text = "";
  while (!text.includes(needle)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`stream ended before ${needle}: ${text}`);
    text += decoder.decode(value);
  }
  return text;
}

for (const [how, gateway] of [
  ["over HTTP", overHttp],
  ["in-process", inProcess],
] as const) {
  describe(`the gateway proxy ${how}`, () => {
    test("streams SSE events as they happen, not when the stream ends", async () => {
      const abort = new AbortController();
      const res = await fetch(`${gateway.url}/events`, { signal: abort.signal });
      expect(res.headers.get("content-type")).toStartWith("text/event-stream");
      const reader = res.body?.getReader() as ReadableStreamDefaultReader<Uint8Array>;
      expect(await readUntil(reader, "event: first")).toContain('data: {"n":1}');
      release?.();
      expect(await readUntil(reader, "event: second")).toContain("id: 2");
      abort.abort();
    });

    test("a client that leaves closes the stream behind the proxy", async () => {
      const tag = `leaving-${how}`;
      const abort = new AbortController();
      const res = await fetch(`${gateway.url}/events?tag=${tag}`, { signal: abort.signal });
      const reader = res.body?.getReader() as ReadableStreamDefaultReader<Uint8Array>;
      await readUntil(reader, "event: first");
      expect(openStreams.has(tag)).toBe(true);
      abort.abort();
      await waitFor(() => {
        if (openStreams.has(tag)) throw new Error("the upstream stream is still open");
      });
    });

    test("a JSON body over the limit is a 413 and a bad one a 400 naming the field", async () => {
      const big = await fetch(`${gateway.url}/echo`, {
        method: "POST",
        body: JSON.stringify({ text: "x".repeat(100) }),
      });
      expect(big.status).toBe(413);
      expect((await errorOf(big)).code).toBe("payload_too_large");
      const empty = await fetch(`${gateway.url}/echo`, {
        method: "POST",
        body: JSON.stringify({ text: "" }),
      });
      expect(empty.status).toBe(400);
      expect((await errorOf(empty)).message).toStartWith("text:");
      const broken = await fetch(`${gateway.url}/echo`, { method: "POST", body: "{nope" });
      expect((await errorOf(broken)).code).toBe("invalid_json");
      const ok = await fetch(`${gateway.url}/echo`, { method: "POST", body: JSON.stringify({ text: "hi" }) });
      expect(await ok.json()).toEqual({ text: "hi" });
    });
  });
}

describe("graceful shutdown", () => {
  test("lets an in-flight request finish, ends open streams, then refuses new connections", async () => {
    const streamRes = await fetch(`${upstreamServer.url}/events`);
    const reader = streamRes.body?.getReader() as ReadableStreamDefaultReader<Uint8Array>;
    await readUntil(reader, "event: first");
    const slow = fetch(`${upstreamServer.url}/slow`);
    await slowStarted.promise;
    const stopped = upstreamServer.stop(5000);
    slowMayFinish.resolve();
    expect(await (await slow).text()).toBe("finished");
    let ended = false;
    while (!ended) ended = (await reader.read()).done;
    await stopped;
    expect(fetch(`${upstreamServer.url}/slow`)).rejects.toThrow();
  });
});

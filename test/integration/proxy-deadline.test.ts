import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createApp } from "../../lib/http/app.ts";
import { listen } from "../../lib/http/listen.ts";
import { proxy } from "../../lib/http/proxy.ts";
import { route } from "../../lib/http/router.ts";
import { TEST_INTERNAL_SECRET } from "../support/internal.ts";

// A service behind the gateway that stops answering (frozen, deadlocked) must not hang the people
// in front of it: reads move on to another instance, and the caller gets a 504 in words, while a
// stream that started answering is never cut by the deadline.

const DEADLINE_MS = 300;

/** An instance that accepts connections and never answers: a frozen process. */
function frozenInstance() {
  const seen: string[] = [];
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    idleTimeout: 0,
    fetch(req) {
      seen.push(`${req.method} ${new URL(req.url).pathname}`);
      return new Promise<Response>(() => {});
    },
  });
  return { url: `http://127.0.0.1:${server.port}`, seen, stop: () => server.stop(true) };
}

function liveInstance() {
  const seen: string[] = [];
  let sendLate: (() => void) | undefined;
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    idleTimeout: 0,
    fetch(req) {
      const path = new URL(req.url).pathname;
      seen.push(`${req.method} ${path}`);
      if (path === "/events") {
        const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
        const writer = writable.getWriter();
        const enc = new TextEncoder();
        void writer.write(enc.encode("event: first\ndata: 1\n\n"));
        sendLate = () => void writer.write(enc.encode("event: late\ndata: 2\n\n"));
        return new Response(readable, { headers: { "content-type": "text/event-stream" } });
      }
      return new Response("answered");
    },
  });
  return {
    url: `http://127.0.0.1:${server.port}`,
    seen,
    sendLate: () => sendLate?.(),
    stop: () => server.stop(true),
  };
}

function gatewayTo(instances: string[]) {
  const app = createApp({
    name: "gw",
    ready: {},
    routes: [
      route("*", "/*", (req, ctx) =>
        proxy(req, ctx, {
          name: "api",
          url: instances,
          secret: TEST_INTERNAL_SECRET,
          timeoutMs: DEADLINE_MS,
        }),
      ),
    ],
  });
  return listen(app, { host: "127.0.0.1", port: 0, maxRequestBodySize: 1024 * 1024 });
}

describe("a gateway whose upstream stops answering", () => {
  const frozen = frozenInstance();
  const live = liveInstance();
  let onlyFrozen: ReturnType<typeof gatewayTo>;
  beforeAll(() => {
    onlyFrozen = gatewayTo([frozen.url]);
  });
  afterAll(async () => {
    await onlyFrozen.stop(0);
    frozen.stop();
    live.stop();
  });

  test("answers 504 upstream_timeout naming the service instead of hanging", async () => {
    const res = await fetch(`${onlyFrozen.url}/api/me`);
    expect(res.status).toBe(504);
    expect(await res.json()).toEqual({
      error: {
        code: "upstream_timeout",
        message: "the api service did not answer in time; try again shortly",
      },
    });
  });

  test("a read that meets the frozen instance is answered by the other one", async () => {
    // An instance of its own: one that already timed out rests, and would be tried last.
    const stuck = frozenInstance();
    const gateway = gatewayTo([stuck.url, live.url]);
    try {
      for (let i = 0; i < 2; i++) {
        const res = await fetch(`${gateway.url}/api/channels`);
        expect(res.status).toBe(200);
        expect(await res.text()).toBe("answered");
      }
      expect(stuck.seen).toEqual(["GET /api/channels"]);
    } finally {
      await gateway.stop(0);
      stuck.stop();
    }
  });

  test("a write that may have been done is not sent again elsewhere", async () => {
    const gateway = gatewayTo([frozen.url]);
    try {
      const res = await fetch(`${gateway.url}/api/messages`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ body_md: "once" }),
      });
      expect(res.status).toBe(504);
    } finally {
      await gateway.stop(0);
    }
    const mixed = gatewayTo([frozen.url, live.url]);
    try {
      // Whichever instance the turn starts with, the frozen one never passes the write on.
      for (let i = 0; i < 2; i++) {
        await fetch(`${mixed.url}/api/posts`, {
          method: "POST",
          body: "{}",
          headers: { "content-type": "application/json" },
        });
      }
      const toFrozen = frozen.seen.filter((s) => s === "POST /api/posts").length;
      const toLive = live.seen.filter((s) => s === "POST /api/posts").length;
      expect(toFrozen + toLive).toBe(2);
    } finally {
      await mixed.stop(0);
    }
  });

  test("a stream that started answering outlives the deadline", async () => {
    const gateway = gatewayTo([live.url]);
    try {
      const res = await fetch(`${gateway.url}/events`);
      const reader = (res.body as ReadableStream<Uint8Array>).getReader();
      const dec = new TextDecoder();
      let text = dec.decode((await reader.read()).value);
      expect(text).toContain("event: first");
      await Bun.sleep(DEADLINE_MS * 2);
      live.sendLate();
      while (!text.includes("event: late")) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`the stream was cut: ${text}`);
        text += dec.decode(value);
      }
      await reader.cancel();
    } finally {
      await gateway.stop(0);
    }
  });
});

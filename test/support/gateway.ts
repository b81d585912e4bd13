import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createMemoryBus } from "../../lib/bus/memory-bus.ts";
import { type Config, loadConfig } from "../../lib/config.ts";
import { type App, createApp } from "../../lib/http/app.ts";
import { route } from "../../lib/http/router.ts";
import { openSse } from "../../lib/http/sse.ts";
import { createStreamLimits } from "../../lib/live/stream-limits.ts";
import { configureLog } from "../../lib/log.ts";
import type { Outbound } from "../../lib/outbound/fetch.ts";
import { createDiskStore } from "../../lib/storage/disk-store.ts";
import { createApiApp } from "../../services/api/main.ts";
import { createGatewayApp } from "../../services/auth-gw/main.ts";
import { createTuiService } from "../../services/tui-sm/main.ts";
import { createWebService } from "../../services/web-sm/main.ts";
import { type DbKind, startTestApi, type TestApi } from "./api.ts";
import { TEST_INTERNAL_SECRET } from "./internal.ts";

export interface TestGateway {
  /** The API's harness over the same database: people, memberships, direct calls. */
  api: TestApi;
  config: Config;
  gateway: App;
  /** Streams the stand-in session manager holds open, by tag. */
  openStreams: Set<string>;
  /** A request through the gateway, in-process, from `ip` (default 198.51.100.7). */
  request(path: string, init?: RequestInit & { ip?: string }): Promise<Response>;
  close(): Promise<void>;
}

/**
 * A stand-in for a session manager: `GET /tui/stream?tag=…` (and `/events`) answers an SSE stream
 * that sends `hello` and then stays open; `GET /` a page. No session manager has a stream route
 * yet; this one only streams, it does not check who asks — that is the door's job under test.
 */
export function createStreamingUpstream(name: string, openStreams: Set<string>, heartbeatMs = 15_000): App {
  const app: App = createApp({
    name,
    ready: {},
    routes: [
      route("GET", "/tui/stream", (req, ctx) => stream(req, ctx.url)),
      route("GET", "/events", (req, ctx) => stream(req, ctx.url)),
      route(
        "GET",
        "/",
        () => new Response("<!doctype html><p>hi</p>", { headers: { "Content-Type": "text/html" } }),
      ),
    ],
  });
  function stream(req: Request, url: URL) {
    const tag = url.searchParams.get("tag") ?? "";
    openStreams.add(tag);
    const sse = openSse({
      signal: AbortSignal.any([req.signal, app.shutdown]),
      heartbeatMs,
      onClose: () => openStreams.delete(tag),
    });
    sse.send({ event: "hello", data: { tag } });
    return sse.response;
  }
  return app;
}

/**
 * The real gateway in-process over the real API and a real database (PGlite in memory by default),
 * with the stand-in streaming session manager behind `/tui/*` and web pages.
 */
export async function startTestGateway(env: Record<string, string> = {}, kind: DbKind = "pglite") {
  configureLog({ level: "error" });
  const api = await startTestApi(kind, env);
  const config = loadConfig({ AJET_LOG_LEVEL: "error", AJET_INTERNAL_SECRET: TEST_INTERNAL_SECRET, ...env });
  const bus = createMemoryBus({ replayBuffer: 100 });
  const dir = mkdtempSync(join(tmpdir(), "ajet-gw-"));
  const apiApp = createApiApp({ config, db: api.database, bus, store: createDiskStore(join(dir, "files")) });
  const openStreams = new Set<string>();
  const sm = createStreamingUpstream("stand-in-sm", openStreams);
  const gateway = createGatewayApp({
    config,
    db: api.database,
    bus,
    upstreams: {
      api: { name: "api", app: apiApp, secret: TEST_INTERNAL_SECRET },
      web: { name: "web-sm", app: sm, secret: TEST_INTERNAL_SECRET },
      tui: { name: "tui-sm", app: sm, secret: TEST_INTERNAL_SECRET },
    },
  });
  const result: TestGateway = {
    api,
    config,
    gateway,
    openStreams,
    request(path, init = {}) {
      const { ip = "198.51.100.7", ...rest } = init;
      return gateway.fetch(new Request(config.publicUrl + path, rest), { ip });
    },
    async close() {
      gateway.beginShutdown();
      sm.beginShutdown();
      await apiApp.stopWork();
      await bus.close();
      await api.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return result;
}

/** Reads an SSE body until `needle` shows up; throws if the stream ends first. */
export async function readUntil(reader: ReadableStreamDefaultReader<Uint8Array>, needle: string) {
  const decoder = new TextDecoder();
  let text = "";
  while (!text.includes(needle)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`stream ended before ${needle}: ${text}`);
    text += decoder.decode(value, { stream: true });
  }
  return text;
}

/** Resolves true when the stream ends within `ms`, false if it is still open then. */
export async function endsWithin(reader: ReadableStreamDefaultReader<Uint8Array>, ms: number) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const next = await Promise.race([reader.read(), Bun.sleep(deadline - Date.now()).then(() => null)]);
    if (next === null) return false;
    if (next.done) return true;
  }
  return false;
}

export interface TestStack {
  /** The API's harness: people, memberships, direct calls, the bus's events and every SQL statement. */
  api: TestApi;
  config: Config;
  gateway: App;
  web: App;
  tui: App;
  /** A request through the gateway, in-process, from `ip` (default 198.51.100.7). */
  request(path: string, init?: RequestInit & { ip?: string }): Promise<Response>;
  close(): Promise<void>;
}

/**
 * The four real services in-process, wired as the embedded server wires them (one bus, one
 * database, the session managers sharing one stream limit), over PGlite in memory.
 */
export async function startTestStack(
  env: Record<string, string> = {},
  /** The API's way out to other servers (a test's own web, see outside-web.ts). */
  outbound?: Outbound,
): Promise<TestStack> {
  configureLog({ level: "error" });
  const api = await startTestApi("pglite", env, undefined, outbound);
  const config = loadConfig({ AJET_LOG_LEVEL: "error", AJET_INTERNAL_SECRET: TEST_INTERNAL_SECRET, ...env });
  const upstream = { name: "api", app: api.app, secret: TEST_INTERNAL_SECRET };
  const limits = createStreamLimits(config.streamLimits);
  const web = await createWebService({ config, bus: api.bus, api: upstream, limits });
  const tui = await createTuiService({ config, bus: api.bus, api: upstream, limits });
  const gateway = createGatewayApp({
    config,
    db: api.database,
    bus: api.bus,
    upstreams: {
      api: upstream,
      web: { name: "web-sm", app: web.app, secret: TEST_INTERNAL_SECRET },
      tui: { name: "tui-sm", app: tui.app, secret: TEST_INTERNAL_SECRET },
    },
  });
  return {
    api,
    config,
    gateway,
    web: web.app,
    tui: tui.app,
    request(path, init = {}) {
      const { ip = "198.51.100.7", ...rest } = init;
      return gateway.fetch(new Request(config.publicUrl + path, rest), { ip });
    },
    async close() {
      gateway.beginShutdown();
      await Promise.all([web.live.close(), tui.live.close()]);
      await api.close();
    },
  };
}

/**
 * The real gateway in front of a test API (its database and bus), for clients that speak to a
 * server the way people's do: the terminal, Slack's webhook client. Pages and `/tui/*` have no
 * session manager behind it. Rate limits are off unless `env` turns them on.
 */
export function gatewayOver(t: TestApi, env: Record<string, string> = {}): App {
  const config = loadConfig({
    AJET_LOG_LEVEL: "error",
    AJET_INTERNAL_SECRET: TEST_INTERNAL_SECRET,
    AJET_RATE_BURST: "0",
    AJET_RATE_AUTH_BURST: "0",
    ...env,
  });
  const upstream = { name: "api", app: t.app, secret: TEST_INTERNAL_SECRET };
  return createGatewayApp({
    config,
    db: t.database,
    bus: t.bus,
    upstreams: { api: upstream, web: upstream, tui: upstream },
  });
}

// ajet-chat's services as their own processes, for the benchmarks that cross them: the four services
// of distributed mode, the embedded server (all four in one process), or the floor under them (Bun
// alone holding SSE streams, or proxying them). Run as `bun test/bench/service-process.ts <name>`,
// this file is one service started as `bun services/<name>/main.ts` (or `ajet-chat serve`) starts
// it, with one hook for benchmarks: on SIGUSR2 it collects garbage fully and prints
// `settled {"rss":…,"heapUsed":…,"extra":…,"capacity":…}`, so another process's memory is read the
// way the in-process benchmarks read their own. `extra` is the part of heapUsed that JSC counts for
// buffers outside its heap (reserved by Bun for native streams; not necessarily resident); `capacity`
// the JS heap's size, live objects and the free space the collector kept. With BENCH_OBJECT_COUNTS
// set it adds `objects`, the live JS objects by type, to see what a stream is made of; with
// BENCH_HEAP_SNAPSHOT=<prefix> it also writes a heap snapshot (`<prefix>-<pid>-<ms>.json`, JSC's
// format) at each weighing, to see what holds them.
import { heapStats } from "bun:jsc";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../../lib/config.ts";
import { runMain } from "../../lib/runtime.ts";
import { TEST_INTERNAL_SECRET } from "../support/internal.ts";
import { SHARED_NATS_URL, uniqueNatsNamespace } from "../support/nats-stream.ts";
import { freePort, servicePorts, waitFor } from "../support/ports.ts";
import { type Child, spawnChild, waitUntilReady } from "../support/process.ts";

const services = {
  api: () => import("../../services/api/main.ts"),
  "auth-gw": () => import("../../services/auth-gw/main.ts"),
  "web-sm": () => import("../../services/web-sm/main.ts"),
  "tui-sm": () => import("../../services/tui-sm/main.ts"),
};
type ServiceName = keyof typeof services | "embedded" | "bare-sse" | "bare-proxy";

/**
 * The floor: Bun.serve answering every request with an SSE stream that says `ready` and stays open
 * (`bare-sse`), or passing each request to AJET_TUI_URL and its answer back unchanged (`bare-proxy`).
 */
function serveBare(kind: "bare-sse" | "bare-proxy") {
  const config = loadConfig();
  const encoder = new TextEncoder();
  Bun.serve({
    hostname: config.host,
    port: config.ports.gateway,
    idleTimeout: 0,
    async fetch(req) {
      const url = new URL(req.url);
      if (url.pathname === "/readyz") return Response.json({ ok: true });
      if (kind === "bare-proxy") {
        const res = await fetch(config.upstreams.tui[0] + url.pathname + url.search, {
          headers: req.headers,
          signal: req.signal,
          decompress: false,
        });
        return new Response(res.body, { status: res.status, headers: res.headers });
      }
      return new Response(
        new ReadableStream<Uint8Array>({
          start: (c) => c.enqueue(encoder.encode("event: ready\ndata: x\n\n")),
        }),
        { headers: { "content-type": "text/event-stream" } },
      );
    },
  });
}

if (import.meta.main) {
  process.on("SIGUSR2", () => {
    Bun.gc(true);
    const { rss, heapUsed } = process.memoryUsage();
    const stats = heapStats();
    const weight: Weight = { rss, heapUsed, extra: stats.extraMemorySize, capacity: stats.heapCapacity };
    if (Bun.env.BENCH_OBJECT_COUNTS) weight.objects = stats.objectTypeCounts;
    if (Bun.env.BENCH_HEAP_SNAPSHOT)
      writeFileSync(
        `${Bun.env.BENCH_HEAP_SNAPSHOT}-${process.pid}-${Date.now()}.json`,
        JSON.stringify(Bun.generateHeapSnapshot()),
      );
    console.log(`settled ${JSON.stringify(weight)}`);
  });
  const name = Bun.argv[2] as ServiceName;
  // Imported only here, so each process loads its own service's code alone.
  if (name === "embedded") await (await import("../../bin/commands/serve.ts")).runServe([]);
  else if (name === "bare-sse" || name === "bare-proxy") serveBare(name);
  else runMain(name, (await services[name]()).start);
}

export interface Weight {
  rss: number;
  heapUsed: number;
  extra: number;
  capacity: number;
  /** Live JS objects by type, when BENCH_OBJECT_COUNTS is set (counting them takes a while). */
  objects?: Record<string, number>;
}

export interface ServiceProcess {
  url: string;
  pid: number;
  child: Child;
  /** RSS, JS heap in use, the heap's count of outside buffers and its capacity, in bytes, after a full collection. */
  settled(): Promise<Weight>;
}

function spawnService(name: ServiceName, port: number, env: Record<string, string>): ServiceProcess {
  // BENCH_CPU_PROF=<dir>: each service writes a CPU profile there (and a Markdown digest) when it stops.
  const profile = Bun.env.BENCH_CPU_PROF
    ? [
        "--cpu-prof",
        "--cpu-prof-md",
        `--cpu-prof-dir=${Bun.env.BENCH_CPU_PROF}`,
        `--cpu-prof-name=${name}-${port}.cpuprofile`,
      ]
    : [];
  // BENCH_DB_STATEMENTS=<file>: the embedded database writes its time by statement there.
  const statements: Record<string, string> = Bun.env.BENCH_DB_STATEMENTS
    ? { AJET_DB_STATEMENT_LOG: Bun.env.BENCH_DB_STATEMENTS }
    : {};
  const child = spawnChild([process.execPath, ...profile, import.meta.path, name], { ...statements, ...env });
  let asked = 0;
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.proc.pid,
    child,
    async settled() {
      const n = asked++;
      child.proc.kill("SIGUSR2");
      return waitFor(
        () => {
          const line = [...child.stdout().matchAll(/^settled (.*)$/gm)][n];
          if (!line) throw new Error("no answer yet");
          return JSON.parse(line[1] as string) as Weight;
        },
        10_000,
        `${name} to report its memory`,
      );
    },
  };
}

async function started<T extends Record<string, ServiceProcess>>(
  processes: T,
  ready: ServiceProcess[],
  cleanUp: () => Promise<void>,
) {
  const stop = async () => {
    for (const p of Object.values(processes)) await p.child.stop();
    await cleanUp();
  };
  try {
    await Promise.all(ready.map((p) => waitUntilReady(p.child, `${p.url}/readyz`)));
  } catch (err) {
    await stop();
    throw err;
  }
  return { ...processes, stop };
}

/** What every process of distributed mode is started with: the database, NATS with this run's own stream, the secret. */
function distributedEnv(databaseUrl: string) {
  const nats = uniqueNatsNamespace();
  const dataDir = mkdtempSync(join(tmpdir(), "ajet-bench-"));
  const common = {
    AJET_DATA_DIR: dataDir,
    AJET_SHUTDOWN_GRACE_MS: "1000",
    DATABASE_URL: databaseUrl,
    NATS_URL: SHARED_NATS_URL,
    NATS_STREAM: nats.stream,
    NATS_SUBJECT_PREFIX: nats.subjectPrefix,
    BUN_CONFIG_MAX_HTTP_REQUESTS: "65336",
    AJET_INTERNAL_SECRET: TEST_INTERNAL_SECRET,
  };
  return { nats, dataDir, common };
}

/**
 * The four services as four processes, as distributed mode runs them: PostgreSQL at `databaseUrl`,
 * the shared NATS with a stream and subject prefix of this run's own, uploads on disk in a temporary
 * directory (no S3: nothing here uploads). Resolves once each answers /readyz.
 */
export async function startDistributed(databaseUrl: string, env: Record<string, string> = {}) {
  const { nats, dataDir, common } = distributedEnv(databaseUrl);
  const ports = servicePorts();
  const shared = { ...common, ...ports.env, ...env };
  const processes = {
    api: spawnService("api", ports.api, shared),
    web: spawnService("web-sm", ports.web, shared),
    tui: spawnService("tui-sm", ports.tui, shared),
    gateway: spawnService("auth-gw", ports.gateway, shared),
  };
  return started(processes, Object.values(processes), async () => {
    await nats.remove();
    rmSync(dataDir, { recursive: true, force: true });
  });
}

/**
 * Distributed mode scaled out as the capacity benchmark runs it: `replicas` processes of the API
 * and of each session manager and one gateway. The gateway and the session managers are given every
 * replica's URL (`AJET_API_URL=http://…:a,http://…:b`) and take them in turn, as a deployment
 * without a balancer of its own does; no process stands between them.
 */
export async function startDistributedReplicas(
  databaseUrl: string,
  replicas: number,
  env: Record<string, string> = {},
) {
  const { nats, dataDir, common } = distributedEnv(databaseUrl);
  const kinds = [
    ["api", "AJET_API_PORT", "AJET_API_URL"],
    ["web-sm", "AJET_WEB_PORT", "AJET_WEB_URL"],
    ["tui-sm", "AJET_TUI_PORT", "AJET_TUI_URL"],
  ] as const;
  const ports = kinds.map(() => Array.from({ length: replicas }, () => freePort()));
  const gatewayPort = freePort();
  const shared: Record<string, string> = {
    ...common,
    AJET_PORT: String(gatewayPort),
    ...Object.fromEntries(
      kinds.map(([, , urlVar], k) => [
        urlVar,
        (ports[k] ?? []).map((port) => `http://127.0.0.1:${port}`).join(","),
      ]),
    ),
    // Replicas of one service would all take its default metrics port.
    AJET_METRICS_PORT: "0",
    ...env,
  };
  const processes: Record<string, ServiceProcess> = {};
  kinds.forEach(([name, portVar], k) => {
    (ports[k] ?? []).forEach((port, i) => {
      processes[`${name} ${i + 1}`] = spawnService(name, port, { ...shared, [portVar]: String(port) });
    });
  });
  const gateway = spawnService("auth-gw", gatewayPort, shared);
  processes.gateway = gateway;
  return {
    ...(await started(processes, Object.values(processes), async () => {
      await nats.remove();
      rmSync(dataDir, { recursive: true, force: true });
    })),
    gateway,
  };
}

/**
 * The embedded server as one process (`ajet-chat serve`): the gateway hands requests to the other
 * services in-process, over the in-process bus; only the gateway listens. With no `databaseUrl` it
 * keeps its database embedded (PGlite) in `dataDir`.
 */
export async function startEmbedded(
  databaseUrl: string | null,
  env: Record<string, string> = {},
  dataDir = mkdtempSync(join(tmpdir(), "ajet-bench-")),
) {
  const port = freePort();
  const metricsPort = freePort();
  const gateway = spawnService("embedded", port, {
    AJET_PORT: String(port),
    AJET_METRICS_PORT: String(metricsPort),
    AJET_DATA_DIR: dataDir,
    AJET_SHUTDOWN_GRACE_MS: "1000",
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    BUN_CONFIG_MAX_HTTP_REQUESTS: "65336",
    AJET_INTERNAL_SECRET: TEST_INTERNAL_SECRET,
    ...env,
  });
  const server = await started({ gateway }, [gateway], async () =>
    rmSync(dataDir, { recursive: true, force: true }),
  );
  return { ...server, metricsUrl: `http://127.0.0.1:${metricsPort}/metrics` };
}

/** The floor under a proxied stream: a bare Bun proxy in front of a bare Bun SSE server, each its own process. */
export async function startBare() {
  const ports = { proxy: freePort(), sse: freePort() };
  const env = {
    AJET_PORT: String(ports.proxy),
    AJET_TUI_URL: `http://127.0.0.1:${ports.sse}`,
    BUN_CONFIG_MAX_HTTP_REQUESTS: "65336",
  };
  const processes = {
    proxy: spawnService("bare-proxy", ports.proxy, env),
    sse: spawnService("bare-sse", ports.sse, { ...env, AJET_PORT: String(ports.sse) }),
  };
  return started(processes, Object.values(processes), async () => {});
}

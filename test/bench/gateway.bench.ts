// The auth gateway in front of the API and the session managers, each its own process as distributed
// mode runs them (test/bench/service-process.ts): an authenticated GET through the gateway against
// the same GET sent straight to the API, at the same concurrency from a separate load process; then
// BENCH_GATEWAY_STREAMS (10,000) idle TUI streams (`GET /tui/events`) held through the gateway, with
// what each costs the gateway's and the TUI SM's memory and how ordinary GETs fare meanwhile; then
// the GETs again in the embedded server, where the gateway hands requests to the API in-process.
// Run with `bun run bench gateway` (or `bun test/bench/gateway.bench.ts`). BENCH_CLIENTS (16),
// BENCH_SECONDS (each load phase runs half of it), BENCH_SAMPLES and BENCH_GATEWAY_STREAMS set the sizes;
// BENCH_OBJECT_COUNTS=1 adds the JS objects each idle stream leaves in each process, by type.
import { readdirSync } from "node:fs";
import { z } from "zod";
import { createSession } from "../../lib/auth/sessions.ts";
import { trustedHop } from "../support/internal.ts";
import { knobs } from "./knobs.ts";
import { runLoad, type Target } from "./load.ts";
import {
  checkErrors,
  cpuMeter,
  heading,
  interleaved,
  latency,
  mergeFigures,
  ms,
  rate,
  row,
  verdict,
} from "./measure.ts";
import {
  type ServiceProcess,
  startBare,
  startDistributed,
  startEmbedded,
  type Weight,
} from "./service-process.ts";
import {
  type BenchApi,
  bulkUsers,
  callJson,
  createCommunity,
  httpGet,
  type Person,
  startBenchApi,
} from "./setup.ts";
import { bearer, holdStreams } from "./streams.ts";

const STREAMS = z.coerce.number().int().positive().default(10_000).parse(Bun.env.BENCH_GATEWAY_STREAMS);
// The capacity issue's target for an idle live stream, at every hop it passes (a bare Bun SSE stream is about 2 KB).
const STREAM_KB = 16;
// How long the held streams stay idle before they are weighed a second time.
const IDLE_SECONDS = 15;
const clients = knobs.BENCH_CLIENTS;
const seconds = Math.max(1, knobs.BENCH_SECONDS / 2);
const warmupSeconds = 1;
// The streams' owners: each of them opens many streams, each stream with a session of its own.
const STREAMERS = 100;
// The per-credential rate limit (a burst of 300, then 30/s) would refuse most of this load with 429:
// the buckets stay in the path, with a burst no benchmark reaches. Each streamer holds about a
// hundred streams, past the per-person limit of live streams; that limit stays out of reach too.
const LIMITS_OUT_OF_REACH = {
  AJET_RATE_BURST: "1000000000",
  AJET_MAX_STREAMS_PER_USER: "1000000",
  AJET_MAX_STREAMS: "1000000",
};

type Processes = Record<string, number>;

/**
 * One closed-loop phase from the load process, and the CPU milliseconds each process spent in all.
 * Straight to the API, requests carry the internal secret (as the gateway's do), and the API checks
 * their token itself; through the gateway, the gateway checks it and passes on who it is.
 */
async function phase(
  api: BenchApi,
  target: { url: string; straight: boolean },
  path: string,
  people: Person[],
  processes: Processes,
) {
  const targets: Target[] = people.map((p) => ({ method: "GET", path, token: p.token }));
  const started = performance.now();
  const meter = await cpuMeter(
    async () =>
      (await api.raw`select pid from pg_stat_activity where datname = current_database()`).map(
        (r: { pid: number }) => r.pid,
      ),
    processes,
  );
  const figures = await runLoad({
    baseUrl: target.url,
    headers: target.straight ? trustedHop : {},
    targets,
    mode: { kind: "closed", clients, seconds: seconds / 2, warmupSeconds },
  });
  const cpu = await meter.stop(1);
  // Warm-up requests used CPU too; at a steady rate the whole phase did about this many.
  const ops = figures.perSecond * ((performance.now() - started) / 1000);
  return { figures, ops, cpu: { ...cpu.processes, postgres: cpu.postgres } };
}

type Phase = Awaited<ReturnType<typeof phase>>;

/** Runs of one configuration as one: figures merged, CPU per request of each process (client = the load process). */
function merged(runs: Phase[]) {
  const figures = mergeFigures(runs.map((r) => r.figures));
  const ops = runs.reduce((n, r) => n + r.ops, 0);
  const cpu: Record<string, number> = {};
  for (const r of runs) for (const [name, v] of Object.entries(r.cpu)) cpu[name] = (cpu[name] ?? 0) + v / ops;
  return { figures, cpu: { ...cpu, client: figures.cpuMsPerOp ?? 0 } };
}

/** `CPU/op ms: gateway 0.12, api 0.30, … = 1.2 cores`: what each process spent per request, and all of it at that rate. */
function cpuNote(p: ReturnType<typeof merged>) {
  const total = Object.values(p.cpu).reduce((a, b) => a + b, 0);
  const each = Object.entries(p.cpu).map(([name, v]) => `${name} ${ms(v)}`);
  return `CPU/op ms: ${each.join(", ")} = ${((total * p.figures.perSecond) / 1000).toFixed(2)} cores`;
}

/**
 * Each GET straight to the API and through the gateway, in closed-loop phases taken in the order
 * straight, through, through, straight, so a change in what else the machine does weighs on both
 * alike; prints both, the ratio, and the verdict. Returns the load process's largest use of the CPU.
 */
async function throughGatewayAndStraight(
  api: BenchApi,
  urls: { api: string; gateway: string },
  gets: { label: string; path: string }[],
  people: Person[],
  processes: Processes,
) {
  let clientCores = 0;
  for (const get of gets) {
    const runs: Record<"straight" | "through", Phase[]> = { straight: [], through: [] };
    for (const which of ["straight", "through", "through", "straight"] as const) {
      runs[which].push(
        await phase(
          api,
          { url: which === "straight" ? urls.api : urls.gateway, straight: which === "straight" },
          get.path,
          people,
          processes,
        ),
      );
    }
    const straight = merged(runs.straight);
    const through = merged(runs.through);
    checkErrors(`${get.label} straight`, straight.figures);
    checkErrors(`${get.label} through the gateway`, through.figures);
    row(
      `${get.label}, straight to the API`,
      rate(straight.figures),
      latency(straight.figures),
      cpuNote(straight),
    );
    row(
      `${get.label}, through the gateway`,
      rate(through.figures),
      latency(through.figures),
      cpuNote(through),
    );
    const ratio = through.figures.perSecond / straight.figures.perSecond;
    const [s1, s2] = runs.straight.map((r) => r.figures.perSecond);
    const [t1, t2] = runs.through.map((r) => r.figures.perSecond);
    row(
      "  ratio through the gateway / straight",
      `${ratio.toFixed(2)}×`,
      `(first half ${((t1 ?? 0) / (s1 ?? 1)).toFixed(2)}×, second ${((t2 ?? 0) / (s2 ?? 1)).toFixed(2)}×)`,
    );
    verdict(
      "through the gateway ≥ 0.50× straight to the API",
      ratio >= 0.5,
      `${ratio.toFixed(2)}×, ${Math.round((1 - ratio / 0.5) * 100)}% short of 0.50×`,
    );
    for (const p of [straight, through]) {
      clientCores = Math.max(clientCores, ((p.cpu.client ?? 0) * p.figures.perSecond) / 1000);
    }
  }
  return clientCores;
}

/**
 * How many streams the gateway can hold under its open-file limit: two sockets each (the client's,
 * and its own to the TUI SM), with headroom for its database pool, NATS and ordinary requests.
 */
async function streamsThatFit(pid: number) {
  const limits = await Bun.file(`/proc/${pid}/limits`).text();
  const limit = Number(/Max open files\s+(\d+)/.exec(limits)?.[1] ?? Number.POSITIVE_INFINITY);
  const open = readdirSync(`/proc/${pid}/fd`).length;
  return { limit, open, fit: Math.floor((limit - open - 200) / 2) };
}

/**
 * Holds `count` streams on `url` from a client process and weighs each named process (after a full
 * collection) before and while they are held: per stream, in KB, RSS, JS heap (objects), and the
 * buffers the heap counts besides (reserved, not necessarily resident). Weighed twice while held:
 * a second after the last stream opened (`memory`), and after IDLE_SECONDS more with nothing
 * happening (`idle`): the allocators give back what the opening burst used only after a while, and
 * what an idle stream holds is what the target is about. `meanwhile` runs while they are still
 * held; `ended` counts the streams the server closed by then.
 */
async function holding<T>(
  url: string,
  tokens: string[],
  count: number,
  processes: Record<string, ServiceProcess>,
  meanwhile: () => Promise<T>,
) {
  const weigh = async () => {
    const weights: Record<string, Weight> = {};
    for (const [name, p] of Object.entries(processes)) weights[name] = await p.settled();
    return weights;
  };
  const before = await weigh();
  const streams = holdStreams(url, tokens.map(bearer), count);
  try {
    const opened = await streams.opened();
    const perStream = (after: Record<string, Weight>) => {
      const each = (name: string, key: Exclude<keyof Weight, "objects">) =>
        ((after[name]?.[key] ?? 0) - (before[name]?.[key] ?? 0)) / 1024 / Math.max(1, opened.ready);
      return Object.fromEntries(
        Object.keys(processes).map((name) => [
          name,
          {
            rssKb: each(name, "rss"),
            heapKb: each(name, "heapUsed") - each(name, "extra"),
            extraKb: each(name, "extra"),
            capacityKb: each(name, "capacity"),
            objects: objectsPerStream(before[name]?.objects, after[name]?.objects, opened.ready),
          },
        ]),
      );
    };
    await Bun.sleep(1000);
    const memory = perStream(await weigh());
    await Bun.sleep(IDLE_SECONDS * 1000);
    const idle = perStream(await weigh());
    const result = await meanwhile();
    const { ended } = await streams.arrivals();
    return { opened, memory, idle, ended, result };
  } finally {
    await streams.close();
  }
}

/** JS objects per stream by type, the types of at least half an object each, most first. */
function objectsPerStream(before: Record<string, number> = {}, after: Record<string, number> = {}, n = 1) {
  return Object.entries(after)
    .map(([type, count]) => [type, (count - (before[type] ?? 0)) / Math.max(1, n)] as const)
    .filter(([, each]) => each >= 0.5)
    .sort((a, b) => b[1] - a[1])
    .map(([type, each]) => `${type} ${each.toFixed(1)}`)
    .join(", ");
}

const api = await startBenchApi();
let distributed: Awaited<ReturnType<typeof startDistributed>> | undefined;
let embedded: Awaited<ReturnType<typeof startEmbedded>> | undefined;
try {
  const alice = await api.person("alice");
  const colleagues = await Promise.all(
    Array.from({ length: clients - 1 }, (_, i) => api.person(`colleague${i + 1}`)),
  );
  const people = [alice, ...colleagues];
  const streamerIds = await bulkUsers(api.raw, "streamer", STREAMERS);
  const { general } = await createCommunity(api, alice, "acme", [
    ...colleagues,
    ...streamerIds.map((id) => ({ id })),
  ]);
  for (let i = 0; i < 50; i++) {
    await callJson(api, people[i % people.length] as Person, "POST", `/api/channels/${general}/messages`, {
      body_md: `Message ${i}: the **build** is green again — see https://ci.example/${i}`,
    });
  }
  const history = `/api/channels/${general}/messages?limit=50`;
  const gets = [
    { label: "GET /api/me", path: "/api/me" },
    { label: "GET /api/channels/:id/messages?limit=50", path: history },
  ];

  distributed = await startDistributed(api.dbUrl, {
    ...LIMITS_OUT_OF_REACH,
    ...(Bun.env.BENCH_OBJECT_COUNTS ? { BENCH_OBJECT_COUNTS: "1" } : {}),
    ...(Bun.env.BENCH_HEAP_SNAPSHOT ? { BENCH_HEAP_SNAPSHOT: Bun.env.BENCH_HEAP_SNAPSHOT } : {}),
  });
  const { gateway, tui } = distributed;
  heading(
    `gateway: authenticated GETs through the gateway against straight to the API (distributed: separate processes)`,
  );
  console.log(
    `  ${clients} clients (each a different person) from a separate load process; ${seconds} s each way in two phases of ${seconds / 2} s (after ${warmupSeconds} s warm-up each), straight, through, through, straight`,
  );
  console.log(
    "  CPU/op: each process's CPU per request (postgres = its backends for this database; client = the load process)",
  );
  const clientCores = await throughGatewayAndStraight(
    api,
    { api: distributed.api.url, gateway: gateway.url },
    gets,
    people,
    { gateway: gateway.pid, api: distributed.api.pid },
  );
  console.log(
    `  the load process used at most ${clientCores.toFixed(2)} of ${navigator.hardwareConcurrency} cores: everything shares them, so the ratio is of the whole machine's work per request`,
  );

  const room = await streamsThatFit(gateway.pid);
  const count = Math.min(STREAMS, room.fit);
  heading(
    `gateway: ${count.toLocaleString("en")} idle TUI streams held through it (GET /tui/events?community=acme)`,
  );
  if (count < STREAMS) {
    console.log(
      `  !! ${count.toLocaleString("en")}, not ${STREAMS.toLocaleString("en")}: the gateway may open ${room.limit.toLocaleString("en")} files ` +
        `(${room.open} open already) and holds two sockets per stream (the client's, and its own to the TUI SM)`,
    );
  }
  console.log(
    `  ${STREAMERS} people in the community, each with about ${Math.round(count / STREAMERS)} streams, every stream its own session (made with createSession)`,
  );
  const tokens: string[] = [];
  for (let i = 0; i < count; i += 200) {
    const batch = Array.from({ length: Math.min(200, count - i) }, (_, j) =>
      createSession(api.database.db, streamerIds[(i + j) % STREAMERS] as string),
    );
    for (const { token } of await Promise.all(batch)) tokens.push(token);
  }
  const bare = await startBare();
  const floor = await holding(
    `${bare.proxy.url}/tui/events`,
    ["none"],
    count,
    { proxy: bare.proxy, sse: bare.sse },
    async () => {},
  );
  await bare.stop();
  const ordinary = () =>
    interleaved({
      count: Math.min(100, knobs.BENCH_SAMPLES),
      warmup: 5,
      ops: { me: httpGet(gateway, alice, "/api/me"), history: httpGet(gateway, alice, history) },
    });
  const before = await ordinary();
  const held = await holding(
    `${gateway.url}/tui/events?community=acme`,
    tokens,
    count,
    { gateway, tui },
    ordinary,
  );
  const { opened, memory, idle, ended, result: during } = held;
  if (opened.failed) console.log(`  !! ${opened.failed} streams did not open, first: ${opened.firstFailure}`);
  row(
    `${opened.ready.toLocaleString("en")} streams connected`,
    `in ${opened.seconds.toFixed(1)} s (${Math.round(opened.ready / opened.seconds)} /s)`,
    `bare: ${floor.opened.ready.toLocaleString("en")} in ${floor.opened.seconds.toFixed(1)} s`,
  );
  const kb = (v = Number.NaN) => `${v.toFixed(1)} KB`;
  const hops = [
    { name: "gateway", label: "gateway", bare: floor.idle.proxy, floor: "a bare Bun proxy's" },
    { name: "tui", label: "TUI SM", bare: floor.idle.sse, floor: "a bare Bun SSE server's" },
  ];
  for (const hop of hops) {
    const m = idle[hop.name];
    row(
      `memory per idle stream, ${hop.label} (RSS delta)`,
      `${kb(m?.rssKb)} after ${IDLE_SECONDS} s idle`,
      `target ≤ ${STREAM_KB} KB`,
      `${kb(memory[hop.name]?.rssKb)} 1 s after the last opened`,
      `${((m?.rssKb ?? 0) / (hop.bare?.rssKb ?? 0)).toFixed(1)}× ${hop.floor} (${kb(hop.bare?.rssKb)})`,
    );
    // The heap's own growth beside what is alive in it: the rest of the RSS is Bun's native side
    // (sockets, HTTP state) and memory the allocator kept after the streams' opening.
    row(
      "  of which JS",
      `objects ${kb(m?.heapKb)}, heap grown ${kb(m?.capacityKb)}`,
      `buffers counted by the collector, not all resident, ${kb(m?.extraKb)}`,
    );
    if (m?.objects) console.log(`    objects per stream: ${m.objects}`);
  }
  for (const hop of hops) {
    const rssKb = idle[hop.name]?.rssKb ?? Number.NaN;
    verdict(`${hop.label} ≤ ${STREAM_KB} KB per idle stream`, rssKb <= STREAM_KB, kb(rssKb));
  }

  for (const [what, f] of Object.entries(during)) checkErrors(`${what} while the streams are held`, f);
  const answered = during.me.count + during.history.count;
  row(
    "GET /api/me through the gateway, before → while held",
    `p50 ${ms(before.me.p50)} → ${ms(during.me.p50)} ms`,
    `p99 ${ms(before.me.p99)} → ${ms(during.me.p99)} ms`,
  );
  row(
    "GET …/messages?limit=50 through it, before → while held",
    `p50 ${ms(before.history.p50)} → ${ms(during.history.p50)} ms`,
    `p99 ${ms(before.history.p99)} → ${ms(during.history.p99)} ms`,
  );
  verdict(
    `ordinary requests pass while ${opened.ready.toLocaleString("en")} streams are held`,
    during.me.errors + during.history.errors === 0 && ended === 0 && opened.failed === 0,
    `${during.me.errors + during.history.errors} of ${answered} failed, ${ended} streams ended, ${opened.failed} did not open`,
  );
  await distributed.stop();
  distributed = undefined;

  embedded = await startEmbedded(api.dbUrl, LIMITS_OUT_OF_REACH);
  heading(
    "gateway: the same GETs in the embedded server (one process; the gateway hands them to the API in-process)",
  );
  console.log(
    "  straight: this benchmark's own API process over the same database (the embedded server opens no port but the gateway's)",
  );
  const embeddedClientCores = await throughGatewayAndStraight(
    api,
    { api: api.url, gateway: embedded.gateway.url },
    gets,
    people,
    { server: embedded.gateway.pid, "straight api (this process)": process.pid },
  );
  console.log(`  the load process used at most ${embeddedClientCores.toFixed(2)} cores`);
} finally {
  await distributed?.stop();
  await embedded?.stop();
  await api.close();
}

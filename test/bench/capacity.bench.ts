// How many people this box holds: a crowd of simulated people (test/bench/capacity-crowd.ts, the
// user model of Mattermost's load-test-ng) grown step by step, each step held steady for a while,
// against the embedded server (`ajet-chat serve`, one process, PGlite inside) and against
// distributed mode (PostgreSQL + NATS; 2 API, 2 web SM, 2 TUI SM processes, and
// one gateway). A step is healthy when actions take ≤ 100 ms on average and ≤ 1 s at p99, at most
// 0.1 % fail, a post reaches every stream that should show it within 1 s at p99 with none lost,
// every stream connected and no resume hung. Prints a table per mode and its largest healthy crowd;
// the ramp stops at the first unhealthy step.
// Run with `bun run bench capacity`. Knobs: CAPACITY_USERS (250,500,1000,2000,3000,5000), CAPACITY_STEP_SECONDS
// (60), CAPACITY_WARMUP_SECONDS (15: load before each step's measured span, reported apart, not
// judged), CAPACITY_MODES (embedded,distributed). The crowd, the servers and PostgreSQL share the box.
import { mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { z } from "zod";
import { createSession } from "../../lib/auth/sessions.ts";
import { createMemoryBus } from "../../lib/bus/memory-bus.ts";
import { loadConfig } from "../../lib/config.ts";
import { type Database, openDatabase } from "../../lib/db/client.ts";
import { configureLog } from "../../lib/log.ts";
import { createDiskStore } from "../../lib/storage/disk-store.ts";
import { createApiApp } from "../../services/api/main.ts";
import { TEST_INTERNAL_SECRET, trustedHop } from "../support/internal.ts";
import { type CapacityPerson, type CapacityReport, runCapacityCrowd } from "./capacity-crowd.ts";
import { cpuMsOf, heading, ms } from "./measure.ts";
import { startDistributedReplicas, startEmbedded } from "./service-process.ts";
import { startBenchApi } from "./setup.ts";

// Every stream is a socket at the crowd and two at the gateway: the open-file limit is raised to
// the most this machine allows, by starting this benchmark again under `ulimit -n`.
if (!Bun.env.CAPACITY_FILES_RAISED) {
  const child = Bun.spawn(
    ["sh", "-c", 'ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$0" "$1"', process.execPath, import.meta.path],
    { env: { ...Bun.env, CAPACITY_FILES_RAISED: "1" }, stdio: ["ignore", "inherit", "inherit"] },
  );
  process.exit(await child.exited);
}

const list = z.string().transform((s) =>
  s
    .split(",")
    .map((x) => x.trim())
    .filter(Boolean),
);
const knobs = z
  .object({
    CAPACITY_USERS: list
      .transform((xs) => xs.map(Number))
      .pipe(z.array(z.number().int().positive()))
      // Past each mode's target (2,000 embedded, 5,000 distributed), so a ramp that stops short of
      // one says at which step and why.
      .default([250, 500, 1000, 2000, 3000, 5000]),
    CAPACITY_STEP_SECONDS: z.coerce.number().positive().default(60),
    CAPACITY_WARMUP_SECONDS: z.coerce.number().nonnegative().default(15),
    CAPACITY_MODES: list
      .pipe(z.array(z.enum(["embedded", "distributed"])))
      .default(["embedded", "distributed"]),
  })
  .parse(Bun.env);
const MAX_USERS = Math.max(...knobs.CAPACITY_USERS);
const OTHER_CHANNELS = 10;
const HISTORY = 30;
const HANG_MS = 10_000;
const fileLimit = Number(await Bun.$`sh -c "ulimit -n"`.text());
configureLog({ level: "error" });

/** How the seeding reaches the database and the API, whichever mode. */
interface Seeder {
  db: Database;
  exec(text: string): Promise<unknown>;
  call<T>(token: string, method: string, path: string, body?: unknown): Promise<T>;
}

const apiCaller =
  (app: { fetch(req: Request): Response | Promise<Response> }): Seeder["call"] =>
  async (token, method, path, body) => {
    const res = await app.fetch(
      new Request(`http://api.bench${path}`, {
        method,
        headers: { ...trustedHop, authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      }),
    );
    if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${await res.text()}`);
    return (await res.json()) as never;
  };

/**
 * The crowd's world: a community with #general and ten more channels holding history, each person
 * in #general and 3 of the 10 others, each with a session of their own; half of them use the web.
 */
async function seed(s: Seeder) {
  const ids = Array.from({ length: MAX_USERS + 1 }, () => Bun.randomUUIDv7());
  const values = ids.map((id, i) => `('${id}', 'cap${i}', 'Person ${i}')`).join(",");
  await s.exec(`insert into users (id, username, display_name) values ${values}`);
  const owner = (await createSession(s.db.db, ids[0] as string)).token;
  await s.call(owner, "POST", "/api/communities", { name: "acme", slug: "acme" });
  const listed = await s.call<{ items: { id: string; name: string }[] }>(
    owner,
    "GET",
    "/api/communities/acme/channels",
  );
  const general = listed.items.find((c) => c.name === "general");
  if (!general) throw new Error("a new community has no #general");
  const channels = [{ id: general.id, name: "general" }];
  for (let i = 1; i <= OTHER_CHANNELS; i++) {
    const c = await s.call<{ id: string }>(owner, "POST", "/api/communities/acme/channels", {
      name: `room-${i}`,
    });
    channels.push({ id: c.id, name: `room-${i}` });
  }
  const cid = await firstId(s, "select id from communities where slug = 'acme'");
  const people = ids.slice(1);
  const memberOf = (i: number) => [0, 1 + (i % 10), 1 + ((i + 3) % 10), 1 + ((i + 7) % 10)];
  await s.exec(
    `insert into community_members (community_id, user_id, role) values ${people
      .map((id) => `('${cid}', '${id}', 'member')`)
      .join(",")} on conflict do nothing`,
  );
  await s.exec(
    `insert into channel_members (channel_id, user_id) values ${people
      .flatMap((id, i) => memberOf(i).map((c) => `('${channels[c]?.id}', '${id}')`))
      .join(",")} on conflict do nothing`,
  );
  for (const c of channels)
    for (let i = 0; i < HISTORY; i++)
      await s.call(owner, "POST", `/api/channels/${c.id}/messages`, {
        body_md: `Earlier message ${i}: the **build** is green again, deploy after lunch`,
      });
  const crowd: CapacityPerson[] = [];
  for (let i = 0; i < people.length; i += 100) {
    const batch = people.slice(i, i + 100).map((id) => createSession(s.db.db, id));
    for (const [j, { token }] of (await Promise.all(batch)).entries()) {
      const n = i + j;
      crowd.push({
        id: people[n] as string,
        token,
        username: `cap${n + 1}`,
        web: n % 2 === 0,
        channels: memberOf(n),
      });
    }
  }
  return { channels, crowd };
}

async function firstId(s: Seeder, query: string): Promise<string> {
  const result = (await s.exec(query)) as { rows?: { id: string }[] } | { id: string }[];
  const rows = Array.isArray(result) ? result : (result.rows ?? []);
  return rows[0]?.id as string;
}

/** Resident memory of the processes, in MB (from /proc, without disturbing them). */
async function rssMbOf(pids: number[]) {
  let kb = 0;
  for (const pid of pids) {
    const status = await Bun.file(`/proc/${pid}/status`)
      .text()
      .catch(() => "");
    kb += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  }
  return kb / 1024;
}

/**
 * The embedded database thread's seconds busy and held by transactions so far, and the main
 * thread's event-loop delay since the last read (prom-client resets it on every scrape), from the
 * server's metrics.
 */
async function dbThreadSeconds(metricsUrl: string | undefined) {
  const text = metricsUrl ? await fetch(metricsUrl).then((r) => (r.ok ? r.text() : "")) : "";
  const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, "m").exec(text)?.[1] ?? Number.NaN);
  return {
    busy: value("ajet_embedded_db_busy_seconds_total"),
    held: value("ajet_embedded_db_held_seconds_total"),
    loopP99: value("nodejs_eventloop_lag_p99_seconds"),
    loopMax: value("nodejs_eventloop_lag_max_seconds"),
    gateway: gatewayBuckets(text),
    fanOut: fanOutBuckets(text),
    pages: {
      held: Number(/^ajet_history_newest_pages_total\{from="held"\} (\S+)$/m.exec(text)?.[1] ?? 0),
      read: Number(/^ajet_history_newest_pages_total\{from="read"\} (\S+)$/m.exec(text)?.[1] ?? 0),
    },
  };
}

/** A histogram's cumulative counts so far by bucket bound, over the series whose labels `keep` takes. */
function bucketsOf(text: string, metric: string, keep: (labels: string) => boolean): Map<number, number> {
  const counts = new Map<number, number>();
  for (const [, labels = "", n] of text.matchAll(
    new RegExp(`^${metric}_bucket\\{([^}]*)\\} (\\S+)$`, "gm"),
  )) {
    const le = /le="([^"]+)"/.exec(labels)?.[1];
    if (!le || !keep(labels)) continue;
    const bound = le === "+Inf" ? Number.POSITIVE_INFINITY : Number(le);
    counts.set(bound, (counts.get(bound) ?? 0) + Number(n));
  }
  return counts;
}

/**
 * The gateway's answer times so far, over the requests the crowd's actions make (streams left out):
 * the server's own view of the latency the crowd measures.
 */
const gatewayBuckets = (text: string) =>
  bucketsOf(
    text,
    "ajet_http_request_duration_seconds",
    (labels) => labels.includes('service="auth-gw"') && !/route="[^"]*events/.test(labels),
  );

/**
 * The session managers' fan-out times so far: from a stored event reaching them to its write into
 * the last of its streams, the server's part of the delivery time the crowd measures.
 */
const fanOutBuckets = (text: string) => bucketsOf(text, "ajet_live_fanout_seconds", () => true);

/** Of the newest history pages answered between two readings, the share answered from what the API held. */
function shareHeld(before: { held: number; read: number }, after: { held: number; read: number }) {
  const held = after.held - before.held;
  const all = held + after.read - before.read;
  return all > 0 ? held / all : Number.NaN;
}

/** The bucket bound (ms) under which 99 % of the observations between two readings fell. */
function bucketP99(before: Map<number, number>, after: Map<number, number>): number {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const total = (after.get(Number.POSITIVE_INFINITY) ?? 0) - (before.get(Number.POSITIVE_INFINITY) ?? 0);
  const bound = bounds.find((b) => (after.get(b) ?? 0) - (before.get(b) ?? 0) >= total * 0.99);
  return total > 0 && bound !== undefined ? bound * 1000 : Number.NaN;
}

interface Step {
  users: number;
  report: CapacityReport;
  serverCores: number;
  postgresCores: number;
  /** The embedded database thread: the share of the step it ran statements, and transactions held it. */
  dbBusy: number;
  dbHeld: number;
  /** The main thread's event-loop delay over the step (embedded): how long a ready callback waited. */
  loopP99: number;
  loopMax: number;
  /** The gateway's own p99 for the crowd's actions (a histogram bucket's bound, ms). */
  gatewayP99: number;
  /** The session managers' p99 from an event's arrival to its last stream write (a bucket's bound, ms). */
  fanOutP99: number;
  /** Of the newest history pages the API answered over the step, the share it held (embedded). */
  heldPages: number;
  rssMb: number;
  healthy: boolean;
  why: string[];
}

function judge(r: CapacityReport): string[] {
  const why: string[] = [];
  if (r.notOpened) why.push(`${r.notOpened} streams did not open (${r.firstFailure})`);
  if (!(r.latency.avg <= 100)) why.push(`action avg ${ms(r.latency.avg)} ms`);
  if (!(r.latency.p99 <= 1000)) why.push(`action p99 ${ms(r.latency.p99)} ms`);
  if (r.errors > r.actions * 0.001) why.push(`${r.errors} errors (${r.firstError})`);
  if (!(r.delivery.p99 <= 1000) && r.delivery.expected) why.push(`delivery p99 ${ms(r.delivery.p99)} ms`);
  if (r.delivery.lost) why.push(`${r.delivery.lost} deliveries lost`);
  if (r.resumes.hung) why.push(`${r.resumes.hung} resumes hung`);
  return why;
}

function printTable(mode: string, steps: Step[]) {
  const cols = [
    "users",
    "open s",
    "actions/s",
    "avg ms",
    "p99 ms",
    "errors",
    "posts",
    "deliv p50",
    "deliv p99",
    "lost",
    "resumes/hung",
    "RSS MB",
    "server cores",
    "pg cores",
    "db busy/held",
    "loop p99/max",
    "gw p99 ≤",
    "fan-out p99 ≤",
    "healthz p99",
    "crowd cores",
    "crowd loop",
    "healthy",
  ];
  console.log(`  ${cols.map((c) => c.padStart(10)).join(" ")}`);
  for (const s of steps) {
    const r = s.report;
    const cells = [
      String(s.users),
      r.openSeconds.toFixed(1),
      (r.actions / knobs.CAPACITY_STEP_SECONDS).toFixed(1),
      ms(r.latency.avg),
      ms(r.latency.p99),
      String(r.errors),
      String(r.delivery.posts),
      ms(r.delivery.p50),
      ms(r.delivery.p99),
      `${r.delivery.lost}/${r.delivery.expected}`,
      `${r.resumes.count}/${r.resumes.hung}`,
      s.rssMb.toFixed(0),
      s.serverCores.toFixed(2),
      mode === "embedded" ? "-" : s.postgresCores.toFixed(2),
      mode === "embedded" ? `${percent(s.dbBusy)}/${percent(s.dbHeld)}` : "-",
      mode === "embedded" ? `${ms(s.loopP99 * 1000)}/${ms(s.loopMax * 1000)}` : "-",
      Number.isFinite(s.gatewayP99) ? ms(s.gatewayP99) : "-",
      Number.isFinite(s.fanOutP99) ? ms(s.fanOutP99) : "-",
      ms(r.healthzP99),
      r.cores.toFixed(2),
      `${ms(r.loop.p99)}/${ms(r.loop.max)}`,
      s.healthy ? "yes" : "NO",
    ];
    console.log(`  ${cells.map((c) => c.padStart(10)).join(" ")}`);
  }
  for (const s of steps) {
    const w = s.report.warmup;
    console.log(
      `  ${s.users} users, warm-up (the first ${knobs.CAPACITY_WARMUP_SECONDS} s after every stream opened, not judged): ${w.actions} actions, ${w.errors} errors, avg ${ms(w.avg)} ms, p99 ${ms(w.p99)} ms, delivery p99 ${ms(w.deliveryP99)} ms`,
    );
    if (!s.healthy) console.log(`  ${s.users} users unhealthy: ${s.why.join("; ")}`);
    if (s.report.cores > 0.85)
      console.log(
        `  !! at ${s.users} users the crowd's own thread ran at ${s.report.cores.toFixed(2)} cores: the load generator may be the bottleneck`,
      );
  }
  const slowest = Object.entries(steps.at(-1)?.report.byAction ?? {}).sort((a, b) => b[1].p99 - a[1].p99);
  console.log(
    `  slowest actions at ${steps.at(-1)?.users} users (p99): ${slowest
      .slice(0, 4)
      .map(([n, f]) => `${n} ${ms(f.p99)} ms (${f.count}${f.errors ? `, ${f.errors} errors` : ""})`)
      .join(", ")}`,
  );
  const failed = steps.find((s) => !s.healthy);
  if (failed) console.log(`  the limit at ${failed.users} users: ${limitOf(mode, failed)}`);
  const best = steps.filter((s) => s.healthy).at(-1);
  console.log(
    `  largest healthy crowd (${mode}): ${best ? best.users.toLocaleString("en") : "none of the steps"}`,
  );
  const target = TARGETS[mode as keyof typeof TARGETS];
  const reached = (best?.users ?? 0) >= target;
  console.log(
    `  target ${mode} ≥ ${target.toLocaleString("en")} healthy: ${reached ? "MET" : `MISSED (${failed ? "the limit above" : "the ramp stopped below it: give CAPACITY_USERS a larger step"})`}`,
  );
}

/** Issue 11's targets: the largest healthy crowd of each mode on this 2-core box. */
const TARGETS = { embedded: 2000, distributed: 5000 } as const;

const percent = (share: number) => (Number.isFinite(share) ? `${Math.round(share * 100)}%` : "-");

/** What ran out at an unhealthy step, from what was measured during it, and what to change next. */
function limitOf(mode: string, s: Step): string {
  const cores = s.serverCores + s.postgresCores + s.report.cores;
  if (mode === "embedded" && s.dbBusy >= 0.6)
    return (
      `the embedded database thread, busy ${percent(s.dbBusy)} of the step running statements and held by transactions ` +
      `${percent(s.dbHeld)} (PGlite runs one statement at a time; every request and stream open queues behind it). ` +
      "Next: fewer and cheaper statements per action (channel access, history, session checks), no transaction held " +
      "across main-thread turns on a hot path; past that, distributed mode (PostgreSQL uses every core)"
    );
  // NATS, the benchmark's own process and the kernel's network work are not counted: from four
  // fifths of the box, the run queue is already long enough to show in the latencies.
  if (cores >= availableParallelism() * 0.8)
    return (
      `the box's ${availableParallelism()} cores: servers ${s.serverCores.toFixed(2)}, PostgreSQL ${s.postgresCores.toFixed(2)}, ` +
      `the crowd ${s.report.cores.toFixed(2)} (NATS and the kernel besides). Next: less CPU per action and per hop ` +
      "(every request crosses gateway, session manager and API processes here; the per-route benchmarks say where), or more cores"
    );
  return `no resource ran out (servers ${s.serverCores.toFixed(2)} cores, PostgreSQL ${s.postgresCores.toFixed(2)}, database thread ${percent(s.dbBusy)}): a queue or a lock; the servers' warnings below, then a CPU profile (BENCH_CPU_PROF=<dir>)`;
}

/** The servers' own warnings and errors (their logs, at warn), the last few lines of each: a step's failures often say why there. */
function warnings(processes: Record<string, unknown>) {
  for (const [name, p] of Object.entries(processes)) {
    const child = (p as { child?: { stderr(): string; stdout(): string } }).child;
    if (!child) continue;
    const lines = `${child.stdout()}\n${child.stderr()}`
      .split("\n")
      .filter((l) => /"level":"(warn|error)"|error/i.test(l));
    if (lines.length)
      console.log(
        `  ${name} logged ${lines.length} warnings/errors, the last: ${lines.slice(-3).join(" | ").slice(0, 600)}`,
      );
  }
}

async function ramp(
  mode: string,
  url: string,
  processes: Record<string, number>,
  backends: () => Promise<number[]>,
  world: Awaited<ReturnType<typeof seed>>,
  metricsUrl?: string,
) {
  const steps: Step[] = [];
  const pids = [...new Set(Object.values(processes))];
  console.log(`  idle server RSS ${(await rssMbOf(pids)).toFixed(0)} MB`);
  for (const users of knobs.CAPACITY_USERS) {
    // The gateway holds two sockets a stream (the client's, the session manager's), the crowd one.
    if (users * 2 + 1000 > fileLimit) {
      console.log(
        `  !! ${users} users not tried: ${users * 2 + 1000} open files needed, this machine allows ${fileLimit}`,
      );
      break;
    }
    let cpu = {
      at: 0,
      servers: new Map<number, number>(),
      pg: new Map<number, number>(),
      db: {
        busy: Number.NaN,
        held: Number.NaN,
        loopP99: Number.NaN,
        loopMax: Number.NaN,
        gateway: new Map<number, number>(),
        fanOut: new Map<number, number>(),
        pages: { held: 0, read: 0 },
      },
    };
    let served = {
      serverCores: 0,
      postgresCores: 0,
      rssMb: 0,
      dbBusy: Number.NaN,
      dbHeld: Number.NaN,
      loopP99: Number.NaN,
      loopMax: Number.NaN,
      gatewayP99: Number.NaN,
      fanOutP99: Number.NaN,
      heldPages: Number.NaN,
      byProcess: {} as Record<string, number>,
    };
    const weigh = async () => ({
      at: performance.now(),
      servers: await cpuMsOf(pids),
      pg: await cpuMsOf(await backends()),
      db: await dbThreadSeconds(metricsUrl),
    });
    const used = (before: Map<number, number>, after: Map<number, number>) =>
      [...after].reduce((n, [pid, v]) => n + v - (before.get(pid) ?? 0), 0);
    const report = await runCapacityCrowd(
      {
        url,
        community: "acme",
        channels: world.channels,
        people: world.crowd.slice(0, users),
        seconds: knobs.CAPACITY_STEP_SECONDS,
        warmupSeconds: knobs.CAPACITY_WARMUP_SECONDS,
        hangMs: HANG_MS,
        seed: users,
      },
      {
        steady: async () => {
          cpu = await weigh();
        },
        stopped: async () => {
          const now = await weigh();
          const span = now.at - cpu.at;
          served = {
            serverCores: used(cpu.servers, now.servers) / span,
            postgresCores: used(cpu.pg, now.pg) / span,
            rssMb: await rssMbOf(pids),
            dbBusy: ((now.db.busy - cpu.db.busy) * 1000) / span,
            dbHeld: ((now.db.held - cpu.db.held) * 1000) / span,
            loopP99: now.db.loopP99,
            loopMax: now.db.loopMax,
            gatewayP99: bucketP99(cpu.db.gateway, now.db.gateway),
            fanOutP99: bucketP99(cpu.db.fanOut, now.db.fanOut),
            heldPages: shareHeld(cpu.db.pages, now.db.pages),
            byProcess: Object.fromEntries(
              Object.entries(processes).map(([name, pid]) => [
                name,
                ((now.servers.get(pid) ?? 0) - (cpu.servers.get(pid) ?? 0)) / span,
              ]),
            ),
          };
        },
      },
    );
    const why = judge(report);
    steps.push({ users, report, ...served, healthy: why.length === 0, why });
    if (pids.length > 1)
      console.log(
        `  … cores by process: ${Object.entries(served.byProcess)
          .sort((a, b) => b[1] - a[1])
          .map(([name, cores]) => `${name} ${cores.toFixed(2)}`)
          .join(", ")}`,
      );
    console.log(
      `  … ${users} users: ${report.actions} actions, avg ${ms(report.latency.avg)} ms, delivery p99 ${ms(report.delivery.p99)} ms${Number.isNaN(served.heldPages) ? "" : `, newest history pages answered from what the API held ${Math.round(served.heldPages * 100)} %`}${why.length ? `, unhealthy: ${why.join("; ")}` : ""}`,
    );
    if (why.length) break;
    // Streams of the step just ended close; the next crowd starts on a settled server.
    await Bun.sleep(2000);
  }
  printTable(mode, steps);
}

heading(
  `capacity: a crowd of ${knobs.CAPACITY_USERS.join(", ")} people, ${knobs.CAPACITY_STEP_SECONDS} s steady each after ${knobs.CAPACITY_WARMUP_SECONDS} s of warm-up, open-file limit ${fileLimit}`,
);
console.log(
  "  each person: one stream (half web /events, half terminal /tui/events, resuming with Last-Event-ID), an action every 1–39 s with load-test-ng's weights",
);
console.log(
  "  healthy: action avg ≤ 100 ms, p99 ≤ 1 s, errors ≤ 0.1 %, delivery p99 ≤ 1 s, none lost, all connected, no resume hung",
);

if (knobs.CAPACITY_MODES.includes("embedded")) {
  heading("capacity, embedded: one process (`ajet-chat serve`, PGlite inside)");
  const dataDir = mkdtempSync(join(tmpdir(), "ajet-capacity-"));
  try {
    const config = loadConfig({
      AJET_LOG_LEVEL: "error",
      AJET_DATA_DIR: dataDir,
      AJET_INTERNAL_SECRET: TEST_INTERNAL_SECRET,
    });
    const database = await openDatabase(config.database, { migrate: true });
    const app = createApiApp({
      config,
      db: database,
      bus: createMemoryBus({ replayBuffer: 10 }),
      store: createDiskStore(join(dataDir, "files")),
    });
    const world = await seed({
      db: database,
      exec: (text) => database.db.execute(sql.raw(text)),
      call: apiCaller(app),
    });
    await database.close();
    const server = await startEmbedded(null, {}, dataDir);
    try {
      await ramp(
        "embedded",
        server.gateway.url,
        { server: server.gateway.pid },
        async () => [],
        world,
        server.metricsUrl,
      );
      warnings({ server: server.gateway });
    } finally {
      await server.stop();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (knobs.CAPACITY_MODES.includes("distributed")) {
  heading(
    "capacity, distributed: PostgreSQL + NATS, 2 API, 2 web SM, 2 TUI SM, 1 gateway, each a process (each caller takes the replicas in turn)",
  );
  const api = await startBenchApi();
  try {
    const world = await seed({
      db: api.database,
      exec: (text) => api.raw.unsafe(text),
      call: apiCaller(api.app),
    });
    const servers = await startDistributedReplicas(api.dbUrl, 2);
    try {
      const processes = Object.fromEntries(
        Object.entries(servers).flatMap(([name, p]) =>
          typeof p === "object" && p !== null && "pid" in p ? [[name, (p as { pid: number }).pid]] : [],
        ),
      );
      const backends = async () =>
        (await api.raw`select pid from pg_stat_activity where datname = current_database()`).map(
          (r: { pid: number }) => r.pid,
        );
      await ramp("distributed", servers.gateway.url, processes, backends, world);
      warnings(servers);
    } finally {
      await servers.stop();
    }
  } finally {
    await api.close();
  }
}

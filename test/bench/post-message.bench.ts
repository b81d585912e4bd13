// Message POST throughput over real HTTP against raw INSERTs through the same driver, then latency
// at half that load. Run with `bun run bench` (or `bun test/bench/post-message.bench.ts`).
import { availableParallelism } from "node:os";
import { requirePrincipal } from "../../lib/auth/authenticate.ts";
import { publishAll } from "../../lib/bus/publish.ts";
import { accessChannel, checkCanPost } from "../../lib/channels/access.ts";
import { doPostMessage } from "../../lib/messages/post.ts";
import { messageView } from "../../lib/messages/views.ts";
import { trustedHop } from "../support/internal.ts";
import { knobs } from "./knobs.ts";
import { type Mode, runLoad, type Target } from "./load.ts";
import {
  checkErrors,
  closedLoop,
  cpuMeter,
  type Figures,
  heading,
  latency,
  ms,
  rate,
  row,
  verdict,
} from "./measure.ts";
import { samplePgWaits } from "./pg-waits.ts";
import { type BenchApi, createCommunity, type Person, POOL, startBenchApi } from "./setup.ts";

const NAMES = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy"];
const clients = knobs.BENCH_CLIENTS;
// Client n posts as poster n; at a fixed rate request n does, so with many posters one person's
// posts rarely overlap (they would queue on that person's channel_members row, as no real person does).
const POSTERS = Math.max(64, clients);
const seconds = knobs.BENCH_SECONDS;
const warmupSeconds = Math.max(1, seconds / 5);

// One message in four mentions a colleague, so mention lookup, mention rows and a notification
// are part of the measured path.
const bodiesFor = (colleague: string) => [
  { body_md: "Deploy of **api** finished, dashboards look green." },
  { body_md: `@${colleague} can you review the migration before lunch?` },
  { body_md: "Build 4821 failed on `lint`, re-running now." },
  { body_md: "Standup notes are in the doc, see the _risks_ section." },
];

/**
 * Runs one load phase and measures the CPU the server process and PostgreSQL spent per request,
 * and what PostgreSQL's backends were doing meanwhile.
 */
async function measured(api: BenchApi, run: () => Promise<Figures>) {
  await api.raw`checkpoint`;
  const started = performance.now();
  const meter = await cpuMeter(async () =>
    (await api.raw`select pid from pg_stat_activity where datname = current_database()`).map(
      (r: { pid: number }) => r.pid,
    ),
  );
  const waits = samplePgWaits(api.dbUrl);
  const figures = await run();
  const pg = await waits.stop();
  // Warm-up requests used CPU too; at a steady rate the whole phase did about this many.
  const cpu = await meter.stop(figures.perSecond * ((performance.now() - started) / 1000));
  return { figures, cpu, pg };
}

/**
 * Why a POST rate is what it is, from the CPU each side measured per operation: the ceiling the
 * box's cores put on POSTs even with nothing waiting, as a ratio of the raw INSERT's rate.
 */
function cpuBound(post: Awaited<ReturnType<typeof measured>>, insert: Awaited<ReturnType<typeof measured>>) {
  const cores = availableParallelism();
  const client = post.figures.cpuMsPerOp ?? 0;
  const perPost = post.cpu.self + post.cpu.postgres + client;
  const ceiling = (cores * 1000) / perPost;
  return (
    `a POST costs ${ms(perPost)} ms of CPU (the API ${ms(post.cpu.self)}, PostgreSQL ${ms(post.cpu.postgres)}, ` +
    `the load client ${ms(client)}) against the raw INSERT's ${ms(insert.cpu.self + insert.cpu.postgres)} ms; ` +
    `${cores} cores hold at most ${Math.round(ceiling).toLocaleString("en")} POSTs/s, ${(ceiling / insert.figures.perSecond).toFixed(2)}× ` +
    "the raw INSERT's rate, with nothing waiting. Next: fewer statements per POST (the session, the channel's " +
    "access and may-post folded into the post's one statement) and less JavaScript per request; past that, " +
    "more API processes on more cores (distributed mode)"
  );
}

const cpuNote = (cpu: { self: number; postgres: number }, client?: number) =>
  `CPU/op: postgres ${ms(cpu.postgres)} ms, bun ${ms(cpu.self)} ms${client === undefined ? "" : `, client ${ms(client)} ms`}`;

/**
 * The handler's steps (services/api/routes/messages.ts), timed one request at a time in-process,
 * to show which step dominates a POST.
 */
async function profile(api: BenchApi, who: Person, colleague: string, channelId: string, n: number) {
  const db = api.database.db;
  const phases: Record<string, number[]> = {
    auth: [],
    "access + can-post": [],
    "insert statement": [],
    publish: [],
    "response view": [],
  };
  const bodies = bodiesFor(colleague);
  for (let i = 0; i < n; i++) {
    let t = Bun.nanoseconds();
    const lap = (phase: string) => {
      const now = Bun.nanoseconds();
      phases[phase]?.push((now - t) / 1e6);
      t = now;
    };
    const req = new Request(`${api.url}/x`, { headers: { authorization: `Bearer ${who.token}` } });
    const principal = await requirePrincipal(db, req);
    lap("auth");
    const access = await accessChannel(db, principal.user.id, channelId);
    await checkCanPost(db, principal.user.id, access);
    lap("access + can-post");
    const { message, events, view } = await doPostMessage(db, principal.user.id, access, {
      bodyMd: bodies[i % bodies.length]?.body_md as string,
      clientMsgId: `profile-${i}`,
      author: principal.user,
    });
    lap("insert statement");
    await publishAll(api.bus, events);
    lap("publish");
    // As the route does: the view the post built, read back only for a repeat of an earlier send.
    JSON.stringify(view ?? (await messageView(db, principal.user.id, message)));
    lap("response view");
  }
  // Medians: on a shared machine a few slow laps would swamp a mean.
  const median = (laps: number[]) => laps.sort((a, b) => a - b)[Math.floor(laps.length / 2)] as number;
  return Object.entries(phases).map(([phase, laps]) => [phase, median(laps)] as const);
}

const api = await startBenchApi();
try {
  const names = Array.from({ length: POSTERS + 1 }, (_, i) =>
    i < NAMES.length ? (NAMES[i] as string) : `person${i}`,
  );
  const people = await Promise.all(names.map((n) => api.person(n)));
  const [owner, ...posters] = people as [Person, ...Person[]];
  const { general } = await createCommunity(api, owner, "acme", posters);
  const path = `/api/channels/${general}/messages`;
  const targets: Target[] = posters.map((p, i) => ({
    method: "POST",
    path,
    token: p.token,
    bodies: bodiesFor((people[(i + 2) % people.length] as Person).username),
    uniqueKey: "client_msg_id",
  }));
  const statementsPerPost = async (body_md: string) =>
    (await api.capture(posters[0] as Person, "POST", path, { body_md, client_msg_id: body_md })).statements
      .length;
  const plain = await statementsPerPost("counting statements");
  const mentioning = await statementsPerPost(`@${owner.username} counting statements`);

  heading(
    `message POST: ${clients} concurrent clients, ${seconds} s per phase after ${warmupSeconds} s warm-up, pool of ${POOL} connections`,
  );
  console.log(
    `  each client is a different member posting to one channel; 1 body in 4 mentions someone; unique client_msg_id`,
  );
  console.log(
    "  CPU/op: postgres = its backends for this database; bun = the API's process (for raw INSERT, the driver's); client = the load process",
  );

  const insert = await measured(api, () =>
    closedLoop({
      clients,
      seconds,
      warmupSeconds,
      op: async (client, i) => {
        const who = posters[client % posters.length] as Person;
        const body = targets[client]?.bodies?.[i % 4]?.body_md;
        await api.raw`
          insert into messages (id, channel_id, user_id, body_md, client_msg_id)
          values (${Bun.randomUUIDv7()}, ${general}, ${who.id}, ${body}, ${`raw-${client}-${i}`})`;
      },
    }),
  );
  checkErrors("raw INSERT", insert.figures);
  row(
    "raw INSERT into messages (Bun SQL)",
    rate(insert.figures),
    latency(insert.figures),
    cpuNote(insert.cpu),
  );
  console.log(`    ${insert.pg}`);

  const closed: Mode = { kind: "closed", clients, seconds, warmupSeconds };
  const post = await measured(api, () =>
    runLoad({ baseUrl: api.url, headers: trustedHop, targets, mode: closed }),
  );
  checkErrors("POST", post.figures);
  const ratio = post.figures.perSecond / insert.figures.perSecond;
  row(
    `POST ${path.replace(general, ":id")} (HTTP)`,
    rate(post.figures),
    latency(post.figures),
    cpuNote(post.cpu, post.figures.cpuMsPerOp),
  );
  console.log(`    ${post.pg}`);
  console.log(
    `    the API process used ${((post.cpu.self * post.figures.perSecond) / 1000).toFixed(2)} cores of CPU (its JavaScript runs on one thread)`,
  );
  row(
    "ratio POST / raw INSERT",
    `${ratio.toFixed(2)}×`,
    `(a POST runs ${plain} SQL statements, ${mentioning} with a mention, the last one writes everything)`,
  );
  const met = verdict(
    "POST throughput ≥ 0.60× raw INSERT",
    ratio >= 0.6,
    `${ratio.toFixed(2)}×, ${Math.round((1 - ratio / 0.6) * 100)}% short of 0.60×`,
  );
  if (!met) console.log(`  where it went: ${cpuBound(post, insert)}`);

  // Half load as a fixed arrival rate (an open loop), not 8 clients: clients that wait for each
  // answer slow down with the server and hide its queueing; arrivals at a fixed rate do not.
  const half = Math.max(1, Math.round(post.figures.perSecond / 2));
  const open: Mode = { kind: "open", rate: half, seconds, warmupSeconds };
  const steady = await measured(api, () =>
    runLoad({ baseUrl: api.url, headers: trustedHop, targets, mode: open }),
  );
  console.log("  half load = a fixed arrival rate, each latency counted from when its request was due:");
  checkErrors("POST at half load", steady.figures);
  row(
    `POST at a fixed ${half.toLocaleString("en")} /s (half of the above)`,
    rate(steady.figures),
    latency(steady.figures, ["p50", "p99", "max"]),
  );
  console.log(`    ${steady.pg}`);
  verdict("p99 ≤ 50 ms at half load", steady.figures.p99 <= 50, `p99 ${ms(steady.figures.p99)} ms`);

  const serialPost = await runLoad({
    baseUrl: api.url,
    headers: trustedHop,
    targets,
    mode: { kind: "serial", count: knobs.BENCH_SAMPLES, warmup: 20 },
  });
  const phases = await profile(api, posters[0] as Person, owner.username, general, knobs.BENCH_SAMPLES);
  const inHandler = phases.reduce((sum, [, v]) => sum + v, 0);
  console.log(`  where a POST's time goes, one request at a time in-process (median of each step):`);
  for (const [phase, v] of phases) row(`  ${phase}`, `${ms(v)} ms`, `${Math.round((v / inHandler) * 100)}%`);
  row("  sum of the steps", `${ms(inHandler)} ms`);
  row("  one POST over HTTP, alone (p50)", `${ms(serialPost.p50)} ms`);
} finally {
  await api.close();
}

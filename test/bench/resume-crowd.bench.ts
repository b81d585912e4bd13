// Resuming a live stream with Last-Event-ID in distributed mode (PostgreSQL + NATS, the four
// services as their own processes), under the crowd of issue 16: BENCH_CROWD_PEOPLE (500) people each
// holding one TUI stream (`GET /tui/events?community=acme`) through the gateway and acting every
// 1–39 s (about 25 actions/s: opening channels and marking them read, scrolling, threads,
// notifications, reactions, posts), while one person every 2 s drops their stream and resumes after
// 3 s. Beside it, the baseline of the same run: the same resumes among 20 people on a quiet server
// with one post a second. Prints resumes, hung resumes, time to `ready`, and the deliveries expected
// against those made. Run with `bun run bench resume` (or `bun test/bench/resume-crowd.bench.ts`);
// BENCH_CROWD_PEOPLE and BENCH_CROWD_SECONDS (60, each phase) set the sizes.
import { z } from "zod";
import { createSession } from "../../lib/auth/sessions.ts";
import { type CrowdSpec, crowdFigures, runCrowd } from "./crowd.ts";
import { cpuMeter, heading, ms, row, verdict } from "./measure.ts";
import { startDistributed } from "./service-process.ts";
import { bulkUsers, callJson, createCommunity, startBenchApi } from "./setup.ts";

const PEOPLE = z.coerce.number().int().positive().default(500).parse(Bun.env.BENCH_CROWD_PEOPLE);
const SECONDS = z.coerce.number().positive().default(60).parse(Bun.env.BENCH_CROWD_SECONDS);
const QUIET_PEOPLE = Math.min(20, PEOPLE);
const CHANNELS = 5;
const HANG_MS = 10_000;

/** A resume's wait: milliseconds, or "hung" for one that never answered. */
const waited = (v: number) => (Number.isFinite(v) ? `${ms(v)} ms` : "hung");

const api = await startBenchApi();
let distributed: Awaited<ReturnType<typeof startDistributed>> | undefined;
try {
  const alice = await api.person("alice");
  const ids = await bulkUsers(api.raw, "person", PEOPLE);
  const { general } = await createCommunity(
    api,
    alice,
    "acme",
    ids.map((id) => ({ id })),
  );
  const channels = [general];
  for (let i = 1; i < CHANNELS; i++) {
    const c = await callJson<{ id: string }>(api, alice, "POST", "/api/communities/acme/channels", {
      name: `room-${i}`,
    });
    channels.push(c.id);
  }
  // Everyone has joined every channel (marking read needs it) and each channel has a page of history.
  await api.raw`insert into channel_members ${api.raw(
    channels.flatMap((channel_id) => ids.map((user_id) => ({ channel_id, user_id }))),
  )} on conflict do nothing`;
  for (const channel of channels) {
    for (let i = 0; i < 60; i++) {
      await callJson(api, alice, "POST", `/api/channels/${channel}/messages`, {
        body_md: `Earlier message ${i}: the **build** is green again`,
      });
    }
  }
  const tokens: string[] = [];
  for (let i = 0; i < PEOPLE; i += 100) {
    const batch = ids.slice(i, i + 100).map((id) => createSession(api.database.db, id));
    for (const { token } of await Promise.all(batch)) tokens.push(token);
  }

  distributed = await startDistributed(api.dbUrl);
  const { gateway, tui } = distributed;
  const base: Omit<CrowdSpec, "tokens" | "actEvery" | "postsPerSecond"> = {
    url: gateway.url,
    community: "acme",
    channels,
    seconds: SECONDS,
    resumes: { everyMs: 2000, pauseMs: 3000 },
    hangMs: HANG_MS,
    seed: 16,
  };
  const phases = [
    {
      label: `quiet: ${QUIET_PEOPLE} streams, 1 post/s`,
      spec: { ...base, tokens: tokens.slice(0, QUIET_PEOPLE), actEvery: null, postsPerSecond: 1 },
    },
    {
      label: `crowd: ${PEOPLE} streams acting every 1–39 s`,
      spec: { ...base, tokens, actEvery: [1, 39] as [number, number], postsPerSecond: 0 },
    },
  ];

  heading(
    `resume with Last-Event-ID under a crowd (distributed: gateway, API, TUI SM as processes; PostgreSQL; NATS JetStream)`,
  );
  console.log(
    `  ${SECONDS} s each phase; one person every 2 s drops their stream and resumes 3 s later from their last event id; hung = no ready/resync within ${HANG_MS / 1000} s`,
  );
  const results = [];
  for (const phase of phases) {
    const meter = await cpuMeter(
      async () =>
        (await api.raw`select pid from pg_stat_activity where datname = current_database()`).map(
          (r: { pid: number }) => r.pid,
        ),
      { gateway: gateway.pid, api: distributed.api.pid, tui: tui.pid },
    );
    const started = performance.now();
    const report = await runCrowd(phase.spec);
    const elapsed = performance.now() - started;
    const cpu = await meter.stop(1);
    const f = crowdFigures(report, HANG_MS);
    results.push(f);
    const cores = (v: number) => (v / elapsed).toFixed(2);
    console.log(`  -- ${phase.label}`);
    if (report.notOpened)
      console.log(`  !! ${report.notOpened} streams did not open, first: ${report.firstFailure}`);
    if (f.actionErrors) console.log(`  !! ${f.actionErrors} actions failed, first: ${f.firstActionError}`);
    row(
      "actions, of which posts",
      `${(f.actions / SECONDS).toFixed(1)} /s`,
      `${f.posts} posts (${(f.posts / SECONDS).toFixed(2)} /s)`,
      `cores: tui ${cores(cpu.processes.tui ?? 0)}, gateway ${cores(cpu.processes.gateway ?? 0)}, api ${cores(cpu.processes.api ?? 0)}, postgres ${cores(cpu.postgres)}`,
    );
    row(
      "resumes: answered ready / resync / hung",
      `${f.resumes - f.hung - f.resyncs} / ${f.resyncs} / ${f.hung} of ${f.resumes}`,
    );
    row("resume → ready", `p50 ${waited(f.p50)}  p99 ${waited(f.p99)}  max ${waited(f.max)}`);
    row(
      "deliveries of posts: expected → delivered",
      `${f.expected.toLocaleString("en")} → ${f.delivered.toLocaleString("en")}`,
      `lost ${f.lost}${f.lostOnHungStreams ? ` (on ${f.lostOnHungStreams} streams whose resume hung)` : ""}, doubled ${f.doubled}, events out of order ${f.repeats}`,
    );
  }
  const [quiet, crowd] = results as [ReturnType<typeof crowdFigures>, ReturnType<typeof crowdFigures>];
  row(
    "ratio of crowd to quiet resume p50, p99",
    Number.isFinite(crowd.p50) ? `${(crowd.p50 / quiet.p50).toFixed(1)}×` : "hung",
    Number.isFinite(crowd.p99) ? `${(crowd.p99 / quiet.p99).toFixed(1)}×` : "hung",
  );
  verdict(
    "every resume ready or resync, p99 ≤ 1 s, under the crowd",
    crowd.hung === 0 && crowd.p99 <= 1000,
    `${crowd.hung} hung, p99 ${waited(crowd.p99)}`,
  );
  verdict(
    "no delivery lost or doubled across resumes",
    crowd.lost + quiet.lost + crowd.doubled + quiet.doubled + crowd.repeats + quiet.repeats === 0,
    `${crowd.lost + quiet.lost} lost, ${crowd.doubled + quiet.doubled} doubled, ${crowd.repeats + quiet.repeats} out of order`,
  );
} finally {
  await distributed?.stop();
  await api.close();
}

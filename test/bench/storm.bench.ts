// A connection storm, as after a session manager restarts and every client reconnects at once:
// BENCH_STORM_STREAMS (2,000) terminal streams (`GET /tui/events?community=acme`) opened together
// through the gateway in distributed mode (each service its own process, PostgreSQL + NATS), by 100
// people with a session per stream. While they open, a message is posted every 100 ms; each must
// reach every stream that was ready before it was sent. Beside it, the baseline of the same run: the
// same posts once the streams have settled. BENCH_STORMS (3) storms in a row, their posts pooled.
// Targets (issue 11): all connected within 2 s, a post made during the storm in every stream with
// p99 ≤ 200 ms.
// Run with `bun run bench storm`.
import { readFileSync } from "node:fs";
import { z } from "zod";
import { createSession } from "../../lib/auth/sessions.ts";
import { heading, ms, percentile, row, verdict } from "./measure.ts";
import { startDistributed } from "./service-process.ts";
import { bulkUsers, createCommunity, LIMITS_OUT_OF_REACH, type Person, startBenchApi } from "./setup.ts";
import { bearer, holdStreams, marker, wallNow } from "./streams.ts";

const STREAMS = z.coerce.number().int().positive().default(2000).parse(Bun.env.BENCH_STORM_STREAMS);
// Storms in a row, their posts pooled: one storm has time for 4 to 9 posts, and the p99 of one was
// its worst post's (95–325 ms from run to run).
const STORMS = z.coerce.number().int().positive().default(3).parse(Bun.env.BENCH_STORMS);
const PEOPLE = 100;
const POST_EVERY_MS = 100;

const api = await startBenchApi();
let distributed: Awaited<ReturnType<typeof startDistributed>> | undefined;
try {
  const alice = await api.person("alice");
  const ids = await bulkUsers(api.raw, "storm", PEOPLE);
  const { general } = await createCommunity(
    api,
    alice,
    "acme",
    ids.map((id) => ({ id })),
  );
  const tokens: string[] = [];
  for (let i = 0; i < STREAMS; i += 100) {
    const batch = Array.from({ length: Math.min(100, STREAMS - i) }, (_, j) =>
      createSession(api.database.db, ids[(i + j) % ids.length] as string),
    );
    for (const { token } of await Promise.all(batch)) tokens.push(token);
  }
  distributed = await startDistributed(api.dbUrl, LIMITS_OUT_OF_REACH);
  const gatewayUrl = distributed.gateway.url;
  const url = `${gatewayUrl}/tui/events?community=acme`;
  // Warm the path (first requests compile routes and open pools), as a running server would be.
  for (let i = 0; i < 5; i++)
    await fetch(`${distributed.gateway.url}/api/me`, { headers: bearer(alice.token) });

  heading(`storm: ${STREAMS.toLocaleString("en")} streams opening at once through the gateway (distributed)`);
  let k = 0;
  // How long each POST took to be answered (sent → 201), by phase: a late delivery of a post that was
  // itself answered late was slow before its fan-out began (the gateway, the API, PostgreSQL).
  const answered = { during: [] as number[], settled: [] as number[] };
  // When each post was answered, by marker: what a delivery waited after its own answer was fan-out.
  const answeredAt = new Map<string, number>();
  /** Posts marked messages every 100 ms until `until` resolves; answers when each was sent. */
  async function postWhile(who: Person, until: Promise<unknown>, answers: number[]) {
    const sent = new Map<string, number>();
    let done = false;
    void until.then(() => {
      done = true;
    });
    while (!done) {
      const n = String(k++);
      sent.set(n, wallNow());
      // Through the gateway: the services' bus (NATS) is not the benchmark API's.
      const res = await fetch(`${gatewayUrl}/api/channels/${general}/messages`, {
        method: "POST",
        headers: { ...bearer(who.token), "content-type": "application/json" },
        body: JSON.stringify({ body_md: `${marker(Number(n))} storm` }),
      });
      if (!res.ok) throw new Error(`POST → ${res.status} ${await res.text()}`);
      answeredAt.set(n, wallNow());
      answers.push((answeredAt.get(n) as number) - (sent.get(n) as number));
      await Bun.sleep(POST_EVERY_MS);
    }
    return sent;
  }

  /**
   * Delays to every stream ready before each post was sent, and how many such streams missed it.
   * A stream still opening when the post was sent gets it after its `ready`: that wait is its
   * opening's, not the post's, and is not counted.
   */
  const reach = (
    sent: Map<string, number>,
    readyOf: (number | null | undefined)[],
    reached: Record<string, [number, number][] | Map<number, number>>,
  ) => {
    const delays: number[] = [];
    const fanOut: number[] = [];
    let expected = 0;
    for (const [n, at] of sent) {
      const readyBefore = (stream: number) => {
        const ready = readyOf[stream];
        return ready !== null && ready !== undefined && ready <= at;
      };
      expected += readyOf.filter((_, stream) => readyBefore(stream)).length;
      for (const [stream, t] of reached[n] ?? []) {
        if (!readyBefore(stream)) continue;
        delays.push(t - at);
        fanOut.push(t - (answeredAt.get(n) ?? at));
      }
    }
    return { delays, fanOut, expected };
  };
  const pooled = {
    during: { delays: [] as number[], fanOut: [] as number[], expected: 0, posts: 0 },
    settled: { delays: [] as number[], fanOut: [] as number[], expected: 0, posts: 0 },
  };
  const add = (into: typeof pooled.during, r: ReturnType<typeof reach>, posts: number) => {
    into.delays.push(...r.delays);
    into.fanOut.push(...r.fanOut);
    into.expected += r.expected;
    into.posts += posts;
  };
  const dropsBefore = listenDrops();
  for (let storm = 1; storm <= STORMS; storm++) {
    const streams = holdStreams(
      url,
      tokens.map((t) => bearer(t)),
      STREAMS,
      STREAMS,
    );
    try {
      const opening = streams.opened();
      const duringSent = await postWhile(alice, opening, answered.during);
      const opened = await opening;
      // Settled: the same posts, a few, once every stream is open.
      await Bun.sleep(1000);
      const settledSent = await postWhile(alice, Bun.sleep(1000), answered.settled);
      await Bun.sleep(1500);
      const { readyOf, reached, ended } = await streams.arrivals();
      const during = reach(duringSent, readyOf, reached);
      add(pooled.during, during, duringSent.size);
      add(pooled.settled, reach(settledSent, readyOf, reached), settledSent.size);
      if (opened.failed)
        console.log(`  !! ${opened.failed} streams did not open, first: ${opened.firstFailure}`);
      row(
        `storm ${storm}: ${opened.ready.toLocaleString("en")} streams connected`,
        `in ${opened.seconds.toFixed(2)} s (${Math.round(opened.ready / opened.seconds)} /s)`,
        `its ${duringSent.size} posts' p99 ${ms(
          percentile(
            during.delays.sort((a, b) => a - b),
            99,
          ),
        )} ms`,
        ended ? `${ended} ended by the server` : "",
      );
      verdict(
        "all connected within 2 s",
        opened.failed === 0 && opened.seconds <= 2,
        `${opened.seconds.toFixed(2)} s${opened.failed ? `, ${opened.failed} failed` : ""}`,
      );
    } finally {
      await streams.close();
    }
    // The streams of one storm gone before the next opens.
    await Bun.sleep(2000);
  }
  const line = (what: string, r: typeof pooled.during) => {
    r.delays.sort((a, b) => a - b);
    const missing = Math.max(0, r.expected - r.delays.length);
    row(
      what,
      `p50 ${ms(percentile(r.delays, 50))} ms  p99 ${ms(percentile(r.delays, 99))} ms  max ${ms(r.delays.at(-1) ?? Number.NaN)} ms`,
      `${r.posts} posts, ${r.delays.length}/${r.expected} deliveries${missing ? `, ${missing} missing` : ""}`,
    );
    return missing;
  };
  const missing = line(`POST sent → every ready stream, during ${STORMS} storms`, pooled.during);
  line("POST sent → every stream, settled (baseline)", pooled.settled);
  for (const [phase, times] of Object.entries(answered)) {
    times.sort((a, b) => a - b);
    row(
      `  of which the POST's own answer, ${phase}`,
      `p50 ${ms(percentile(times, 50))} ms  max ${ms(times.at(-1) ?? Number.NaN)} ms`,
    );
  }
  const p99 = percentile(pooled.during.delays, 99);
  row("ratio storm p99 / settled p99", `${(p99 / percentile(pooled.settled.delays, 99)).toFixed(1)}×`);
  const fanOutP99 = percentile(
    pooled.during.fanOut.sort((a, b) => a - b),
    99,
  );
  const answerP99 = percentile(
    answered.during.sort((a, b) => a - b),
    99,
  );
  row(
    "  POST answered → every ready stream, during the storms",
    `p99 ${ms(fanOutP99)} ms`,
    "(the session managers' and the gateway's share)",
  );
  const drops = listenDrops() - dropsBefore;
  row(
    "  connection attempts the kernel dropped at a full listen queue",
    Number.isFinite(drops) ? drops.toLocaleString("en") : "- (no /proc/net/netstat)",
    "(Bun listens with a backlog of 512; a dropped client retries after TCP's 1 s)",
  );
  const met = verdict(
    "a POST during the storm reaches every stream, p99 ≤ 200 ms",
    p99 <= 200 && missing === 0,
    `${ms(p99)} ms${missing ? `, ${missing} missing` : ""}`,
  );
  if (!met)
    console.log(
      `  where it went: ${
        answerP99 >= fanOutP99
          ? `the POSTs' own answers (p99 ${ms(answerP99)} ms against ${ms(fanOutP99)} ms of fan-out after them): ` +
            "they wait in the gateway's one thread behind the opening streams (a credential check and a proxied request each). " +
            "Next: more than one gateway process on the port (Bun.serve's reusePort), or stream opens admitted a batch at a time so other requests pass between batches"
          : `the fan-out after each answer (p99 ${ms(fanOutP99)} ms against the POSTs' own ${ms(answerP99)} ms): ` +
            "the session managers write each event to every stream while they are still opening others. " +
            "Next: a stream's first frames and the live fan-out interleaved in smaller turns"
      }`,
    );
} finally {
  await distributed?.stop();
  await api.close();
}

/** The kernel's count of connection attempts dropped at a full listen queue (Linux; NaN elsewhere). */
function listenDrops(): number {
  try {
    const lines = readFileSync("/proc/net/netstat", "utf8").split("\n");
    const [names, values] = lines.filter((l) => l.startsWith("TcpExt:")).map((l) => l.split(/\s+/));
    const at = names?.indexOf("ListenDrops") ?? -1;
    return at > 0 ? Number(values?.[at]) : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

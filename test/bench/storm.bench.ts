// A connection storm, as after a session manager restarts and every client reconnects at once:
// BENCH_STORM_STREAMS (2,000) terminal streams (`GET /tui/events?community=acme`) opened together
// through the gateway in distributed mode (each service its own process, PostgreSQL + NATS), by 100
// people with a session per stream. While they open, a message is posted every 100 ms; each must
// reach every stream that was ready before it was sent. Beside it, the baseline of the same run: the
// same posts once the streams have settled. Targets (issue 11): all connected within 2 s, a post
// made during the storm in every stream with p99 ≤ 200 ms.
// Run with `bun run bench storm`.
import { z } from "zod";
import { createSession } from "../../lib/auth/sessions.ts";
import { heading, ms, percentile, row, verdict } from "./measure.ts";
import { startDistributed } from "./service-process.ts";
import { bulkUsers, createCommunity, LIMITS_OUT_OF_REACH, type Person, startBenchApi } from "./setup.ts";
import { bearer, holdStreams, marker, wallNow } from "./streams.ts";

const STREAMS = z.coerce.number().int().positive().default(2000).parse(Bun.env.BENCH_STORM_STREAMS);
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
  /** Posts marked messages every 100 ms until `until` resolves; answers when each was sent. */
  async function postWhile(who: Person, until: Promise<unknown>) {
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
      await Bun.sleep(POST_EVERY_MS);
    }
    return sent;
  }

  const streams = holdStreams(
    url,
    tokens.map((t) => bearer(t)),
    STREAMS,
    STREAMS,
  );
  try {
    const opening = streams.opened();
    const duringSent = await postWhile(alice, opening);
    const opened = await opening;
    // Settled: the same posts, a few, once every stream is open.
    await Bun.sleep(1000);
    const settledSent = await postWhile(alice, Bun.sleep(1000));
    await Bun.sleep(1500);
    const { readyOf, reached, ended } = await streams.arrivals();

    /**
     * Delays to every stream ready before each post was sent, and how many such streams missed it.
     * A stream still opening when the post was sent gets it after its `ready`: that wait is its
     * opening's, not the post's, and is not counted.
     */
    const reach = (sent: Map<string, number>) => {
      const delays: number[] = [];
      let expected = 0;
      for (const [n, at] of sent) {
        const readyBefore = (stream: number) => {
          const ready = readyOf[stream];
          return ready !== null && ready !== undefined && ready <= at;
        };
        expected += readyOf.filter((_, stream) => readyBefore(stream)).length;
        for (const [stream, t] of reached[n] ?? []) if (readyBefore(stream)) delays.push(t - at);
      }
      delays.sort((a, b) => a - b);
      return { delays, expected, missing: Math.max(0, expected - delays.length) };
    };
    const during = reach(duringSent);
    const settled = reach(settledSent);
    if (opened.failed)
      console.log(`  !! ${opened.failed} streams did not open, first: ${opened.firstFailure}`);
    row(
      `${opened.ready.toLocaleString("en")} streams connected`,
      `in ${opened.seconds.toFixed(2)} s (${Math.round(opened.ready / opened.seconds)} /s)`,
      ended ? `${ended} ended by the server` : "",
    );
    verdict(
      "all connected within 2 s",
      opened.failed === 0 && opened.seconds <= 2,
      `${opened.seconds.toFixed(2)} s${opened.failed ? `, ${opened.failed} failed` : ""}`,
    );
    const line = (what: string, r: ReturnType<typeof reach>, posts: number) =>
      row(
        what,
        `p50 ${ms(percentile(r.delays, 50))} ms  p99 ${ms(percentile(r.delays, 99))} ms  max ${ms(r.delays.at(-1) ?? Number.NaN)} ms`,
        `${posts} posts, ${r.delays.length}/${r.expected} deliveries${r.missing ? `, ${r.missing} missing` : ""}`,
      );
    line("POST sent → every ready stream, during the storm", during, duringSent.size);
    line("POST sent → every stream, settled (baseline)", settled, settledSent.size);
    const p99 = percentile(during.delays, 99);
    row("ratio storm p99 / settled p99", `${(p99 / percentile(settled.delays, 99)).toFixed(1)}×`);
    verdict(
      "a POST during the storm reaches every stream, p99 ≤ 200 ms",
      p99 <= 200 && during.missing === 0,
      `${ms(p99)} ms${during.missing ? `, ${during.missing} missing` : ""}`,
    );
  } finally {
    await streams.close();
  }
} finally {
  await distributed?.stop();
  await api.close();
}

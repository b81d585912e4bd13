// The shared rate limiter (PostgreSQL) against the in-process one: on a request through the gateway,
// and alone; with one JetStream write beside them, the least a NATS KV bucket would cost.
// Run with `bun run bench limits` (or `bun test/bench/limits.bench.ts`).
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { loadConfig } from "../../lib/config.ts";
import { createBuckets } from "../../lib/limits/local-buckets.ts";
import { createSharedBuckets } from "../../lib/limits/shared-buckets.ts";
import { createSlicedBuckets } from "../../lib/limits/sliced-buckets.ts";
import { createGatewayApp } from "../../services/auth-gw/main.ts";
import { TEST_INTERNAL_SECRET } from "../support/internal.ts";
import { knobs } from "./knobs.ts";
import {
  checkErrors,
  closedLoop,
  type Figures,
  heading,
  latency,
  mergeFigures,
  rate,
  row,
} from "./measure.ts";
import { startBenchApi } from "./setup.ts";

const clients = knobs.BENCH_CLIENTS;
const seconds = Math.max(2, knobs.BENCH_SECONDS / 2);
const policy = { burst: 1_000_000_000, perSecond: 1_000_000 };

const api = await startBenchApi();
try {
  const people = await Promise.all(Array.from({ length: clients }, (_, i) => api.person(`person${i}`)));
  const config = loadConfig({
    AJET_LOG_LEVEL: "error",
    DATABASE_URL: api.dbUrl,
    AJET_INTERNAL_SECRET: TEST_INTERNAL_SECRET,
    AJET_RATE_BURST: String(policy.burst),
    AJET_RATE_PER_SECOND: String(policy.perSecond),
  });
  const upstream = { name: "api", app: api.app, secret: TEST_INTERNAL_SECRET };
  // The gateway picks its buckets by the database's kind: told it is PGlite, it keeps them in memory.
  const gatewayWith = (kind: "postgres" | "pglite") =>
    createGatewayApp({
      config,
      db: { ...api.database, kind },
      bus: api.bus,
      upstreams: { api: upstream, web: upstream, tui: upstream },
    });
  const gateways = { local: gatewayWith("pglite"), shared: gatewayWith("postgres") };
  const through = (which: keyof typeof gateways) => async (client: number) => {
    const who = people[client] as { token: string };
    const res = await gateways[which].fetch(
      new Request(`${config.publicUrl}/api/me`, { headers: { authorization: `Bearer ${who.token}` } }),
      { ip: "198.51.100.7" },
    );
    await res.text();
    if (!res.ok) throw new Error(`GET /api/me → ${res.status}`);
  };
  const phase = (op: (client: number) => Promise<void>) =>
    closedLoop({ clients, seconds, warmupSeconds: 1, op });

  heading(`limits: GET /api/me through the gateway (in-process, ${clients} clients, one token each)`);
  // Taken in turn (local, shared, shared, local) so whatever else the machine does slows both alike.
  const runs: Record<"local" | "shared", Figures[]> = { local: [], shared: [] };
  for (const which of ["local", "shared", "shared", "local"] as const)
    runs[which].push(await phase(through(which)));
  const local = mergeFigures(runs.local);
  const shared = mergeFigures(runs.shared);
  checkErrors("in-process buckets", local);
  checkErrors("shared buckets", shared);
  row("in-process buckets (baseline)", rate(local), latency(local));
  row("shared buckets (sliced: in memory, written each second)", rate(shared), latency(shared));
  row(
    "shared / in-process",
    `throughput ×${(shared.perSecond / local.perSecond).toFixed(2)}`,
    `p50 ×${(shared.p50 / local.p50).toFixed(2)}`,
    `p99 ×${(shared.p99 / local.p99).toFixed(2)}`,
  );

  heading(`limits: one take alone (${clients} at once)`);
  const memory = createBuckets(policy);
  const pg = createSharedBuckets(api.database.db, "bench", policy);
  const sliced = createSlicedBuckets(api.database.db, "bench-sliced", policy);
  const takeLocal = await phase(async (client) => {
    memory.take(`k${client}`);
  });
  const takeShared = await phase(async (client) => {
    await pg.take(`k${client}`);
  });
  const takeHot = await phase(async () => {
    await pg.take("one-key");
  });
  const takeSliced = await phase(async (client) => {
    await sliced.take(`k${client}`);
  });
  pg.close();
  sliced.close();
  row("in-process take (baseline)", rate(takeLocal), latency(takeLocal));
  row("PostgreSQL take, a key per client", rate(takeShared), latency(takeShared));
  row("PostgreSQL take, every client on one key", rate(takeHot), latency(takeHot));
  row("sliced take (the gateway's general budget), a key each", rate(takeSliced), latency(takeSliced));
  row("PostgreSQL / in-process (p50)", `×${(takeShared.p50 / Math.max(takeLocal.p50, 0.001)).toFixed(0)}`);

  heading("limits: what NATS KV would cost instead");
  // A KV bucket is a JetStream stream; a token bucket there needs a read and a compare-and-set
  // write (retried when another gateway wrote first). One acknowledged write is its floor.
  const nc = await connect({ servers: "127.0.0.1:4222" }).catch(() => null);
  if (!nc) row("NATS not reachable on 127.0.0.1:4222", "skipped");
  else {
    const name = `BENCH_LIMITS_${Bun.randomUUIDv7("hex").slice(-12)}`;
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name, subjects: [`${name}.>`], max_msgs_per_subject: 1 });
    try {
      const js = jetstream(nc);
      const write = await phase(async (client) => {
        await js.publish(`${name}.k${client}`, "1");
      });
      // What a KV token bucket does: read the key's last value, write the new one only if nobody
      // wrote in between (expected last sequence), else read again.
      const casTake = async (key: string) => {
        for (;;) {
          const last = await jsm.streams
            .getMessage(name, { last_by_subj: `${name}.${key}` })
            .catch(() => null);
          try {
            await js.publish(`${name}.${key}`, String(Number(last?.string() ?? 0) + 1), {
              expect: { lastSubjectSequence: last?.seq ?? 0 },
            });
            return;
          } catch {
            // Another writer won: try again on the new value.
          }
        }
      };
      const kv = await phase((client) => casTake(`c${client}`));
      const kvHot = await phase(() => casTake("one-key"));
      row("one JetStream write (a KV put)", rate(write), latency(write));
      row("KV-style take (read + compare-and-set), a key each", rate(kv), latency(kv));
      row("KV-style take, every client on one key", rate(kvHot), latency(kvHot));
      row(
        "PostgreSQL take / KV-style take (p50)",
        `a key each ×${(takeShared.p50 / kv.p50).toFixed(2)}`,
        `one key ×${(takeHot.p50 / kvHot.p50).toFixed(2)}`,
      );
    } finally {
      await jsm.streams.delete(name);
      await nc.close();
    }
  }
} finally {
  await api.close();
}

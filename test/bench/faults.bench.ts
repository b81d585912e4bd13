// `bun run bench faults`: the fault suite sized big. The cluster (deploy/cluster) runs with a
// PostgreSQL server of its own; under a steady load through https nginx (posting clients retrying
// each client_msg_id until acknowledged, readers resuming their live streams) every instance is
// killed with -9 and started again in turn, NATS and PostgreSQL too, NATS and an api are frozen,
// NATS loses its store, and every service is restarted one instance at a time with SIGTERM.
// Printed: faults injected, messages acknowledged, lost, duplicated, reader gaps and repeats, and
// each fault's time to healthy beside the cluster's own cold start of an instance (the baseline).
import { readFileSync } from "node:fs";
import { startCluster } from "../../deploy/cluster/start.ts";
import type { TestCluster } from "../support/cluster.ts";
import { freeze, kill, rollingRestart, runFaults, seedPeople, wipeNats } from "../support/faults.ts";
import { heading, row } from "./measure.ts";

const coldStart = performance.now();
const cluster = await startCluster({ privatePostgres: true, env: { AJET_SHUTDOWN_GRACE_MS: "5000" } });
const instances = Object.keys(cluster.instances).length;
const coldMs = (performance.now() - coldStart) / instances;
const ca = readFileSync(cluster.caFile, "utf8");
const t: TestCluster = {
  cluster,
  ca,
  https: (path, init = {}) => fetch(cluster.url + path, { ...init, tls: { ca } }),
};
try {
  const people = await seedPeople(t, 12);
  const services = [
    "api-1",
    "api-2",
    "web-sm-1",
    "web-sm-2",
    "tui-sm-1",
    "tui-sm-2",
    "auth-gw-1",
    "auth-gw-2",
  ];
  const faults = [
    ...services.map(kill),
    kill("nats"),
    kill("postgres"),
    freeze("nats"),
    freeze("api-1"),
    wipeNats(),
    rollingRestart(services),
  ];
  const figures = await runFaults(
    t,
    {
      community: people.community,
      channel: people.channel,
      posters: people.tokens.slice(0, 4),
      readers: people.tokens.slice(4),
      postEveryMs: 20,
    },
    faults,
    (line) => console.log(`  ${line}`),
  );
  heading("faults: a cluster under load, every part killed, frozen or restarted");
  row("faults injected", String(figures.faults.length));
  row("messages acknowledged", String(figures.acknowledged));
  row("lost (acknowledged, not stored)", String(figures.lost));
  row("duplicated (stored twice)", String(figures.duplicated));
  row("reader gaps / repeats", `${figures.gaps} / ${figures.repeats}`);
  row("resyncs (readers refetched)", String(figures.resyncs));
  row("readers caught up at the end", String(figures.caughtUp));
  for (const m of figures.missing) row(`  missed ${m.cmid}`, `by ${m.readers} readers, ${m.during}`);
  row(
    "failed attempts (retried)",
    `${figures.failedAttempts}${figures.firstFailure ? `, first: ${figures.firstFailure}` : ""}`,
  );
  const worst = Math.max(...figures.faults.map((f) => f.healthyMs));
  row(
    "time to healthy, worst",
    `${worst} ms vs ${Math.round(coldMs)} ms cold start per instance (×${(worst / coldMs).toFixed(2)}); target < 10 s`,
  );
  for (const f of figures.faults) {
    row(
      `  ${f.name}`,
      `${f.healthyMs} ms, ${f.failed} failed attempts${f.firstFailed ? ` (${f.firstFailed})` : ""}`,
    );
  }
  // What nginx logged, by kind: the reasons behind its 502s.
  const kinds = new Map<string, number>();
  for (const line of readFileSync(cluster.nginxErrorLog, "utf8").split("\n").filter(Boolean)) {
    const kind = line
      .replace(/^.*?\] \d+#\d+: (\*\d+ )?/, "")
      .replace(/, client:.*$/, "")
      .replace(/\d+/g, "N");
    kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
  }
  for (const [kind, n] of kinds) row(`  nginx: ${kind.slice(0, 70)}`, String(n));
} finally {
  await cluster.stop();
}

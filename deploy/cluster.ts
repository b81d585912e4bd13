// `bun run cluster`: the production topology on this machine without Docker — nginx terminating TLS
// (a self-signed certificate made now) → 2 gateways → 2 api, 2 web-sm, 2 tui-sm, over a fresh
// PostgreSQL database, a NATS JetStream of its own and s3rver. Prints the setup link, then
// `cluster ready: <url>`; Ctrl-C stops everything it started. Tests call startCluster() instead.
import { startCluster } from "./cluster/start.ts";

const cluster = await startCluster({
  postgresServer: Bun.env.AJET_CLUSTER_POSTGRES,
  echo: (name, line) => {
    if (line.startsWith("setup link: ")) return;
    console.error(`${name}: ${line}`);
  },
});
console.log(`setup link: ${cluster.setupLink}`);
console.log(`ca certificate: ${cluster.caFile}`);
console.log(`metrics: every instance on loopback; prometheus --config.file=${cluster.prometheusConfig}`);
console.log(`cluster ready: ${cluster.url}`);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  console.error("stopping the cluster…");
  await cluster.stop();
  process.exit(0);
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);

import { readFileSync } from "node:fs";
import { type Cluster, startCluster } from "../../deploy/cluster/start.ts";

export type { Cluster };

/** A cluster (deploy/cluster) with what a client needs to speak to its https nginx. */
export async function startTestCluster() {
  const cluster = await startCluster({ env: { AJET_SHUTDOWN_GRACE_MS: "3000" } });
  const ca = readFileSync(cluster.caFile, "utf8");
  /** fetch through nginx, trusting the cluster's certificate. */
  const https = (path: string, init: RequestInit = {}) => fetch(cluster.url + path, { ...init, tls: { ca } });
  return { cluster, ca, https };
}

export type TestCluster = Awaited<ReturnType<typeof startTestCluster>>;

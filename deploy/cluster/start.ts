import { randomBytes } from "node:crypto";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SQL } from "bun";
import { freePort } from "../../test/support/ports.ts";
import { repoRoot } from "../../test/support/process.ts";
import { startS3, type TestS3 } from "../../test/support/s3.ts";
import { type Instance, serviceInstance, waitReady } from "./instance.ts";
import { makeCertificate, nginxInstance } from "./nginx.ts";
import { postgresInstance } from "./postgres.ts";

/** The production topology as processes on this machine: nginx (TLS) → 2 gateways → 2 of each service. */
export interface Cluster {
  /** https://127.0.0.1:<port>, nginx. */
  url: string;
  /** The self-signed certificate nginx serves: what a client trusts (NODE_EXTRA_CA_CERTS). */
  caFile: string;
  /** The one-time link that signs the first person in (from the gateway started last). */
  setupLink: string;
  databaseUrl: string;
  natsUrl: string;
  natsStream: string;
  /** The NATS server's store dir (JetStream's files). */
  natsStore: string;
  /** nginx's error log: why it answered 502 when it did. */
  nginxErrorLog: string;
  /** Each service instance's Prometheus metrics (`/metrics` on a loopback port of its own), by name. */
  metrics: Record<string, string>;
  /** A Prometheus configuration scraping every instance: `prometheus --config.file=<this>`. */
  prometheusConfig: string;
  /** The server blocks nginx runs, rendered from deploy/nginx.conf. */
  nginxConfig: string;
  /** By name: nginx, auth-gw-1, auth-gw-2, api-1, api-2, web-sm-1, web-sm-2, tui-sm-1, tui-sm-2, nats. */
  instances: Record<string, Instance>;
  /** The instances of one service, e.g. "api". */
  tier(service: string): Instance[];
  /** Starts a stopped instance again and waits until it is ready. */
  restart(name: string): Promise<void>;
  /** Waits until every instance is ready. */
  waitAllReady(timeoutMs?: number): Promise<void>;
  /** Stops everything it started, and drops its database and files. */
  stop(): Promise<void>;
}

export interface ClusterOptions {
  /** The PostgreSQL server a fresh database is made on (default: the local one, trust auth). */
  postgresServer?: string;
  /** A PostgreSQL server of the cluster's own instead (instance "postgres", to kill and restart). */
  privatePostgres?: boolean;
  /** How many of each service behind nginx (default 2). */
  perTier?: number;
  /** Passed on each instance's lines (setup link, warnings); tests leave it out. */
  echo?: (name: string, line: string) => void;
  /** Extra environment for every service instance (e.g. a shorter shutdown grace). */
  env?: Record<string, string>;
}

const SERVICES = [
  { service: "api", portVar: "AJET_API_PORT" },
  { service: "web-sm", portVar: "AJET_WEB_PORT" },
  { service: "tui-sm", portVar: "AJET_TUI_PORT" },
  { service: "auth-gw", portVar: "AJET_PORT" },
] as const;

export async function startCluster(options: ClusterOptions = {}): Promise<Cluster> {
  // Every port is picked before its process binds it, so a port just released can come back from
  // the system twice: the cluster never hands out the same one to two of its processes.
  const taken = new Set<number>();
  const takePort = () => {
    let port = freePort();
    while (taken.has(port)) port = freePort();
    taken.add(port);
    return port;
  };
  const perTier = options.perTier ?? 2;
  const dir = mkdtempSync(join(tmpdir(), "ajet-cluster-"));
  // nginx's workers and PostgreSQL run as other users when started as root: they must reach it.
  chmodSync(dir, 0o755);
  const cleanups: (() => Promise<unknown> | unknown)[] = [
    () => rmSync(dir, { recursive: true, force: true }),
  ];
  const instances: Record<string, Instance> = {};
  const stopAll = async () => {
    await Promise.all(
      Object.values(instances)
        .filter((i) => i.name !== "nats" && i.name !== "postgres")
        .map((i) => i.stop(5000)),
    );
    await instances.nats?.stop(5000);
    await instances.postgres?.stop(5000);
    for (const cleanup of cleanups.reverse()) await Promise.resolve(cleanup()).catch(() => {});
  };
  try {
    // The servers underneath: a fresh database, a NATS of its own (its own store, so killing it
    // touches no one else), an s3rver.
    let postgresServer = options.postgresServer ?? "postgres://postgres@127.0.0.1:5432";
    if (options.privatePostgres) {
      const own = await postgresInstance(join(dir, "postgres"));
      instances.postgres = own.instance;
      own.instance.start();
      await waitReady(own.instance, 30_000);
      postgresServer = own.serverUrl;
    }
    const dbName = `ajet_cluster_${randomBytes(6).toString("hex")}`;
    await onServer(postgresServer, `CREATE DATABASE "${dbName}"`);
    // A server of its own goes with its files; on a shared one the database is dropped.
    if (!options.privatePostgres) {
      cleanups.push(() => onServer(postgresServer, `DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`));
    }
    const databaseUrl = `${postgresServer}/${dbName}`;

    const natsPort = takePort();
    const natsMonitor = takePort();
    const natsStore = join(dir, "nats");
    mkdirSync(natsStore);
    instances.nats = serviceInstance({
      name: "nats",
      port: natsPort,
      command: [
        "nats-server",
        "-a",
        "127.0.0.1",
        "-p",
        String(natsPort),
        "-m",
        String(natsMonitor),
        "-js",
        "-sd",
        natsStore,
      ],
      env: { PATH: process.env.PATH ?? "" },
      readyUrl: `http://127.0.0.1:${natsMonitor}/healthz?js-enabled-only=true`,
    });
    instances.nats.start();
    const s3: TestS3 = await startS3();
    cleanups.push(() => s3.stop());
    await waitReady(instances.nats, 20_000);

    const certs = await makeCertificate(join(dir, "certs"));
    const httpsPort = takePort();
    const url = `https://127.0.0.1:${httpsPort}`;
    const natsUrl = `nats://127.0.0.1:${natsPort}`;
    const natsStream = "CHAT";
    const ports: Record<string, number[]> = {};
    for (const { service } of SERVICES) ports[service] = Array.from({ length: perTier }, () => takePort());
    const list = (service: string) => (ports[service] ?? []).map((p) => `http://127.0.0.1:${p}`).join(",");
    const common = {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "/tmp",
      AJET_LOG_LEVEL: "warn",
      AJET_HOST: "127.0.0.1",
      // Nothing may touch a data dir in this mode; point it somewhere that cannot be created.
      AJET_DATA_DIR: "/proc/ajet-chat-no-data-dir",
      AJET_PUBLIC_URL: url,
      AJET_INTERNAL_SECRET: randomBytes(32).toString("hex"),
      NATS_URL: natsUrl,
      NATS_STREAM: natsStream,
      BUN_CONFIG_MAX_HTTP_REQUESTS: "65336",
      ...options.env,
    };
    // What each service reads, as in docker-compose.yml: the session managers get no database and
    // no storage keys, the gateway no storage keys.
    const envOf: Record<string, Record<string, string>> = {
      api: {
        DATABASE_URL: databaseUrl,
        S3_ENDPOINT: s3.endpoint,
        S3_BUCKET: s3.bucket,
        S3_ACCESS_KEY_ID: s3.accessKeyId,
        S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
      },
      "web-sm": { AJET_API_URL: list("api") },
      "tui-sm": { AJET_API_URL: list("api") },
      "auth-gw": {
        DATABASE_URL: databaseUrl,
        AJET_API_URL: list("api"),
        AJET_WEB_URL: list("web-sm"),
        AJET_TUI_URL: list("tui-sm"),
        AJET_TRUST_PROXY: "true",
      },
    };
    let setupLink = "";
    const echo = (name: string, line: string) => {
      if (line.startsWith("setup link: ")) setupLink = line.slice("setup link: ".length);
      options.echo?.(name, line);
    };
    // Two instances of a service on one box would both take its default metrics port: each gets its own.
    const metrics: Record<string, string> = {};
    for (const { service, portVar } of SERVICES) {
      for (const [i, port] of (ports[service] ?? []).entries()) {
        const name = `${service}-${i + 1}`;
        const metricsPort = takePort();
        metrics[name] = `http://127.0.0.1:${metricsPort}/metrics`;
        instances[name] = serviceInstance({
          name,
          port,
          command: ["bun", join(repoRoot, `services/${service}/main.ts`)],
          env: {
            ...common,
            ...envOf[service],
            [portVar]: String(port),
            AJET_METRICS_PORT: String(metricsPort),
          },
          echo,
        });
      }
    }
    const prometheusConfig = join(dir, "prometheus.yml");
    writeFileSync(prometheusConfig, prometheusScrape(metrics));
    const tier = (service: string) =>
      Object.values(instances).filter((i) => i.name.replace(/-\d+$/, "") === service);
    // The first api migrates while the rest wait on its advisory lock; each tier is ready before the
    // next starts, and the gateways one after the other: each start makes a new setup link.
    for (const { service } of SERVICES) {
      if (service === "auth-gw") {
        for (const gateway of tier(service)) {
          gateway.start();
          await waitReady(gateway);
        }
      } else {
        for (const instance of tier(service)) instance.start();
        await Promise.all(tier(service).map((i) => waitReady(i)));
      }
    }
    instances.nginx = nginxInstance({
      dir: join(dir, "nginx"),
      httpsPort,
      httpPort: takePort(),
      certDir: join(dir, "certs"),
      gateways: tier("auth-gw"),
      uploadLimit: "26m",
    });
    instances.nginx.start();
    const tls = { ca: readFileSync(certs.cert, "utf8") };
    await waitReady(instances.nginx, 20_000, tls);

    const cluster: Cluster = {
      url,
      caFile: certs.cert,
      get setupLink() {
        return setupLink;
      },
      databaseUrl,
      natsUrl,
      natsStream,
      natsStore,
      metrics,
      prometheusConfig,
      nginxErrorLog: join(dir, "nginx", "error.log"),
      nginxConfig: readFileSync(join(dir, "nginx", "servers.conf"), "utf8"),
      instances,
      tier,
      async restart(name) {
        const instance = instances[name];
        if (!instance) throw new Error(`no instance ${name}`);
        instance.start();
        await waitReady(instance, 60_000, name === "nginx" ? tls : undefined);
      },
      async waitAllReady(timeoutMs = 60_000) {
        await Promise.all(
          Object.values(instances).map((i) => waitReady(i, timeoutMs, i.name === "nginx" ? tls : undefined)),
        );
      },
      stop: stopAll,
    };
    return cluster;
  } catch (err) {
    await stopAll();
    throw err;
  }
}

async function onServer(serverUrl: string, statement: string) {
  const admin = new SQL({ url: `${serverUrl}/postgres`, max: 1 });
  try {
    await admin.unsafe(statement);
  } finally {
    await admin.close();
  }
}

/** A Prometheus configuration scraping each instance, labelled with its service and instance name. */
function prometheusScrape(metrics: Record<string, string>) {
  const targets = Object.entries(metrics).map(([name, url]) => {
    const { host } = new URL(url);
    return `      - targets: ["${host}"]\n        labels: { service: "${name.replace(/-\d+$/, "")}", instance_name: "${name}" }`;
  });
  return `# Made by bun run cluster: every instance's /metrics (alert rules: deploy/prometheus/alerts.yml).
scrape_configs:
  - job_name: ajet-chat
    scrape_interval: 5s
    static_configs:
${targets.join("\n")}
`;
}

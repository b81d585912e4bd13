import { describe, expect, test } from "bun:test";
import { loadConfig } from "../../lib/config.ts";
import { StartupError } from "../../lib/startup-error.ts";

const messageOf = (env: Record<string, string>) => {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(StartupError);
    return (err as Error).message;
  }
  throw new Error("expected loadConfig to fail");
};

describe("configuration", () => {
  test("an empty environment gives the embedded mode on 127.0.0.1:3000", () => {
    const config = loadConfig({});
    expect(config.host).toBe("127.0.0.1");
    expect(config.ports).toEqual({ gateway: 3000, api: 3001, web: 3002, tui: 3003 });
    expect(config.publicUrl).toBe("http://127.0.0.1:3000");
    expect(config.database.kind).toBe("pglite");
    expect(config.bus.kind).toBe("memory");
    expect(config.storage.kind).toBe("disk");
    expect(config.database.kind === "pglite" && config.database.dir.endsWith("/data/pg")).toBe(true);
    expect(config.oauth).toEqual({ github: undefined, gitea: undefined, oidc: undefined });
  });

  test("the internal services take the three ports after the gateway's unless set", () => {
    expect(loadConfig({ AJET_PORT: "4000" }).ports).toEqual({
      gateway: 4000,
      api: 4001,
      web: 4002,
      tui: 4003,
    });
    expect(loadConfig({ AJET_PORT: "4000", AJET_WEB_PORT: "9000" }).ports.web).toBe(9000);
  });

  test("DATABASE_URL, NATS_URL and S3_* switch to the real servers", () => {
    const config = loadConfig({
      DATABASE_URL: "postgres://chat@db:5432/chat",
      NATS_URL: "nats://nats:4222",
      S3_ENDPOINT: "http://minio:9000",
      S3_BUCKET: "chat",
      S3_ACCESS_KEY_ID: "key",
      S3_SECRET_ACCESS_KEY: "secret",
      AJET_INTERNAL_SECRET: "an-internal-secret-of-at-least-32-characters",
    });
    expect(config.database).toEqual({ kind: "postgres", url: "postgres://chat@db:5432/chat" });
    expect(config.bus).toMatchObject({
      kind: "nats",
      servers: "nats://nats:4222",
      stream: "CHAT",
      subjectPrefix: "",
    });
    expect(config.storage).toMatchObject({
      kind: "s3",
      endpoint: "http://minio:9000",
      bucket: "chat",
      forcePathStyle: true,
    });
  });

  test("DATABASE_PASSWORD goes into DATABASE_URL escaped, whatever characters it holds", () => {
    const password = "p@ss/wo#rd?100%";
    const config = loadConfig({
      DATABASE_URL: "postgres://ajet@postgres:5432/ajet",
      DATABASE_PASSWORD: password,
      AJET_INTERNAL_SECRET: "an-internal-secret-of-at-least-32-characters",
    });
    const url = new URL(config.database.kind === "postgres" ? config.database.url : "");
    expect(decodeURIComponent(url.password)).toBe(password);
    expect([url.username, url.hostname, url.port, url.pathname]).toEqual([
      "ajet",
      "postgres",
      "5432",
      "/ajet",
    ]);
  });

  test("an upstream URL may list several instances, and a bad one among them is named", () => {
    const config = loadConfig({ AJET_API_URL: "http://10.0.0.1:3001, http://10.0.0.2:3001/" });
    expect(config.upstreams.api).toEqual(["http://10.0.0.1:3001", "http://10.0.0.2:3001"]);
    expect(config.upstreams.web).toEqual(["http://127.0.0.1:3002"]);
    expect(messageOf({ AJET_API_URL: "http://10.0.0.1:3001,ftp://x" })).toStartWith(
      "AJET_API_URL is invalid",
    );
  });

  test("an empty variable counts as unset", () => {
    expect(loadConfig({ DATABASE_URL: "", NATS_URL: " " }).database.kind).toBe("pglite");
  });

  test("a bad port names the variable and the value", () => {
    const message = messageOf({ AJET_PORT: "eighty" });
    expect(message).toStartWith("AJET_PORT is invalid");
    expect(message).toContain('"eighty"');
    expect(messageOf({ AJET_API_PORT: "70000" })).toStartWith("AJET_API_PORT is invalid");
  });

  test("a DATABASE_URL that is not a postgres URL is refused without echoing its password", () => {
    const message = messageOf({ DATABASE_URL: "mysql://root:hunter2@db/chat" });
    expect(message).toStartWith("DATABASE_URL is invalid");
    expect(message).not.toContain("hunter2");
  });

  test("S3_ENDPOINT without a bucket or keys says which variable is missing", () => {
    expect(messageOf({ S3_ENDPOINT: "http://minio:9000" })).toBe(
      "S3_BUCKET is required when S3_ENDPOINT is set",
    );
    expect(messageOf({ S3_ENDPOINT: "http://minio:9000", S3_BUCKET: "b" })).toContain(
      "S3_ACCESS_KEY_ID is required",
    );
  });

  test("an OAuth provider is enabled only by its id and secret together", () => {
    expect(messageOf({ GITHUB_CLIENT_ID: "id" })).toBe(
      "GITHUB_CLIENT_SECRET is required when GITHUB_CLIENT_ID is set",
    );
    expect(messageOf({ GITEA_CLIENT_ID: "id", GITEA_CLIENT_SECRET: "s" })).toContain("GITEA_URL is required");
    const config = loadConfig({
      OIDC_ISSUER: "https://id.example/",
      OIDC_CLIENT_ID: "i",
      OIDC_CLIENT_SECRET: "s",
    });
    expect(config.oauth.oidc).toEqual({ clientId: "i", clientSecret: "s", baseUrl: "https://id.example" });
  });

  test("secrets are never echoed in errors", () => {
    const message = messageOf({ S3_SECRET_ACCESS_KEY: "x".repeat(3), S3_FORCE_PATH_STYLE: "maybe" });
    expect(message).toStartWith("S3_FORCE_PATH_STYLE is invalid");
    expect(messageOf({ NATS_SUBJECT_PREFIX: "no-dot" })).toStartWith("NATS_SUBJECT_PREFIX is invalid");
  });

  test("the real servers stop start-up without AJET_INTERNAL_SECRET, naming it", () => {
    expect(messageOf({ DATABASE_URL: "postgres://chat@db/chat" })).toBe(
      "AJET_INTERNAL_SECRET is required when DATABASE_URL is set",
    );
    expect(messageOf({ NATS_URL: "nats://nats:4222" })).toBe(
      "AJET_INTERNAL_SECRET is required when NATS_URL is set",
    );
    // Embedded, it is the data dir's unless given.
    expect(loadConfig({}).internalSecret).toBeUndefined();
  });

  test("a short AJET_INTERNAL_SECRET is refused without being echoed", () => {
    const message = messageOf({ AJET_INTERNAL_SECRET: "hunter2hunter2" });
    expect(message).toStartWith("AJET_INTERNAL_SECRET is invalid: must be at least 32 characters");
    expect(message).not.toContain("hunter2");
  });

  test("live streams are limited per person and per process unless set otherwise", () => {
    expect(loadConfig({}).streamLimits).toEqual({ perUser: 20, total: 10_000 });
    expect(loadConfig({ AJET_MAX_STREAMS_PER_USER: "5", AJET_MAX_STREAMS: "300" }).streamLimits).toEqual({
      perUser: 5,
      total: 300,
    });
    expect(messageOf({ AJET_MAX_STREAMS: "0" })).toStartWith("AJET_MAX_STREAMS is invalid");
  });

  test("the embedded database keeps a 32MB buffer pool unless AJET_DB_SHARED_BUFFERS says otherwise", () => {
    expect(loadConfig({}).database).toMatchObject({ kind: "pglite", sharedBuffers: "32MB" });
    expect(loadConfig({ AJET_DB_SHARED_BUFFERS: "256MB" }).database).toMatchObject({
      sharedBuffers: "256MB",
    });
    for (const bad of ["lots", "32", "0MB", "32 MB", "1TB"])
      expect(messageOf({ AJET_DB_SHARED_BUFFERS: bad })).toStartWith(
        "AJET_DB_SHARED_BUFFERS is invalid: must be a size such as 32MB",
      );
    for (const outside of ["64kB", "2GB"])
      expect(messageOf({ AJET_DB_SHARED_BUFFERS: outside })).toStartWith(
        "AJET_DB_SHARED_BUFFERS is invalid: must be from 128kB to 1GB",
      );
    expect(loadConfig({ AJET_DB_SHARED_BUFFERS: "128kB" }).database).toMatchObject({
      sharedBuffers: "128kB",
    });
  });

  test("reminders read times in AJET_TIME_ZONE (else the process's zone) and are polled every 5 s unless set", () => {
    expect(loadConfig({}).timeZone).toBe(Intl.DateTimeFormat().resolvedOptions().timeZone);
    expect(loadConfig({}).schedulerPollMs).toBe(5000);
    const set = loadConfig({ AJET_TIME_ZONE: "Europe/Paris", AJET_SCHEDULER_POLL_MS: "50" });
    expect([set.timeZone, set.schedulerPollMs]).toEqual(["Europe/Paris", 50]);
    expect(messageOf({ AJET_TIME_ZONE: "Mars/Olympus" })).toBe(
      'AJET_TIME_ZONE is invalid: must be an IANA time zone like Europe/Paris or UTC (got "Mars/Olympus")',
    );
    expect(messageOf({ AJET_SCHEDULER_POLL_MS: "0" })).toStartWith("AJET_SCHEDULER_POLL_MS is invalid");
  });

  test("AJET_PUBLIC_URL is used as given, without a trailing slash", () => {
    expect(loadConfig({ AJET_PUBLIC_URL: "https://chat.example.com/" }).publicUrl).toBe(
      "https://chat.example.com",
    );
    expect(loadConfig({ AJET_HOST: "0.0.0.0" }).publicUrl).toBe("http://127.0.0.1:3000");
  });

  test("metrics listen on loopback 9464 unless told otherwise, on any free port with AJET_PORT=0, or not at all", () => {
    expect(loadConfig({}).metrics).toEqual({ host: "127.0.0.1", port: 9464, explicit: false });
    expect(loadConfig({ AJET_PORT: "0" }).metrics).toEqual({ host: "127.0.0.1", port: 0, explicit: false });
    expect(loadConfig({ AJET_METRICS_PORT: "9100", AJET_METRICS_HOST: "10.0.0.5" }).metrics).toEqual({
      host: "10.0.0.5",
      port: 9100,
      explicit: true,
    });
    expect(loadConfig({ AJET_METRICS_PORT: "off" }).metrics).toBeNull();
    expect(messageOf({ AJET_METRICS_PORT: "70000" })).toStartWith("AJET_METRICS_PORT is invalid");
    expect(messageOf({ AJET_METRICS_PORT: "yes" })).toStartWith("AJET_METRICS_PORT is invalid");
    expect(messageOf({ AJET_LOG_FORMAT: "xml" })).toStartWith("AJET_LOG_FORMAT is invalid");
    expect(loadConfig({ AJET_LOG_FORMAT: "pretty" }).logFormat).toBe("pretty");
  });
});

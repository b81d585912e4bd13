import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { SQL } from "bun";
import { readMigrations } from "../../lib/db/migrate.ts";
import { errorOf, jsonOf } from "../support/http.ts";
import { TEST_INTERNAL_SECRET } from "../support/internal.ts";
import { SHARED_NATS_URL, uniqueNatsNamespace } from "../support/nats-stream.ts";
import { once } from "../support/once.ts";
import { servicePorts, waitFor } from "../support/ports.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";
import { type Child, spawnChild, waitUntilReady } from "../support/process.ts";
import { startS3, type TestS3 } from "../support/s3.ts";

const nats = uniqueNatsNamespace();
const ports = servicePorts();
let database: TestDatabase;
let s3: TestS3;
let env: Record<string, string>;
const children: Record<string, Child> = {};

beforeAll(async () => {
  [database, s3] = await Promise.all([createTestDatabase(), startS3()]);
  env = {
    ...ports.env,
    // Nothing may touch a data dir in this mode; point it somewhere that cannot be created.
    AJET_DATA_DIR: "/proc/ajet-chat-no-data-dir",
    DATABASE_URL: database.url,
    NATS_URL: SHARED_NATS_URL,
    AJET_INTERNAL_SECRET: TEST_INTERNAL_SECRET,
    NATS_STREAM: nats.stream,
    NATS_SUBJECT_PREFIX: nats.subjectPrefix,
    S3_ENDPOINT: s3.endpoint,
    S3_BUCKET: s3.bucket,
    S3_ACCESS_KEY_ID: s3.accessKeyId,
    S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
  };
});

afterAll(async () => {
  for (const child of Object.values(children)) await child.stop("SIGKILL");
  await Promise.all([database?.drop(), s3?.stop(), nats.remove()]);
});

describe("the four services as four processes against PostgreSQL, NATS and S3", () => {
  // Starting the four, which the later tests stand on (see `once`).
  const allUp = once(async () => {
    for (const name of ["api", "web-sm", "tui-sm", "auth-gw"]) {
      children[name] = spawnChild(["bun", `services/${name}/main.ts`], {
        ...env,
        BUN_CONFIG_MAX_HTTP_REQUESTS: "65336",
        // Access lines are logged at debug: a request can be followed into each service.
        AJET_LOG_LEVEL: "debug",
      });
    }
    const byName = { api: ports.api, "web-sm": ports.web, "tui-sm": ports.tui, "auth-gw": ports.gateway };
    for (const [name, port] of Object.entries(byName)) {
      await waitUntilReady(children[name] as Child, `http://127.0.0.1:${port}/readyz`);
      const body = await (await fetch(`http://127.0.0.1:${port}/readyz`)).json();
      expect(body).toMatchObject({ ok: true, service: name });
    }
  });

  test("each comes up on its own and answers /readyz", () => allUp());

  test("the gateway proxies to each service over HTTP", async () => {
    await allUp();
    const gateway = `http://127.0.0.1:${ports.gateway}`;
    expect((await fetch(`${gateway}/api/healthz`)).headers.get("x-ajet-service")).toBe("api");
    expect((await fetch(`${gateway}/tui/healthz`)).headers.get("x-ajet-service")).toBe("tui-sm");
    expect((await fetch(`${gateway}/`, { redirect: "manual" })).headers.get("x-ajet-service")).toBe("web-sm");
    const traced = await fetch(`${gateway}/api/healthz`, {
      headers: { "x-trace-id": "distributed-trace-1" },
    });
    expect(traced.headers.get("x-trace-id")).toBe("distributed-trace-1");
    // The gateway stamps its own answer: the API's own access line shows the id went through.
    await waitFor(() => {
      const line = (children.api as Child)
        .stderr()
        .split("\n")
        .find((l) => l.includes('"trace_id":"distributed-trace-1"') && l.includes('"path":"/api/healthz"'));
      if (!line) throw new Error("the API logged no request with the trace id given at the gateway");
    });
  });

  test("the schema was migrated once into the PostgreSQL database, and the stream made on NATS", async () => {
    await allUp();
    const sql = new SQL({ url: database.url, max: 1 });
    try {
      const rows = await sql`select tag from ajet_migrations`;
      expect(rows.map((r: { tag: string }) => r.tag)).toEqual(readMigrations().map((m) => m.tag));
    } finally {
      await sql.close();
    }
    expect(await nats.streamSubjects()).toEqual(
      ["chat.events.>", "chat.dm.>", "chat.notifications.>"].map((s) => nats.subjectPrefix + s),
    );
    const api = await jsonOf<{ checks: unknown }>(await fetch(`http://127.0.0.1:${ports.api}/readyz`));
    expect(api.checks).toEqual({ database: "ok", bus: "ok", storage: "ok" });
  });

  test("with the API stopped, the gateway answers 502 in the uniform shape and is not ready", async () => {
    await allUp();
    expect(await (children.api as Child).stop("SIGTERM")).toBe(0);
    const res = await fetch(`http://127.0.0.1:${ports.gateway}/api/healthz`);
    expect(res.status).toBe(502);
    expect((await errorOf(res)).code).toBe("bad_gateway");
    expect((await fetch(`http://127.0.0.1:${ports.gateway}/readyz`)).status).toBe(503);
  });

  test("every service stops with exit code 0 on SIGTERM", async () => {
    await allUp();
    for (const name of ["web-sm", "tui-sm", "auth-gw"]) {
      expect(await (children[name] as Child).stop("SIGTERM")).toBe(0);
    }
  });
});

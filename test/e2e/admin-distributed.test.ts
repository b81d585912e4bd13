import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { runAdmin } from "../support/admin.ts";
import { type ChatPerson, type ChatServer, sseReader, startChatServer } from "../support/chat-server.ts";
import { TEST_INTERNAL_SECRET } from "../support/internal.ts";
import { SHARED_NATS_URL, uniqueNatsNamespace } from "../support/nats-stream.ts";
import { freePort, waitFor } from "../support/ports.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";
import { startS3, type TestS3 } from "../support/s3.ts";
import { plainLines } from "../support/terminal.ts";

// With PostgreSQL, NATS and S3 configured, `ajet-chat admin` talks to them itself: no socket, no data dir.
describe("ajet-chat admin against the real servers' mode", () => {
  const nats = uniqueNatsNamespace();
  let database: TestDatabase;
  let s3: TestS3;
  let chat: ChatServer;
  let bob: ChatPerson;
  let env: Record<string, string>;

  beforeAll(async () => {
    [database, s3] = await Promise.all([createTestDatabase(), startS3()]);
    env = {
      DATABASE_URL: database.url,
      NATS_URL: SHARED_NATS_URL,
      NATS_STREAM: nats.stream,
      NATS_SUBJECT_PREFIX: nats.subjectPrefix,
      AJET_INTERNAL_SECRET: TEST_INTERNAL_SECRET,
      S3_ENDPOINT: s3.endpoint,
      S3_BUCKET: s3.bucket,
      S3_ACCESS_KEY_ID: s3.accessKeyId,
      S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
    };
    // Streams are re-checked hourly, so only the deactivation's event over NATS can end one in time.
    chat = await startChatServer({ ...env, AJET_STREAM_RECHECK_SECONDS: "3600" });
    bob = await chat.invite("bob");
  });
  afterAll(async () => {
    await chat?.stop();
    await Promise.all([database?.drop(), s3?.stop(), nats.remove()]);
  });

  // The admin's shell has the deployment's configuration and a data dir that cannot even be made.
  const admin = (...args: string[]) =>
    runAdmin({ ...env, AJET_DATA_DIR: "/proc/ajet-chat-no-data-dir" }, ["admin", ...args]);

  test("deactivate @bob ends his open stream at once, the event carried by NATS to the server", async () => {
    const res = await fetch(`${chat.base}/tui/events?community=acme`, {
      headers: { authorization: `Bearer ${bob.token}` },
    });
    expect(res.status).toBe(200);
    const stream = sseReader(res);
    await stream.next((e) => e.data.length > 0);
    const result = await admin("deactivate", "@bob");
    expect(result.stderr).toBe("");
    expect(result.stdout.trim()).toBe("@bob is deactivated");
    await waitFor(() => expect(stream.ended).toBe(true));
    const me = await fetch(`${chat.base}/api/me`, { headers: { authorization: `Bearer ${bob.token}` } });
    expect(me.status).toBe(401);
    expect(plainLines((await admin("users", "search", "bob")).stdout)[0]?.[3]).toBe("deactivated");
  });

  test("doctor finds PostgreSQL, NATS JetStream and S3 answering", async () => {
    const result = await admin("doctor");
    expect(result.code).toBe(0);
    const checks = Object.fromEntries(plainLines(result.stdout).map((c) => [c[0], [c[1], c[2]]]));
    expect(checks.database).toEqual(["ok", expect.stringMatching(/^PostgreSQL 15/)]);
    expect(checks.bus).toEqual(["ok", "NATS JetStream"]);
    expect(checks.storage).toEqual(["ok", `S3 bucket ${s3.bucket}`]);
    expect(checks.migrations?.[0]).toBe("ok");
  });
});

describe("ajet-chat admin doctor when nothing answers", () => {
  test("it reports each failure with what to fix, and exits 1", async () => {
    const closed = freePort();
    const result = await runAdmin(
      {
        DATABASE_URL: `postgres://postgres@127.0.0.1:${closed}/nowhere`,
        NATS_URL: `nats://127.0.0.1:${closed}`,
        AJET_INTERNAL_SECRET: TEST_INTERNAL_SECRET,
        AJET_DATA_DIR: "/proc/ajet-chat-no-data-dir",
      },
      ["admin", "doctor"],
    );
    expect(result.code).toBe(1);
    const checks = Object.fromEntries(plainLines(result.stdout).map((c) => [c[0], [c[1], c[2]]]));
    expect(checks.config?.[0]).toBe("ok");
    expect(checks.database?.[0]).toBe("fail");
    expect(checks.database?.[1]).toEndWith("check DATABASE_URL and that PostgreSQL runs");
    expect(checks.bus?.[0]).toBe("fail");
    expect(checks.bus?.[1]).toEndWith("check NATS_URL and that nats-server runs with -js");
    // Disk storage under an impossible data dir fails too, and says so.
    expect(checks.storage?.[0]).toBe("fail");
  });
});

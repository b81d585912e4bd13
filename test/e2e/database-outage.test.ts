import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type ChatServer, startChatServer } from "../support/chat-server.ts";
import { TEST_INTERNAL_SECRET } from "../support/internal.ts";
import { waitFor } from "../support/ports.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";
import { startTcpProxy, type TcpProxy } from "../support/tcp-proxy.ts";

// The database going away is a dependency's failure, not ours: people get "try again shortly"
// (503 with Retry-After) instead of an internal error, and the server serves again by itself once the
// database is back.

describe("while PostgreSQL is unreachable", () => {
  let database: TestDatabase;
  let proxy: TcpProxy;
  let chat: ChatServer;
  beforeAll(async () => {
    database = await createTestDatabase();
    proxy = await startTcpProxy({ host: "127.0.0.1", port: 5432 });
    const url = new URL(database.url);
    url.port = String(proxy.port);
    chat = await startChatServer({ DATABASE_URL: url.href, AJET_INTERNAL_SECRET: TEST_INTERNAL_SECRET });
  });
  afterAll(async () => {
    await chat?.stop();
    await proxy?.stop();
    await database?.drop();
  });

  const asOwner = (path: string, init: RequestInit = {}) =>
    fetch(`${chat.base}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${chat.owner.token}`, "content-type": "application/json" },
    });

  test("requests are answered 503 database_unavailable with Retry-After, then served again once it is back", async () => {
    const channels = await chat.api<{ items: { id: string }[] }>(
      chat.owner,
      "GET",
      "/api/communities/acme/channels",
    );
    const general = channels.items[0]?.id ?? "";
    await chat.api(chat.owner, "POST", `/api/channels/${general}/messages`, { body_md: "before" });
    proxy.cut();
    try {
      // A credential checked a moment ago is still remembered by the gateway, and its rate-limit
      // spending is written later: what meets the outage is the request's own database work. Each
      // answer waits out the driver's connection timeout (5 s) first.
      for (const res of [
        await asOwner(`/api/channels/${general}/messages`),
        await asOwner(`/api/channels/${general}/messages`, {
          method: "POST",
          body: JSON.stringify({ body_md: "during" }),
        }),
      ]) {
        expect(res.status).toBe(503);
        expect(res.headers.get("retry-after")).toBe("5");
        expect(await res.json()).toEqual({
          error: {
            code: "database_unavailable",
            message: "the database cannot be reached right now; try again shortly",
          },
        });
      }
      // A dependency's failure, not logged as the server's own.
      expect(chat.child.stderr()).not.toContain("unhandled error");
    } finally {
      proxy.mend();
    }
    const me = await waitFor(async () => {
      const res = await asOwner("/api/me");
      if (res.status !== 200) throw new Error(`still ${res.status}`);
      return (await res.json()) as { username: string };
    }, 20_000);
    expect(me.username).toBe("alice");
    const page = await chat.api<{ items: { body_md: string }[] }>(
      chat.owner,
      "GET",
      `/api/channels/${general}/messages`,
    );
    expect(page.items.map((m) => m.body_md)).toEqual(["before"]);
  }, 40_000);
});

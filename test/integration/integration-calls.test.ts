import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHmac } from "node:crypto";
import { sql } from "drizzle-orm";
import { type Database, openDatabase } from "../../lib/db/client.ts";
import { resultRows } from "../../lib/db/migrate.ts";
import { communities } from "../../lib/db/schema.ts";
import { readDeliveries, recordDelivery } from "../../lib/integrations/delivery-log.ts";
import { type OutboundAllow, parseOutboundAllow } from "../../lib/outbound/allow-list.ts";
import { callIntegration, type IntegrationCall } from "../../lib/outbound/call-integration.ts";
import { type OutsideWeb, startOutsideWeb } from "../support/outside-web.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";

// Every call the server makes to an integration goes through one client: signed as Slack signs,
// time-limited, retried when asked, and always answering with a result a person can read.

/** Slack's documented check, written out here rather than borrowed from the code under test. */
function slackWouldAccept(secret: string, req: Request, body: string) {
  const ts = req.headers.get("x-slack-request-timestamp") ?? "";
  const expected = `v0=${createHmac("sha256", secret).update(`v0:${ts}:${body}`).digest("hex")}`;
  return req.headers.get("x-slack-signature") === expected && Math.abs(Date.now() / 1000 - Number(ts)) < 300;
}

describe("calling an integration", () => {
  let web: OutsideWeb;
  let flaky = 0;
  const received: { body: string; signed: boolean; contentType: string | null }[] = [];
  beforeAll(() => {
    web = startOutsideWeb();
    web.routes["/command"] = async (req) => {
      const body = await req.text();
      received.push({
        body,
        signed: slackWouldAccept("s3cret", req, body),
        contentType: req.headers.get("content-type"),
      });
      return Response.json({ text: "deployed" });
    };
    web.routes["/flaky"] = () => (++flaky < 2 ? new Response("down", { status: 503 }) : new Response("ok"));
    web.routes["/broken"] = () => new Response("nope", { status: 400 });
    web.routes["/moved"] = () => Response.redirect(web.url("/command"), 302);
    web.routes["/slow"] = () => new Promise<Response>(() => {});
  });
  afterAll(() => web.stop());

  const form = (url: string, extra: Partial<IntegrationCall> = {}): IntegrationCall => ({
    url,
    body: "command=%2Fdeploy&text=prod",
    contentType: "application/x-www-form-urlencoded",
    timeoutMs: 3000,
    ...extra,
  });

  test("posts the body signed with Slack's v0 scheme and reads the reply", async () => {
    received.length = 0;
    const result = await callIntegration(
      web.outbound(),
      form(web.url("/command"), { signingSecret: "s3cret" }),
    );
    expect(result).toMatchObject({ ok: true, status: 200, attempts: 1, error: null });
    expect(JSON.parse(result.body)).toEqual({ text: "deployed" });
    expect(received).toEqual([
      { body: "command=%2Fdeploy&text=prod", signed: true, contentType: "application/x-www-form-urlencoded" },
    ]);
  });

  test("an unsigned call carries no signature a Slack app would accept", async () => {
    received.length = 0;
    await callIntegration(web.outbound(), form(web.url("/command")));
    expect(received.map((r) => r.signed)).toEqual([false]);
  });

  test("retries a 5xx with backoff when asked, and stops at the first success", async () => {
    flaky = 0;
    const result = await callIntegration(
      web.outbound(),
      form(web.url("/flaky"), { attempts: 4, backoffMs: 10 }),
    );
    expect(result).toMatchObject({ ok: true, status: 200, attempts: 2 });
    expect(flaky).toBe(2);
  });

  test("does not retry what the receiver refused, and says why in words", async () => {
    const before = web.publicVisits.filter((v) => v.path === "/broken").length;
    const result = await callIntegration(
      web.outbound(),
      form(web.url("/broken"), { attempts: 3, backoffMs: 10 }),
    );
    expect(result).toMatchObject({
      ok: false,
      status: 400,
      attempts: 1,
      error: "answered 400",
      body: "nope",
    });
    expect(web.publicVisits.filter((v) => v.path === "/broken").length - before).toBe(1);
  });

  test("a POST is not redirected: the 3xx is the answer", async () => {
    received.length = 0;
    const result = await callIntegration(web.outbound(), form(web.url("/moved")));
    expect(result).toMatchObject({ ok: false, status: 302 });
    expect(received).toEqual([]);
  });

  test("a receiver that never answers times out with the deadline named", async () => {
    const result = await callIntegration(web.outbound(), form(web.url("/slow"), { timeoutMs: 200 }));
    expect(result).toMatchObject({ ok: false, status: null, error: "timed out after 0.2 s" });
  });

  test("a private address is refused unless the operator's allow-list opens it", async () => {
    const before = web.internalVisits.length;
    const refused = await callIntegration(web.outbound(), form(web.internalUrl("/hook")));
    expect(refused.ok).toBe(false);
    expect(refused.error).toContain("refused");
    expect(web.internalVisits.length).toBe(before);
    const opened = await callIntegration(
      web.outbound(parseOutboundAllow("127.0.0.1/32") as OutboundAllow),
      form(web.internalUrl("/hook")),
    );
    expect(opened.status).toBe(200);
    expect(web.internalVisits.length).toBe(before + 1);
  });
});

const drivers: Record<string, () => Promise<{ database: Database; pg?: TestDatabase }>> = {
  PGlite: async () => ({
    database: await openDatabase({ kind: "pglite", dir: "memory://" }, { migrate: true }),
  }),
  PostgreSQL: async () => {
    const pg = await createTestDatabase();
    return { database: await openDatabase({ kind: "postgres", url: pg.url }, { migrate: true }), pg };
  },
};

for (const [driver, open] of Object.entries(drivers)) {
  describe(`the delivery log on ${driver}`, () => {
    let database: Database;
    let pg: TestDatabase | undefined;
    let communityId: string;
    beforeAll(async () => {
      ({ database, pg } = await open());
      const [c] = await database.db.insert(communities).values({ name: "Acme", slug: "acme" }).returning();
      communityId = (c as { id: string }).id;
    });
    afterAll(async () => {
      await database.close();
      await pg?.drop();
    });

    const failed = { ok: false, status: 500, latencyMs: 12, error: "answered 500" };

    test("keeps the last 50 deliveries of each integration, newest first, and no more", async () => {
      const hook = Bun.randomUUIDv7();
      const other = Bun.randomUUIDv7();
      await recordDelivery(database.db, {
        communityId,
        kind: "outgoing_webhook",
        subjectId: other,
        request: "x",
        result: failed,
      });
      for (let i = 0; i < 55; i++) {
        await recordDelivery(database.db, {
          communityId,
          kind: "outgoing_webhook",
          subjectId: hook,
          request: `{"n":${i}}`,
          result: failed,
        });
      }
      const kept = await readDeliveries(database.db, hook);
      expect(kept.map((d) => d.request)).toEqual(Array.from({ length: 50 }, (_, i) => `{"n":${54 - i}}`));
      const [count] = resultRows<{ n: number }>(
        await database.db.execute(
          sql`select count(*)::int as n from integration_deliveries where subject_id = ${hook}`,
        ),
      );
      expect(count?.n).toBe(50);
      expect((await readDeliveries(database.db, other)).length).toBe(1);
    });

    test("masks secrets in what it keeps: tokens, response URLs, signatures, token-shaped text", async () => {
      const subjectId = Bun.randomUUIDv7();
      await recordDelivery(database.db, {
        communityId,
        kind: "slash_command",
        subjectId,
        request:
          "token=abc123&command=%2Fdeploy&response_url=https%3A%2F%2Fchat%2Fhooks%2Fr%2Fsecret&x_signature=v0%3Dff&text=prod",
        result: { ...failed, body: '{"text":"hi","token":"t0k","nested":{"client_secret":"cs"}}' },
      });
      const [row] = await readDeliveries(database.db, subjectId);
      expect(row?.request).toContain("command=/deploy");
      expect(row?.request).toContain("text=prod");
      for (const secret of ["abc123", "chat/hooks/r/secret", "v0=ff"])
        expect(row?.request).not.toContain(secret);
      expect(row?.response).toContain('"text":"hi"');
      for (const secret of ["t0k", '"cs"']) expect(row?.response).not.toContain(secret);
    });
  });
}

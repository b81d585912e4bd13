import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import fc from "fast-check";
import { z } from "zod";
import { apiSpecs } from "../../services/api/routes.ts";
import { type Person, startTestApi, type TestApi } from "../support/api.ts";
import { fuzz, hostileText } from "../support/fuzz.ts";

// Every API route's body and query, and the incoming-webhook route, fed random and mutated input
// as a member: whatever comes in, the answer is never a 5xx. FUZZ_SEED replays, FUZZ_RUNS extends.

/** The field names a schema knows, so mutated bodies hit real fields and not only unknown ones. */
function fieldsOf(schema: z.ZodType | undefined): string[] {
  if (!schema) return [];
  if (schema instanceof z.ZodObject) return Object.keys(schema.shape);
  const inner = (
    schema as {
      def?: {
        left?: z.ZodType;
        right?: z.ZodType;
        options?: z.ZodType[];
        in?: z.ZodType;
        innerType?: z.ZodType;
        schema?: z.ZodType;
      };
    }
  ).def;
  return [
    ...fieldsOf(inner?.left),
    ...fieldsOf(inner?.right),
    ...(inner?.options ?? []).flatMap(fieldsOf),
    ...fieldsOf(inner?.in),
    ...fieldsOf(inner?.innerType),
    ...fieldsOf(inner?.schema),
  ];
}

describe("fuzzing the API", () => {
  let t: TestApi;
  let alice: Person;
  let ids: string[];
  let hook: string;

  beforeAll(async () => {
    t = await startTestApi("pglite");
    alice = await t.person("alice");
    const bob = await t.person("bob");
    await t.json(alice, "POST", "/api/communities", { name: "Acme", slug: "acme" });
    await t.join(bob, "acme");
    const page = await t.json<{ items: { id: string; name: string }[] }>(
      alice,
      "GET",
      "/api/communities/acme/channels",
    );
    const general = (page.items.find((c) => c.name === "general") as { id: string }).id;
    const message = await t.json<{ id: string }>(alice, "POST", `/api/channels/${general}/messages`, {
      body_md: "hi @bob",
    });
    const made = await t.json<{ reply_md: string }>(alice, "POST", "/api/commands", {
      channel_id: general,
      text: "/webhook create #general ci",
    });
    hook = (/\/hook\/[^\s)`>]+/.exec(made.reply_md) as RegExpExecArray)[0];
    ids = [
      general,
      message.id,
      alice.id,
      bob.id,
      "00000000-0000-0000-0000-000000000000",
      "x",
      "%00",
      "../me",
    ];
  });
  afterAll(() => t.close());

  const value = fc.oneof(
    hostileText(10),
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.uuid(),
    fc.array(fc.oneof(fc.uuid(), hostileText(4), fc.integer()), { maxLength: 4 }),
    fc.jsonValue({ maxDepth: 2 }),
  );

  test("no route answers any body or query with a 5xx", async () => {
    const routes = apiSpecs.filter((s) => !s.rawBody);
    const request = fc.record({
      spec: fc.constantFrom(...routes),
      pick: fc.array(fc.nat(), { minLength: 3, maxLength: 3 }),
      raw: fc.oneof(fc.constant(null), fc.string({ unit: "binary", maxLength: 60 })),
      extra: fc.dictionary(hostileText(3), value, { maxKeys: 2 }),
      values: fc.array(value, { minLength: 8, maxLength: 8 }),
      keep: fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }),
    });
    await fuzz(
      "api routes",
      request,
      async ({ spec, pick, raw, extra, values, keep }) => {
        let n = 0;
        const path = spec.path.replace(/:[a-z_]+/g, () =>
          spec.path.includes("/communities/:slug") && n++ === 0
            ? "acme"
            : (ids[(pick[n++ % 3] ?? 0) % ids.length] as string),
        );
        const fill = (fields: string[]) =>
          Object.fromEntries(fields.filter((_, i) => keep[i % 8]).map((f, i) => [f, values[i % 8]]));
        const body = { ...fill(fieldsOf(spec.body)), ...extra };
        const query = new URLSearchParams(
          Object.entries(fill(fieldsOf(spec.query))).map(([k, v]): [string, string] => [
            k,
            typeof v === "string" ? v : JSON.stringify(v),
          ]),
        );
        const url = `${path}${query.size ? `?${query}` : ""}`;
        const res =
          raw === null || spec.method === "GET"
            ? await t.call(alice, spec.method, url, spec.method === "GET" ? undefined : body)
            : await t.call(alice, spec.method, url, raw, { "content-type": "application/json" });
        if (res.status >= 500) throw new Error(`${spec.method} ${url} → ${res.status} ${await res.text()}`);
        await res.body?.cancel();
      },
      1000,
    );
  });

  test("the incoming webhook answers any payload without a 5xx", async () => {
    const payload = fc.oneof(
      fc
        .record(
          {
            text: hostileText(),
            username: hostileText(5),
            key: hostileText(3),
            thread_key: hostileText(3),
            blocks: fc.jsonValue({ maxDepth: 3 }),
            attachments: fc.jsonValue({ maxDepth: 3 }),
          },
          { requiredKeys: [] },
        )
        .map((p) => JSON.stringify(p)),
      fc.string({ unit: "binary", maxLength: 200 }),
    );
    await fuzz(
      "webhook route",
      fc.tuple(
        payload,
        fc.constantFrom("application/json", "application/x-www-form-urlencoded", "text/plain"),
      ),
      async ([raw, type]) => {
        const res = await t.call(null, "POST", hook, raw, { "content-type": type });
        if (res.status >= 500)
          throw new Error(`POST /hook → ${res.status} ${await res.text()} for ${JSON.stringify(raw)}`);
        expect(res.status === 429 || res.status < 500).toBe(true);
        await res.body?.cancel();
      },
      60,
    );
  });
});

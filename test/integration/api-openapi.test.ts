import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import { createMemoryBus } from "../../lib/bus/memory-bus.ts";
import { loadConfig } from "../../lib/config.ts";
import { NewestPages } from "../../lib/messages/newest-pages.ts";
import { createOutbound } from "../../lib/outbound/fetch.ts";
import { createDiskStore } from "../../lib/storage/disk-store.ts";
import pkg from "../../package.json" with { type: "json" };
import { api } from "../../services/api/api-route.ts";
import { openApiDocument } from "../../services/api/openapi.ts";
import { apiRoutes, apiSpecs } from "../../services/api/routes.ts";
import { startTestApi, type TestApi } from "../support/api.ts";
import { jsonOf } from "../support/http.ts";

interface Schema {
  type?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  format?: string;
  $ref?: string;
}
interface Parameter {
  name: string;
  in: string;
  required?: boolean;
}
interface Operation {
  summary?: string;
  parameters?: Parameter[];
  requestBody?: { content: Record<string, { schema: Schema }> };
  security: Record<string, string[]>[];
  "x-required-scope": string | null;
  "x-people-only"?: boolean;
  responses: Record<string, { $ref?: string; description?: string }>;
}
interface Doc {
  openapi: string;
  info: { title: string; version: string };
  servers: { url: string }[];
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema>; securitySchemes: Record<string, unknown> };
}

const templateOf = (path: string) => path.replace(/:(\w+)/g, "{$1}");
const operations = (doc: Doc) =>
  Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]) => ({ key: `${method.toUpperCase()} ${path}`, path, op })),
  );

/** A local JSON pointer (`#/a/b`) looked up in the document; undefined when it points nowhere. */
function resolve(doc: unknown, ref: string): unknown {
  if (!ref.startsWith("#/")) return undefined;
  return ref
    .slice(2)
    .split("/")
    .map((s) => s.replaceAll("~1", "/").replaceAll("~0", "~"))
    .reduce<unknown>(
      (node, key) => (node && typeof node === "object" ? Reflect.get(node, key) : undefined),
      doc,
    );
}
const deref = (doc: Doc, schema: Schema): Schema =>
  schema.$ref ? (resolve(doc, schema.$ref) as Schema) : schema;

function refsIn(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(refsIn);
  if (!node || typeof node !== "object") return [];
  return Object.entries(node).flatMap(([key, value]) =>
    key === "$ref" && typeof value === "string" ? [value] : refsIn(value),
  );
}

/** A field the caller may leave out: parsing it from nothing succeeds (optional, nullish, defaulted). */
const omittable = (field: z.ZodType) => field.safeParse(undefined).success;

describe("GET /api/openapi.json", () => {
  let t: TestApi;
  let doc: Doc;

  beforeAll(async () => {
    t = await startTestApi("pglite");
    const res = await t.call(null, "GET", "/api/openapi.json");
    expect(res.status).toBe(200);
    doc = await jsonOf<Doc>(res);
  });
  afterAll(() => t.close());

  test("anyone gets an OpenAPI 3.1 document naming this version and the public URL", () => {
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    expect(doc.info.version).toBe(pkg.version);
    expect(doc.info.title).toBeString();
    expect(doc.servers).toEqual([{ url: loadConfig({}).publicUrl }]);
  });

  test("every operation is served by the running API, with exactly the documented methods at its path", async () => {
    const byPath = Map.groupBy(operations(doc), (o) => o.path);
    expect(byPath.size).toBeGreaterThan(20);
    const matches = (template: string, concrete: string) => {
      const [want, have] = [template.split("/"), concrete.split("/")];
      return want.length === have.length && want.every((seg, i) => seg.startsWith("{") || seg === have[i]);
    };
    for (const path of byPath.keys()) {
      // Parameters get a fresh id, which matches only parameter segments, never a literal one.
      const concrete = path.replace(/\{\w+\}/g, () => crypto.randomUUID());
      // A method no route uses: the router answers 405 naming every method it serves at this path.
      const probe = await t.call(null, "PROPFIND", concrete);
      expect(probe.status, `${path} is not served`).toBe(405);
      const allowed = (probe.headers.get("allow") ?? "").split(", ").sort();
      // A literal path is also matched by a parameter one (`/api/sessions/revoke-all` by `/api/sessions/{id}`).
      const documented = operations(doc)
        .filter((o) => matches(o.path, concrete))
        .map((o) => o.key.split(" ")[0] as string);
      expect(allowed, path).toEqual([...new Set(documented)].sort());
    }
  });

  test("every path in the router's table is documented", async () => {
    const bus = createMemoryBus({ replayBuffer: 0 });
    const routes = apiRoutes({
      config: loadConfig({ AJET_LOG_LEVEL: "error" }),
      db: t.database,
      bus,
      store: createDiskStore(join(tmpdir(), "ajet-openapi-never-written")),
      outbound: createOutbound(),
      unfurls: { queue() {}, idle: async () => {} },
      scheduler: { wake() {} },
      newestPages: new NewestPages(),
    });
    await bus.close();
    const documented = new Set(operations(doc).map((o) => o.key));
    expect(routes.map((r) => `${r.method} ${templateOf(r.path)}`).filter((r) => !documented.has(r))).toEqual(
      [],
    );
  });

  test("a message's body is documented with body_md required and the rest optional", () => {
    const post = doc.paths["/api/channels/{id}/messages"]?.post;
    const schema = deref(doc, post?.requestBody?.content["application/json"]?.schema ?? {});
    expect(Object.keys(schema.properties ?? {})).toEqual(
      expect.arrayContaining(["body_md", "parent_id", "client_msg_id", "attachment_ids"]),
    );
    expect(schema.required).toEqual(["body_md"]);
  });

  test("every JSON body spec is a request body naming its fields, required exactly when the route needs them", () => {
    const withBody = apiSpecs.filter((s) => s.body && !s.rawBody);
    expect(withBody.length).toBeGreaterThan(5);
    for (const spec of withBody) {
      const op = doc.paths[templateOf(spec.path)]?.[spec.method.toLowerCase()];
      const schema = op?.requestBody?.content["application/json"]?.schema;
      expect(schema, `${spec.method} ${spec.path} has no JSON request body`).toBeDefined();
      if (!(spec.body instanceof z.ZodObject)) continue;
      const fields = Object.entries(spec.body.shape as Record<string, z.ZodType>);
      const resolved = deref(doc, schema ?? {});
      expect(Object.keys(resolved.properties ?? {}).sort(), `${spec.method} ${spec.path}`).toEqual(
        fields.map(([name]) => name).sort(),
      );
      expect((resolved.required ?? []).sort(), `${spec.method} ${spec.path}`).toEqual(
        fields
          .filter(([, field]) => !omittable(field))
          .map(([name]) => name)
          .sort(),
      );
    }
  });

  test("a field with a default is optional to the caller, and the route takes the body without it", async () => {
    const create = doc.paths["/api/communities/{slug}/channels"]?.post;
    const schema = create?.requestBody?.content["application/json"]?.schema ?? {};
    expect(schema.required).toEqual(["name"]);
    expect(Object.keys(schema.properties ?? {})).toEqual(expect.arrayContaining(["visibility", "topic"]));

    const alice = await t.person("alice");
    expect((await t.call(alice, "POST", "/api/communities", { name: "Acme", slug: "acme" })).status).toBe(
      201,
    );
    const res = await t.call(alice, "POST", "/api/communities/acme/channels", { name: "random" });
    expect(res.status).toBe(201);
  });

  test("every query field is a query parameter, required exactly when the route needs it", () => {
    const withQuery = apiSpecs.filter((s) => s.query);
    expect(withQuery.length).toBeGreaterThan(2);
    for (const spec of withQuery) {
      const op = doc.paths[templateOf(spec.path)]?.[spec.method.toLowerCase()];
      const params = (op?.parameters ?? []).filter((p) => p.in === "query");
      expect(params.length, `${spec.method} ${spec.path} has no query parameters`).toBeGreaterThan(0);
      if (!(spec.query instanceof z.ZodObject)) continue;
      const fields = Object.entries(spec.query.shape as Record<string, z.ZodType>);
      expect(
        params.map((p) => [p.name, p.required]),
        `${spec.method} ${spec.path}`,
      ).toEqual(fields.map(([name, field]) => [name, !omittable(field)]));
    }
    const history = doc.paths["/api/channels/{id}/messages"]?.get?.parameters ?? [];
    expect(history.filter((p) => p.in === "query").map((p) => [p.name, p.required])).toEqual([
      ["before", false],
      ["after", false],
      ["limit", false],
    ]);
    // An intersection of page and filter still lists each field on its own.
    const notifications = doc.paths["/api/notifications"]?.get?.parameters ?? [];
    expect(notifications.map((p) => p.name)).toEqual(["before", "after", "limit", "unread"]);
  });

  test("path parameters are declared, required, and match the template exactly", () => {
    for (const { key, path, op } of operations(doc)) {
      const inTemplate = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1] as string);
      const declared = (op.parameters ?? []).filter((p) => p.in === "path");
      expect(declared.map((p) => p.name).sort(), key).toEqual(inTemplate.sort());
      expect(
        declared.every((p) => p.required === true),
        key,
      ).toBe(true);
    }
    const reaction = doc.paths["/api/messages/{id}/reactions/{emoji}"]?.put?.parameters ?? [];
    expect(reaction.map((p) => p.name)).toEqual(["id", "emoji"]);
  });

  test("every $ref in the document resolves, and every operation answers with a status", () => {
    const refs = refsIn(doc);
    expect(refs.length).toBeGreaterThan(0);
    expect(refs.filter((ref) => resolve(doc, ref) === undefined)).toEqual([]);
    for (const { key, op } of operations(doc)) {
      expect(
        Object.keys(op.responses).some((s) => /^2\d\d$/.test(s)),
        key,
      ).toBe(true);
      expect(op.summary, key).toBeString();
    }
  });

  test("errors share one component, { error: { code, message } }, for 400 to 429", () => {
    const error = doc.components.schemas.Error;
    expect(error?.required).toEqual(["error"]);
    expect(error?.properties?.error?.required).toEqual(["code", "message"]);
    const post = doc.paths["/api/channels/{id}/messages"]?.post;
    for (const status of ["400", "401", "403", "404", "409", "413", "429"]) {
      const response = resolve(doc, post?.responses[status]?.$ref ?? "") as {
        content: Record<string, { schema: Schema }>;
      };
      expect(response.content["application/json"]?.schema.$ref, status).toBe("#/components/schemas/Error");
    }
    expect(post?.responses["201"]).toBeDefined();
  });

  test("each operation says how to sign in and which scope a bot needs; the public ones need nothing", () => {
    expect(Object.keys(doc.components.securitySchemes).sort()).toEqual(["bearer", "session"]);
    const post = doc.paths["/api/channels/{id}/messages"]?.post;
    expect(post?.security).toEqual([{ bearer: [] }, { session: [] }]);
    expect(post?.["x-required-scope"]).toBe("messages:write");
    expect(doc.paths["/api/me"]?.patch?.["x-required-scope"]).toBeNull();
    expect(doc.paths["/api/dm"]?.post?.["x-people-only"]).toBe(true);
    expect(doc.paths["/api/dm"]?.get?.["x-people-only"]).toBeUndefined();
    expect(doc.paths["/api/healthz"]?.get?.security).toEqual([]);
    expect(doc.paths["/api/openapi.json"]?.get?.security).toEqual([]);
    for (const spec of apiSpecs) {
      const op = doc.paths[templateOf(spec.path)]?.[spec.method.toLowerCase()];
      expect(op?.["x-required-scope"], `${spec.method} ${spec.path}`).toBe(spec.scope);
    }
  });

  test("an upload route takes multipart/form-data with a binary file part", () => {
    const uploads = apiSpecs.filter((s) => s.rawBody);
    expect(uploads.length).toBeGreaterThan(0);
    for (const spec of uploads) {
      const op = doc.paths[templateOf(spec.path)]?.[spec.method.toLowerCase()];
      const schema = op?.requestBody?.content["multipart/form-data"]?.schema;
      expect(schema?.properties?.file?.format, `${spec.method} ${spec.path}`).toBe("binary");
      expect(schema?.required).toContain("file");
    }
  });
});

test("named and recursive zod schemas become components that their $refs reach", () => {
  const tag = z.object({ name: z.string() }).meta({ id: "OpenApiTestTag" });
  const node: z.ZodType = z.object({
    label: z.string(),
    get children() {
      return z.array(node);
    },
  });
  const handler = async () => ({});
  const doc = openApiDocument(
    [
      api({
        method: "POST",
        path: "/api/tags",
        summary: "tags",
        scope: null,
        body: z.object({ tag }),
        handler,
      }),
      api({ method: "POST", path: "/api/trees", summary: "trees", scope: null, body: node, handler }),
      api({
        method: "PUT",
        path: "/api/forest",
        summary: "forest",
        scope: null,
        body: z.object({ node }),
        handler,
      }),
    ],
    "https://chat.example.com",
  );
  const refs = refsIn(doc);
  expect(refs.length).toBeGreaterThanOrEqual(3);
  expect(refs.filter((ref) => resolve(doc, ref) === undefined)).toEqual([]);
  expect(doc.components.schemas).toHaveProperty("OpenApiTestTag");
  expect(JSON.stringify(doc)).not.toContain("$defs");
});

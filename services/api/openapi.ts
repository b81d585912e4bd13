import { z } from "zod";
import { SESSION_COOKIE } from "../../lib/auth/authenticate.ts";
import { type Route, route } from "../../lib/http/router.ts";
import pkg from "../../package.json" with { type: "json" };
import type { ApiRouteSpec } from "./api-route.ts";

type Schema = z.core.JSONSchema.BaseSchema;
type Operation = Record<string, unknown>;

const ERRORS = {
  400: "The input is not valid; the message names the field",
  401: "No valid session cookie or bearer token came with the request",
  403: "The token lacks the scope, or bots may not use this route",
  404: "Not found, or not yours to see",
  409: "Conflicts with the current state",
  413: "The body is too large",
  429: "Too many requests; retry later",
} as const;

const anyJson = { "application/json": {} };

/** Routes the API router serves outside `apiSpecs`: they need no credentials. */
const PUBLIC_OPERATIONS: Record<string, Record<string, Operation>> = {
  "/api/healthz": {
    get: {
      summary: "The API process answers",
      security: [],
      "x-required-scope": null,
      responses: { 200: { description: "Alive", content: anyJson } },
    },
  },
  "/api/openapi.json": {
    get: {
      summary: "This document",
      security: [],
      "x-required-scope": null,
      responses: { 200: { description: "The OpenAPI 3.1 document", content: anyJson } },
    },
  },
  "/hook/{id}/{token}": {
    post: {
      summary:
        "Incoming webhook (Slack-compatible): post a message as the webhook. The body is Slack's incoming-webhook JSON or ours ({text, username, avatar_url, key, thread_key}), or form-encoded payload=<json>; answers are Slack's words as text/plain. With dry_run=1 nothing is posted: the answer is JSON {ok, dry_run, action, message, warnings} (the message as it would be drawn, the Slack fields ignored), or the uniform error body. Every call of a webhook that exists goes into its delivery log (GET /api/webhooks/{id}/deliveries)",
      security: [],
      "x-required-scope": null,
      parameters: [
        { name: "id", in: "path", required: true, schema: { type: "string", format: "uuid" } },
        { name: "token", in: "path", required: true, schema: { type: "string" } },
        { name: "dry_run", in: "query", required: false, schema: { type: "string", enum: ["1", "true"] } },
      ],
      requestBody: {
        required: true,
        content: {
          "application/json": { schema: { type: "object" } },
          "application/x-www-form-urlencoded": {
            schema: { type: "object", properties: { payload: { type: "string" } }, required: ["payload"] },
          },
        },
      },
      responses: Object.fromEntries(
        (
          [
            [200, "ok"],
            [400, "invalid_payload, invalid_blocks or no_text"],
            [404, "no_service: unknown, wrong or revoked"],
            [410, "channel_is_archived"],
            [413, "payload_too_large"],
            [429, "rate_limited; see Retry-After"],
          ] as const
        ).map(([status, description]) => [
          status,
          { description, content: { "text/plain": { schema: { type: "string" } } } },
        ]),
      ),
    },
  },
  "/commands/respond/{token}": {
    post: {
      summary:
        "A custom slash command's response_url (Slack-compatible): the app's later answer to one invocation, {text, blocks, response_type}, for 30 minutes and 5 answers; answers are Slack's words as text/plain",
      security: [],
      "x-required-scope": null,
      parameters: [{ name: "token", in: "path", required: true, schema: { type: "string" } }],
      requestBody: { required: true, content: { "application/json": { schema: { type: "object" } } } },
      responses: Object.fromEntries(
        (
          [
            [200, "ok"],
            [400, "no_text: neither text nor blocks"],
            [404, "used_url (answered 5 times) or expired_url (late, unknown or forged)"],
            [413, "payload_too_large"],
          ] as const
        ).map(([status, description]) => [
          status,
          { description, content: { "text/plain": { schema: { type: "string" } } } },
        ]),
      ),
    },
  },
};

/**
 * The OpenAPI 3.1 document of `specs`, generated from the zod schemas the routes validate with, read
 * as input (a field with a default is optional to the caller).
 */
export function openApiDocument(specs: readonly ApiRouteSpec[], publicUrl: string) {
  const schemas = schemaSet();
  // The paths first: building them is what fills the schema set that components lists.
  const paths = pathsOf(specs, schemas);
  return {
    openapi: "3.1.0",
    info: INFO,
    servers: [{ url: publicUrl }],
    paths,
    components: components(schemas),
  };
}

const INFO = {
  title: "ajet-chat API",
  version: pkg.version,
  description:
    "Every operation but the public ones takes `Authorization: Bearer ajs_…` (a person's session) or " +
    "`Bearer ajt_…` (a bot's API token), or the session cookie. `x-required-scope` names the scope " +
    "a bot token needs (null: any token); `x-people-only` operations refuse bot tokens.",
};

/** JSON schemas of zod ones, keeping the named ones their `$ref`s point at for `components.schemas`. */
function schemaSet() {
  const named: Record<string, Schema> = {};

  // Named or recursive zod schemas come out with `$defs` and refs relative to their own root, which
  // mean nothing inside this document; they move to components and the refs follow them.
  function toSchema(zodSchema: z.ZodType, name: string): Schema {
    const generated = z.toJSONSchema(zodSchema, { io: "input", unrepresentable: "any" });
    const { $schema: _, $defs = {}, ...root } = generated;
    let selfRef = false;
    const defName = (key: string) => (key.startsWith("__") ? `${name}${key}` : key);
    const target = (ref: string) => {
      if (ref === "#") {
        selfRef = true;
        return `#/components/schemas/${name}`;
      }
      return ref.startsWith("#/$defs/") ? `#/components/schemas/${defName(ref.slice(8))}` : ref;
    };
    const relink = (schema: Schema): Schema =>
      JSON.parse(
        JSON.stringify(schema, (key, value) =>
          key === "$ref" && typeof value === "string" ? target(value) : value,
        ),
      );
    for (const [key, def] of Object.entries($defs)) named[defName(key)] = relink(def);
    const linked = relink(root);
    if (selfRef) named[name] = linked;
    return linked;
  }

  return { named, toSchema };
}
type SchemaSet = ReturnType<typeof schemaSet>;

/** The public operations, then each route's under its path template (`:id` → `{id}`). */
function pathsOf(specs: readonly ApiRouteSpec[], schemas: SchemaSet) {
  const paths: Record<string, Record<string, Operation>> = { ...PUBLIC_OPERATIONS };
  for (const spec of specs) {
    const template = spec.path.replace(/:(\w+)/g, "{$1}");
    paths[template] = { ...paths[template], [spec.method.toLowerCase()]: operation(spec, schemas) };
  }
  return paths;
}

function operation(spec: ApiRouteSpec, schemas: SchemaSet): Operation {
  const name = operationName(spec);
  return {
    summary: spec.summary,
    parameters: [
      ...pathParameters(spec.path),
      ...(spec.query ? queryParameters(spec.query, name, schemas) : []),
    ],
    requestBody: requestBody(spec, name, schemas),
    security: [{ bearer: [] }, { session: [] }],
    "x-required-scope": spec.scope,
    ...(spec.peopleOnly ? { "x-people-only": true } : {}),
    responses: responses(spec.status ?? 200),
  };
}

/** `PATCH /api/channels/:id` → `PatchChannelsId`: the prefix of the names of its schemas. */
const operationName = (spec: ApiRouteSpec) =>
  [spec.method.toLowerCase(), ...spec.path.split(/[/:]/).filter((s) => s && s !== "api")]
    .map((s) => s.replace(/^\w/, (c) => c.toUpperCase()).replace(/\W/g, ""))
    .join("");

const pathParameters = (path: string) =>
  [...path.matchAll(/:(\w+)/g)].map((m) => ({
    name: m[1] as string,
    in: "path",
    required: true,
    schema: { type: "string" },
  }));

function queryParameters(query: z.ZodType, name: string, schemas: SchemaSet) {
  const schema = schemas.toSchema(query, `${name}Query`);
  // A query that is not a plain object is still exact as one exploded form parameter.
  if (!schema.properties) return [{ name: "query", in: "query", style: "form", explode: true, schema }];
  const required = new Set(schema.required ?? []);
  return Object.entries(schema.properties).map(([param, propertySchema]) => ({
    name: param,
    in: "query",
    required: required.has(param),
    schema: propertySchema,
  }));
}

/** Uploads are multipart (a `file` part, plus the body's fields when it has any); other bodies JSON. */
function requestBody(spec: ApiRouteSpec, name: string, schemas: SchemaSet) {
  if (spec.rawBody) {
    const schema = spec.body
      ? schemas.toSchema(spec.body, `${name}Body`)
      : {
          type: "object",
          properties: {
            file: { type: "string", format: "binary", contentMediaType: "application/octet-stream" },
          },
          required: ["file"],
        };
    return { required: true, content: { "multipart/form-data": { schema } } };
  }
  if (!spec.body) return undefined;
  return {
    required: true,
    content: { "application/json": { schema: schemas.toSchema(spec.body, `${name}Body`) } },
  };
}

/** The route's own success, then every error status by reference to components.responses. */
function responses(status: number) {
  return {
    [status]: { description: status === 201 ? "Created" : "Success", content: anyJson },
    ...Object.fromEntries(
      Object.keys(ERRORS).map((code) => [code, { $ref: `#/components/responses/Error${code}` }]),
    ),
    default: { $ref: "#/components/responses/ErrorDefault" },
  };
}

const errorResponse = (description: string) => ({
  description,
  content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
});

/** How to authenticate, the schemas the routes named (and the error body), the error responses. */
function components(schemas: SchemaSet) {
  return {
    securitySchemes: {
      bearer: { type: "http", scheme: "bearer", description: "ajs_… session token or ajt_… API token" },
      session: { type: "apiKey", in: "cookie", name: SESSION_COOKIE },
    },
    schemas: { ...schemas.named, Error: ERROR_SCHEMA },
    responses: {
      ...Object.fromEntries(
        Object.entries(ERRORS).map(([code, description]) => [`Error${code}`, errorResponse(description)]),
      ),
      ErrorDefault: errorResponse("Any other error, e.g. 500 internal (logged with the X-Trace-Id)"),
    },
  };
}

/** The uniform error body of every service. */
const ERROR_SCHEMA = {
  type: "object",
  properties: {
    error: {
      type: "object",
      properties: {
        code: { type: "string", description: "A stable snake_case word for programs" },
        message: { type: "string", description: "A sentence for people" },
      },
      required: ["code", "message"],
    },
  },
  required: ["error"],
};

/** `GET /api/openapi.json`: public (the docs are not secret), built on first request and kept. */
export function openApiRoute(specs: readonly ApiRouteSpec[], publicUrl: string): Route {
  let body: string | undefined;
  return route("GET", "/api/openapi.json", () => {
    body ??= JSON.stringify(openApiDocument(specs, publicUrl));
    return new Response(body, {
      headers: { "Content-Type": "application/json", "Cache-Control": "public, max-age=300" },
    });
  });
}

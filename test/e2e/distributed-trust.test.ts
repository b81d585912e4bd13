import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ChatPerson, jsonOver, signUp } from "../support/chat-server.ts";
import { readUntil } from "../support/gateway.ts";
import { errorOf } from "../support/http.ts";
import { SHARED_NATS_URL, uniqueNatsNamespace } from "../support/nats-stream.ts";
import { servicePorts, waitFor } from "../support/ports.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";
import { type Child, spawnChild, waitUntilReady } from "../support/process.ts";

// The four services as four processes, as a deployment runs them: the three behind the gateway are
// reachable on their own ports, as they are on a network, and must refuse whoever is not the gateway.
const SECRET = `e2e-internal-secret-${Bun.randomUUIDv7()}`;
const nats = uniqueNatsNamespace();
const ports = servicePorts();
const gateway = `http://127.0.0.1:${ports.gateway}`;
const direct = {
  api: `http://127.0.0.1:${ports.api}`,
  "web-sm": `http://127.0.0.1:${ports.web}`,
  "tui-sm": `http://127.0.0.1:${ports.tui}`,
};
const dataDir = mkdtempSync(join(tmpdir(), "ajet-trust-"));
const children: Record<string, Child> = {};
const api = jsonOver(gateway);
let database: TestDatabase;
let env: Record<string, string>;
let alice: ChatPerson;
let general: string;

beforeAll(async () => {
  database = await createTestDatabase();
  env = {
    ...ports.env,
    AJET_DATA_DIR: dataDir,
    // Every request logged, so the scan for the secret below reads every line there is.
    AJET_LOG_LEVEL: "debug",
    AJET_INTERNAL_SECRET: SECRET,
    AJET_MAX_STREAMS_PER_USER: "1",
    DATABASE_URL: database.url,
    NATS_URL: SHARED_NATS_URL,
    NATS_STREAM: nats.stream,
    NATS_SUBJECT_PREFIX: nats.subjectPrefix,
    BUN_CONFIG_MAX_HTTP_REQUESTS: "65336",
  };
  children.api = spawnChild(["bun", "services/api/main.ts"], env);
  await waitUntilReady(children.api, `${direct.api}/readyz`);
  children["web-sm"] = spawnChild(["bun", "services/web-sm/main.ts"], env);
  children["tui-sm"] = spawnChild(["bun", "services/tui-sm/main.ts"], env);
  children["auth-gw"] = spawnChild(["bun", "services/auth-gw/main.ts"], env);
  for (const name of ["web-sm", "tui-sm"] as const) {
    await waitUntilReady(children[name] as Child, `${direct[name]}/readyz`);
  }
  await waitUntilReady(children["auth-gw"] as Child, `${gateway}/readyz`);
  const link = await waitFor(() => {
    const line = children["auth-gw"]
      ?.stdout()
      .split("\n")
      .find((l) => l.startsWith("setup link: "));
    if (!line) throw new Error("no setup link printed");
    return line.slice("setup link: ".length);
  });
  alice = await signUp(api, new URL(link).pathname, "alice");
  await api(alice, "POST", "/api/communities", { name: "Acme", slug: "acme" });
  const channels = await api<{ items: { id: string; name: string }[] }>(
    alice,
    "GET",
    "/api/communities/acme/channels",
  );
  general = channels.items.find((c) => c.name === "general")?.id as string;
});

afterAll(async () => {
  for (const child of Object.values(children)) await child.stop("SIGKILL");
  await Promise.all([database?.drop(), nats.remove()]);
  rmSync(dataDir, { recursive: true, force: true });
});

const bearer = () => ({ authorization: `Bearer ${alice.token}` });

describe("services run apart trust only each other", () => {
  test("each service behind the gateway refuses a direct request, with a good token and a made-up address: 403", async () => {
    const paths = { api: "/api/me", "web-sm": "/c/acme/channels/general", "tui-sm": "/tui/events" };
    for (const [name, path] of Object.entries(paths)) {
      const res = await fetch(direct[name as keyof typeof direct] + path, {
        headers: { ...bearer(), "x-forwarded-for": "10.0.0.1", "x-ajet-identity": "e30" },
      });
      expect(res.status).toBe(403);
      expect(res.headers.get("x-ajet-service")).toBe(name);
      expect((await errorOf(res)).code).toBe("internal_only");
    }
  });

  test("their /healthz and /readyz answer anyone, for probes", async () => {
    for (const url of Object.values(direct)) {
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      expect((await fetch(`${url}/readyz`)).status).toBe(200);
    }
  });

  test("through the gateway the API, a web page and the terminal's stream all answer", async () => {
    expect((await api<{ username: string }>(alice, "GET", "/api/me")).username).toBe("alice");
    const page = await fetch(`${gateway}/c/acme/channels/general`, { headers: bearer() });
    expect(page.status).toBe(200);
    expect(page.headers.get("x-ajet-service")).toBe("web-sm");
    expect(await page.text()).toContain("general");

    const stream = await fetch(`${gateway}/tui/events?community=acme`, { headers: bearer() });
    expect(stream.status).toBe(200);
    const reader = stream.body?.getReader() as ReadableStreamDefaultReader<Uint8Array>;
    try {
      await readUntil(reader, "event: ready");
      // The terminal SM's typing route calls the API as alice, with the identity the gateway gave it.
      const typing = await fetch(`${gateway}/tui/typing`, {
        method: "POST",
        headers: { ...bearer(), "content-type": "application/json" },
        body: JSON.stringify({ channel_id: general }),
      });
      expect(typing.status).toBe(204);
      await api(alice, "POST", `/api/channels/${general}/messages`, { body_md: "over the wire" });
      await readUntil(reader, "over the wire");

      // One stream per person here (AJET_MAX_STREAMS_PER_USER=1), counted by each SM process.
      const second = await fetch(`${gateway}/tui/events`, { headers: bearer() });
      expect(second.status).toBe(429);
      expect((await errorOf(second)).code).toBe("too_many_streams");
    } finally {
      await reader.cancel();
    }
  });

  test("no service wrote the secret to its output", () => {
    for (const child of Object.values(children)) {
      expect(child.stdout() + child.stderr()).not.toContain(SECRET);
    }
    // The scan read real logs: the gateway logged the requests above.
    expect(children["auth-gw"]?.stderr()).toContain('"path":"/api/me"');
  });

  test("a service started for the real servers without the secret stops with one line naming it", async () => {
    const { AJET_INTERNAL_SECRET: _, ...withoutSecret } = env;
    const runs = ["api", "web-sm", "tui-sm", "auth-gw"].map(async (name) => {
      const child = spawnChild(["bun", `services/${name}/main.ts`], { ...withoutSecret, AJET_PORT: "0" });
      try {
        // One that starts anyway would never exit: give up on it well before the test's timeout.
        const code = await Promise.race([child.proc.exited, Bun.sleep(30_000).then(() => "still running")]);
        return { code, lines: child.stderr().trim().split("\n") };
      } finally {
        await child.stop("SIGKILL");
      }
    });
    for (const { code, lines } of await Promise.all(runs)) {
      expect(code).toBe(1);
      expect(lines).toEqual(["ajet-chat: AJET_INTERNAL_SECRET is required when DATABASE_URL is set"]);
    }
  });
});

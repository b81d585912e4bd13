import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { jsonOf } from "../support/http.ts";
import { TEST_INTERNAL_SECRET } from "../support/internal.ts";
import { freePort, waitFor } from "../support/ports.ts";
import { type Child, spawnChild, waitUntilReady } from "../support/process.ts";

const dir = mkdtempSync(join(tmpdir(), "ajet-e2e-"));
const dataDir = join(dir, "data");
const ports = {
  AJET_PORT: freePort(),
  AJET_API_PORT: freePort(),
  AJET_WEB_PORT: freePort(),
  AJET_TUI_PORT: freePort(),
};
const env = {
  AJET_DATA_DIR: dataDir,
  ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])),
};
const gateway = `http://127.0.0.1:${ports.AJET_PORT}`;
const children: Child[] = [];

afterAll(async () => {
  for (const child of children) await child.stop("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

/** A start that must fail: it exits 1 with exactly one line on stderr and no stack trace. */
async function failedStart(extraEnv: Record<string, string>) {
  const child = spawnChild(["bun", "run", "start"], { ...env, ...extraEnv });
  children.push(child);
  const code = await child.proc.exited;
  const lines = child.stderr().trim().split("\n");
  return { code, lines };
}

describe("bun run start", () => {
  let server: Child;

  beforeAll(async () => {
    // Debug logs carry each service's access line, so a request can be followed through them.
    server = spawnChild(["bun", "run", "start"], { ...env, AJET_LOG_LEVEL: "debug" });
    children.push(server);
    await waitUntilReady(server, `${gateway}/readyz`);
  });

  test("brings the four services up embedded in a fresh data dir and prints the URL", async () => {
    expect(server.stdout()).toContain(`ajet-chat is running at ${gateway}`);
    expect(server.stdout()).toContain("embedded database");
    const res = await fetch(`${gateway}/readyz`);
    expect(res.status).toBe(200);
    expect(await jsonOf(res)).toMatchObject({
      ok: true,
      checks: { api: "ok", "web-sm": "ok", "tui-sm": "ok" },
    });
    expect(existsSync(join(dataDir, "pg"))).toBe(true);
    expect(existsSync(join(dataDir, "pg.lock"))).toBe(true);
  });

  test("only the gateway listens: the services behind it open no port of their own", async () => {
    for (const port of [ports.AJET_API_PORT, ports.AJET_WEB_PORT, ports.AJET_TUI_PORT]) {
      const reached = await fetch(`http://127.0.0.1:${port}/healthz`).then(
        () => true,
        () => false,
      );
      expect(reached).toBe(false);
    }
  });

  test("the internal secret is made in the data dir, readable by its owner alone, and never printed", async () => {
    const file = join(dataDir, "internal-secret");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const secret = readFileSync(file, "utf8").trim();
    expect(secret.length).toBeGreaterThanOrEqual(32);
    expect(server.stdout()).not.toContain(secret);
    expect(server.stderr()).not.toContain(secret);
  });

  test("the gateway sends /api, /tui and pages to the service that owns them", async () => {
    const api = await fetch(`${gateway}/api/healthz`);
    expect(api.headers.get("x-ajet-service")).toBe("api");
    const tui = await fetch(`${gateway}/tui/healthz`);
    expect(tui.headers.get("x-ajet-service")).toBe("tui-sm");
    // Not signed in: web-sm answers itself, sending the visitor to sign in.
    const page = await fetch(`${gateway}/`, { redirect: "manual" });
    expect(page.headers.get("x-ajet-service")).toBe("web-sm");
    expect(page.headers.get("content-type")).toStartWith("text/html");
    const missing = await fetch(`${gateway}/api/no-such-route`);
    expect(missing.status).toBe(404);
    expect(await jsonOf(missing)).toEqual({ error: { code: "not_found", message: "route not found" } });
  });

  test("the trace id given at the door comes back from the service behind it", async () => {
    const res = await fetch(`${gateway}/api/healthz`, { headers: { "x-trace-id": "trace-e2e-0001" } });
    expect(res.headers.get("x-trace-id")).toBe("trace-e2e-0001");
    // The gateway stamps its own answer, so the API's access line is what shows the id went through.
    const served = await waitFor(() => {
      const lines = server
        .stderr()
        .split("\n")
        .filter((l) => l.startsWith("{"))
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .filter((l) => l.msg === "request" && l.path === "/api/healthz");
      if (!lines.some((l) => l.service === "api" && l.trace_id === "trace-e2e-0001"))
        throw new Error("no access line from the API with the given trace id");
      return lines;
    });
    expect(served.filter((l) => l.trace_id === "trace-e2e-0001").map((l) => l.service)).toEqual(
      expect.arrayContaining(["api", "auth-gw"]),
    );
  });

  test("a second start on the same data dir stops with one line saying it is in use", async () => {
    const other = { AJET_PORT: String(freePort()), AJET_API_PORT: String(freePort()) };
    const { code, lines } = await failedStart({
      ...other,
      AJET_WEB_PORT: String(freePort()),
      AJET_TUI_PORT: String(freePort()),
    });
    expect(code).toBe(1);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^ajet-chat: the data dir .* is in use by another ajet-chat process \(pid \d+\)/,
    );
  });

  test("SIGTERM stops it cleanly and releases the data dir", async () => {
    expect(await server.stop("SIGTERM")).toBe(0);
    expect(existsSync(join(dataDir, "pg.lock"))).toBe(false);
  });
});

describe("a start that cannot work stops with one clear line", () => {
  test("a wrong DATABASE_URL", async () => {
    const { code, lines } = await failedStart({
      AJET_DATA_DIR: join(dir, "bad-db"),
      DATABASE_URL: `postgres://postgres@127.0.0.1:${freePort()}/nowhere`,
      AJET_INTERNAL_SECRET: TEST_INTERNAL_SECRET,
    });
    expect(code).toBe(1);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toStartWith("ajet-chat: cannot use the database at postgres://postgres@127.0.0.1:");
  });

  test("an unreachable NATS, leaving no data written", async () => {
    const { code, lines } = await failedStart({
      AJET_DATA_DIR: join(dir, "bad-nats"),
      NATS_URL: `nats://127.0.0.1:${freePort()}`,
      AJET_INTERNAL_SECRET: TEST_INTERNAL_SECRET,
    });
    expect(code).toBe(1);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toStartWith("ajet-chat: cannot reach NATS at nats://127.0.0.1:");
    expect(existsSync(join(dir, "bad-nats"))).toBe(false);
  });

  test("the real servers without AJET_INTERNAL_SECRET, naming it and writing nothing", async () => {
    const { code, lines } = await failedStart({
      AJET_DATA_DIR: join(dir, "no-secret"),
      DATABASE_URL: "postgres://postgres@127.0.0.1:5432/postgres",
    });
    expect(code).toBe(1);
    expect(lines).toEqual(["ajet-chat: AJET_INTERNAL_SECRET is required when DATABASE_URL is set"]);
    expect(existsSync(join(dir, "no-secret"))).toBe(false);
  });

  test("a bad variable", async () => {
    const { code, lines } = await failedStart({ AJET_PORT: "http" });
    expect(code).toBe(1);
    expect(lines).toEqual([
      'ajet-chat: AJET_PORT is invalid: must be a port number from 0 to 65535 (got "http")',
    ]);
  });
});

describe("bun run start with AJET_PORT=0", () => {
  test("prints the port it got, and its links carry that port and work", async () => {
    const zeroDir = mkdtempSync(join(tmpdir(), "ajet-e2e-port0-"));
    const child = spawnChild(["bun", "run", "start"], {
      AJET_DATA_DIR: join(zeroDir, "data"),
      AJET_PORT: "0",
      AJET_RATE_AUTH_BURST: "0",
    });
    children.push(child);
    try {
      const link = await waitFor(() => {
        const line = child
          .stdout()
          .split("\n")
          .find((l) => l.startsWith("setup link: "));
        if (!line) throw new Error("no setup link yet");
        return new URL(line.slice("setup link: ".length));
      }, 60_000);
      expect(link.port).not.toBe("0");
      expect(link.port).not.toBe("");
      expect(child.stdout()).toContain(`ajet-chat is running at http://127.0.0.1:${link.port} (`);
      // The link signs the first person in at that very address; a form posted from the page passes
      // the gateway's same-origin check, which compares with the same URL.
      const page = await fetch(link, { redirect: "manual" });
      expect(page.status).toBe(200);
      const posted = await fetch(link, {
        method: "POST",
        headers: { origin: link.origin, "content-type": "application/x-www-form-urlencoded" },
        body: "username=",
        redirect: "manual",
      });
      expect(await posted.text()).not.toContain("came from another site");
      expect(posted.status).not.toBe(403);
    } finally {
      await child.stop("SIGTERM");
      rmSync(zeroDir, { recursive: true, force: true });
    }
  });
});

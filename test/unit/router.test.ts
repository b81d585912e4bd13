import { describe, expect, test } from "bun:test";
import { gone, rateLimited } from "../../lib/errors.ts";
import { createApp } from "../../lib/http/app.ts";
import { HttpError } from "../../lib/http/errors.ts";
import { route } from "../../lib/http/router.ts";

const app = createApp({
  name: "test",
  routes: [
    route("GET", "/api/channels/:id", (_req, ctx) => Response.json({ id: ctx.params.id })),
    route("POST", "/api/channels/:id", () => new Response("posted")),
    route("*", "/files/*", (_req, ctx) => new Response(ctx.params["*"])),
    route("GET", "/boom", () => {
      throw new Error("secret internals");
    }),
    route("GET", "/teapot", () => {
      throw new HttpError(418, "teapot", "I am a teapot");
    }),
    route("GET", "/deleted", () => {
      throw gone("message_deleted", "this message was deleted");
    }),
    route("GET", "/slow-down", () => {
      throw rateLimited("too many requests; try again in 7 s", 7);
    }),
  ],
  ready: { ok: async () => {}, broken: async () => Promise.reject(new Error("database is down")) },
});
const get = (path: string, init?: RequestInit) => app.fetch(new Request(`http://test${path}`, init));

describe("routing and errors", () => {
  test("path parameters are decoded", async () => {
    expect(await (await get("/api/channels/a%20b")).json()).toEqual({ id: "a b" });
  });

  test("a trailing * takes the rest of the path", async () => {
    expect(await (await get("/files/a/b/c.txt", { method: "PUT" })).text()).toBe("a/b/c.txt");
  });

  test("an unknown path is a 404 in the uniform error shape", async () => {
    const res = await get("/nope");
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: { code: "not_found", message: "route not found" } });
  });

  test("a known path with another method is a 405 naming the allowed ones", async () => {
    const res = await get("/api/channels/x", { method: "DELETE" });
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("GET, POST");
  });

  test("an HttpError keeps its status, code and message", async () => {
    const res = await get("/teapot");
    expect(res.status).toBe(418);
    expect(await res.json()).toEqual({ error: { code: "teapot", message: "I am a teapot" } });
  });

  test("a domain error is answered with the status of its kind, and Retry-After when it has one", async () => {
    const deleted = await get("/deleted");
    expect(deleted.status).toBe(410);
    expect(await deleted.json()).toEqual({
      error: { code: "message_deleted", message: "this message was deleted" },
    });
    expect(deleted.headers.get("retry-after")).toBeNull();
    const slow = await get("/slow-down");
    expect(slow.status).toBe(429);
    expect(slow.headers.get("retry-after")).toBe("7");
  });

  test("an unexpected error is a 500 that reveals nothing", async () => {
    const res = await get("/boom");
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(text).not.toContain("secret internals");
    expect(JSON.parse(text).error.code).toBe("internal");
  });

  test("a well-formed trace id is kept, a bad one replaced", async () => {
    expect(
      (await get("/healthz", { headers: { "x-trace-id": "abcdefgh1234" } })).headers.get("x-trace-id"),
    ).toBe("abcdefgh1234");
    const replaced = (await get("/healthz", { headers: { "x-trace-id": "bad id\n" } })).headers.get(
      "x-trace-id",
    );
    expect(replaced).toMatch(/^[A-Za-z0-9_-]{8,64}$/);
  });

  test("/readyz is 503 naming the dependency that failed, and why only in the log", async () => {
    const written: string[] = [];
    const write = process.stderr.write;
    process.stderr.write = ((chunk: string) => written.push(chunk) > 0) as typeof process.stderr.write;
    let res: Response;
    try {
      res = await get("/readyz");
    } finally {
      process.stderr.write = write;
    }
    expect(res.status).toBe(503);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({ ok: false, service: "test", checks: { ok: "ok", broken: "failed" } });
    expect(text).not.toContain("database is down");
    const line = written.map((l) => JSON.parse(l)).find((l) => l.msg === "not ready");
    expect(line).toMatchObject({ level: "warn", check: "broken", error: "database is down" });
  });
});

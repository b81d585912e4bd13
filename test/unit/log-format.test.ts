import { afterEach, describe, expect, test } from "bun:test";
import { configureLog, log, requestContext } from "../../lib/log.ts";

/** What the logger writes to stderr while `act` runs. */
function written(act: () => void): string {
  const original = process.stderr.write;
  let out = "";
  process.stderr.write = ((chunk: string) => {
    out += chunk;
    return true;
  }) as typeof process.stderr.write;
  try {
    act();
  } finally {
    process.stderr.write = original;
  }
  return out;
}

describe("log lines", () => {
  // Back to the defaults a process starts with.
  afterEach(() => configureLog({ level: "info", format: "json" }));

  test("are one JSON object per line by default, with the request's trace id", () => {
    configureLog({ level: "info", format: "json" });
    const out = written(() =>
      requestContext.run({ traceId: "trace-1234", service: "api" }, () =>
        log.info("request", { route: "/api/me", status: 200 }),
      ),
    );
    expect(out.endsWith("\n")).toBe(true);
    expect(JSON.parse(out)).toMatchObject({
      level: "info",
      service: "api",
      trace_id: "trace-1234",
      route: "/api/me",
    });
  });

  test("AJET_LOG_FORMAT=pretty reads as words and key=value, the stack below, and is still redacted", () => {
    configureLog({ level: "info", format: "pretty" });
    const token = `ajs_${"A".repeat(43)}`;
    const out = written(() =>
      requestContext.run({ traceId: "trace-5678", service: "auth-gw" }, () =>
        log.error("unhandled error", {
          path: `/setup/${token}`,
          status: 500,
          stack: "Error: boom\n    at x",
        }),
      ),
    );
    const [head, ...rest] = out.trimEnd().split("\n");
    expect(head).toMatch(/^\d\d:\d\d:\d\d\.\d{3} ERROR auth-gw unhandled error /);
    expect(head).toContain("trace_id=trace-5678");
    expect(head).toContain("status=500");
    expect(rest.join("\n")).toBe("Error: boom\n    at x");
    expect(out).not.toContain(token);
    expect(() => JSON.parse(out)).toThrow();
  });

  test("lines below the level are not written", () => {
    configureLog({ level: "warn", format: "pretty" });
    expect(written(() => log.info("quiet"))).toBe("");
  });
});

import { describe, expect, test } from "bun:test";
import { errorOf, UnreachableError } from "../../lib/client/api-client.ts";
import { parseArgs } from "../../lib/terminal/cli/args.ts";
import { filenameOf } from "../../lib/terminal/cli/commands/files.ts";
import { CliError, describeFailure, type ExitCode } from "../../lib/terminal/cli/errors.ts";
import { plainField } from "../../lib/terminal/cli/output.ts";
import { emojiOf } from "../../lib/terminal/emoji.ts";

const send = {
  code: { type: "boolean" },
  quiet: { type: "boolean", short: "q" },
  lang: { type: "string" },
} as const;

describe("CLI arguments", () => {
  test("flags go anywhere; values come as --name value, --name=value or -x", () => {
    expect(parseArgs(["#general", "--code", "hello", "-q", "--lang=sh", "--profile", "work"], send)).toEqual({
      positionals: ["#general", "hello"],
      flags: { code: true, quiet: true, lang: "sh", profile: "work" },
    });
  });

  test("-- ends the flags, and - or a negative number is a positional", () => {
    expect(parseArgs(["-", "--", "--code", "-q"], send).positionals).toEqual(["-", "--code", "-q"]);
    expect(parseArgs(["-1"], send).positionals).toEqual(["-1"]);
  });

  test("an unknown flag, a missing value or a value on a switch is a usage error (exit 1)", () => {
    for (const argv of [["--loud"], ["-z"], ["--lang"], ["--code=yes"]]) {
      expect(() => parseArgs(argv, send)).toThrow(CliError);
      const { code } = describeFailure(catchOf(() => parseArgs(argv, send)));
      expect(code).toBe(1);
    }
  });
});

describe("exit codes", () => {
  /** The error the API client makes of a server's answer with this status. */
  const answered = (status: number, code: string, headers?: Record<string, string>) =>
    errorOf(Response.json({ error: { code, message: code } }, { status, headers }), "GET", "/api/x");

  test("each failure class has its own code", async () => {
    const cases: [unknown, ExitCode][] = [
      [await answered(400, "invalid_request"), 1],
      [await answered(401, "unauthorized"), 2],
      [await answered(403, "forbidden"), 2],
      [await answered(404, "not_found"), 3],
      [new UnreachableError("http://x", "ECONNREFUSED"), 4],
      [await answered(502, "bad_gateway"), 4],
      [await answered(503, "unavailable"), 4],
      [await answered(429, "rate_limited", { "Retry-After": "90" }), 5],
      [new Error("something else"), 1],
    ];
    for (const [err, code] of cases) expect(describeFailure(err).code).toBe(code);
    expect(describeFailure(cases[7]?.[0]).message).toBe("rate limited by the server; try again in 90 s");
    expect(describeFailure(cases[1]?.[0]).message).toStartWith("not signed in: unauthorized");
  });
});

describe("plain output", () => {
  test("a field never spans lines or tabs", () => {
    expect(plainField("a\tb\nc\\d")).toBe("a\\tb\\nc\\\\d");
    expect(plainField(null)).toBe("");
    expect(plainField(3)).toBe("3");
  });
});

describe("downloads", () => {
  test("are saved under the server's file name without any directory in it", () => {
    expect(filenameOf(`attachment; filename="report.txt"`, "id")).toBe("report.txt");
    expect(filenameOf(`attachment; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf`, "id")).toBe("résumé.pdf");
    expect(filenameOf(`attachment; filename="../../etc/passwd"`, "id")).toBe("passwd");
    expect(filenameOf(`attachment; filename=".."`, "id")).toBe("id");
    expect(filenameOf(null, "id")).toBe("id");
  });
});

describe("emoji names", () => {
  test("shortcodes become the emoji; anything else passes through for the server to judge", () => {
    expect(emojiOf(":tada:")).toBe("🎉");
    expect(emojiOf("+1")).toBe("👍");
    expect(emojiOf("🚀")).toBe("🚀");
    expect(emojiOf(":nope:")).toBe(":nope:");
  });
});

function catchOf(f: () => unknown): unknown {
  try {
    f();
  } catch (err) {
    return err;
  }
  throw new Error("expected a throw");
}

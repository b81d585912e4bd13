import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ChatPerson, ChatServer } from "./chat-server.ts";
import { repoRoot } from "./process.ts";

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  env?: Record<string, string>;
  /** Text piped to standard input; none means stdin is /dev/null. */
  stdin?: string;
  /** The program: `bun bin/ajet-chat.ts` unless given (e.g. the compiled binary). */
  program?: string[];
  cwd?: string;
}

/** A config dir of its own, so no test reads or writes the person's real profiles. */
export const freshConfigHome = () => mkdtempSync(join(tmpdir(), "ajet-cli-config-"));

/** Runs `ajet-chat <args>` to the end with output captured (stdout is a pipe, so output is plain). */
export async function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  const proc = Bun.spawn([...(options.program ?? ["bun", join(repoRoot, "bin/ajet-chat.ts")]), ...args], {
    cwd: options.cwd ?? repoRoot,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "/tmp",
      XDG_CONFIG_HOME: join(tmpdir(), "ajet-cli-unused-config"),
      ...options.env,
    },
    stdin: options.stdin === undefined ? "ignore" : new Blob([options.stdin]),
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { code, stdout, stderr };
}

/** The environment that signs the CLI in as `who` on `chat`. */
export const as = (chat: ChatServer, who: ChatPerson, extra: Record<string, string> = {}) => ({
  AJET_SERVER: chat.base,
  AJET_TOKEN: who.token,
  ...extra,
});

/** stdout's lines, each parsed as JSON (fails on a line that is not). */
export const jsonLines = <T = Record<string, unknown>>(stdout: string): T[] =>
  stdout
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as T);

/** stdout's lines split at tabs. */
export const plainLines = (stdout: string) =>
  stdout
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => l.split("\t"));

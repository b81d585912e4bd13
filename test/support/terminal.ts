import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ChatPerson, ChatServer } from "./chat-server.ts";
import { waitFor } from "./ports.ts";
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

/** `ajet-chat <args>` left running (`tail --follow`), its stdout collected as it comes. */
export function startCli(args: string[], env: Record<string, string>) {
  const proc = Bun.spawn(["bun", join(repoRoot, "bin/ajet-chat.ts"), ...args], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? "", HOME: "/tmp", ...env },
    stdout: "pipe",
    stderr: "pipe",
  });
  let out = "";
  void (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of proc.stdout) out += decoder.decode(chunk, { stream: true });
  })();
  return {
    stdout: () => out,
    async stop() {
      proc.kill();
      await proc.exited;
    },
  };
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

/** A terminal in tmux as a person uses it: keys typed with send-keys, the screen read with capture-pane. */
export interface Tmux {
  /** The session's name, for `-t`. */
  session: string;
  /** Any tmux command against this test's own server; throws with tmux's stderr when it fails. */
  run(...args: string[]): string;
  /** The visible screen as text; with `colors`, with the SGR escapes of each cell's look. */
  screen(options?: { colors?: boolean }): string;
  /** Keys by tmux's names (`Enter`, `C-n`, `PPage`). */
  keys(...keys: string[]): void;
  /** Text typed literally. */
  type(text: string): void;
  /** Waits until the screen shows `check`, returning the screen; fails with the screen it saw. */
  shows(check: string | RegExp, timeoutMs?: number): Promise<string>;
  /** Waits until the screen no longer shows `check`, returning the screen. */
  hides(check: string | RegExp, timeoutMs?: number): Promise<string>;
  kill(): void;
}

let tmuxServers = 0;

/**
 * A tmux server of the caller's own (so nothing else's sessions are touched) with one session
 * running a bare bash in the repo root, `env` set in it.
 */
export function startTmux(options: { width: number; height: number; env: Record<string, string> }): Tmux {
  const socket = `ajet-tui-${process.pid}-${++tmuxServers}`;
  const session = "chat";
  const run = (...args: string[]) => {
    const done = Bun.spawnSync(["tmux", "-L", socket, ...args], { stdout: "pipe", stderr: "pipe" });
    if (done.exitCode !== 0) throw new Error(`tmux ${args.join(" ")}: ${done.stderr.toString()}`);
    return done.stdout.toString();
  };
  const screen = (o: { colors?: boolean } = {}) =>
    run("capture-pane", "-p", ...(o.colors ? ["-e"] : []), "-t", session);
  const matches = (now: string, check: string | RegExp) =>
    typeof check === "string" ? now.includes(check) : check.test(now);
  const waitScreen = (check: string | RegExp, shown: boolean, timeoutMs = 10_000) =>
    waitFor(
      () => {
        const now = screen();
        if (matches(now, check) !== shown)
          throw new Error(`the screen ${shown ? "does not show" : "still shows"} ${check}:\n${now}`);
        return now;
      },
      timeoutMs,
      String(check),
    );
  const env = Object.entries(options.env).flatMap(([k, v]) => ["-e", `${k}=${v}`]);
  run(
    "new-session",
    "-d",
    "-s",
    session,
    "-x",
    String(options.width),
    "-y",
    String(options.height),
    ...env,
    "-c",
    repoRoot,
    "bash --norc --noprofile",
  );
  return {
    session,
    run,
    screen,
    keys: (...keys) => void run("send-keys", "-t", session, ...keys),
    type: (text) => void run("send-keys", "-t", session, "-l", text),
    shows: (check, timeoutMs) => waitScreen(check, true, timeoutMs),
    hides: (check, timeoutMs) => waitScreen(check, false, timeoutMs),
    kill: () => void Bun.spawnSync(["tmux", "-L", socket, "kill-server"]),
  };
}

import type { Subprocess } from "bun";
import { waitFor } from "./ports.ts";

export const repoRoot = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");

export interface Child {
  proc: Subprocess<"ignore", "pipe", "pipe">;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code, sending SIGTERM first unless the process already ended. */
  stop(signal?: NodeJS.Signals): Promise<number>;
}

/** Spawns a command with output captured, in the repo root unless `cwd` says otherwise. */
export function spawnChild(cmd: string[], env: Record<string, string>, cwd = repoRoot): Child {
  const proc = Bun.spawn(cmd, {
    cwd,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", AJET_LOG_LEVEL: "warn", ...env },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  let out = "";
  let err = "";
  const pump = async (stream: ReadableStream<Uint8Array>, add: (s: string) => void) => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) add(decoder.decode(chunk, { stream: true }));
  };
  void pump(proc.stdout, (s) => {
    out += s;
  });
  void pump(proc.stderr, (s) => {
    err += s;
  });
  return {
    proc,
    stdout: () => out,
    stderr: () => err,
    async stop(signal = "SIGTERM") {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      return await proc.exited;
    },
  };
}

/** Waits until GET url answers 200, failing early with the child's output if it exits first. */
// Generous: a first start creates the embedded database, which takes seconds on a busy machine.
export async function waitUntilReady(child: Child, url: string, timeoutMs = 90_000) {
  await waitFor(
    async () => {
      if (child.proc.exitCode !== null) {
        throw new Error(`exited with ${child.proc.exitCode}: ${child.stderr().slice(-2000)}`);
      }
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (res.status !== 200) throw new Error(`${url} answered ${res.status}: ${await res.text()}`);
    },
    timeoutMs,
    url,
  );
}

import type { Subprocess } from "bun";
import { waitFor } from "../../test/support/ports.ts";

/** One process of the cluster: a service instance, kept with what it needs to be started again. */
export interface Instance {
  /** e.g. "api-1". */
  name: string;
  port: number;
  /** http://127.0.0.1:<port> (https for nginx) */
  url: string;
  /** What answers 200 once it is ready. */
  readyUrl: string;
  /** Readiness other than an HTTP 200 (PostgreSQL); replaces the readyUrl check. */
  probe?: () => Promise<void>;
  readonly pid: number;
  /** The last lines it wrote (stdout and stderr), for a failure message. */
  output(): string;
  /** Sends a signal (SIGKILL, SIGSTOP, SIGCONT, SIGTERM…) without waiting. */
  signal(signal: NodeJS.Signals): void;
  /** Resolves with the exit code or signal once the process has ended. */
  exited(): Promise<number | null>;
  /** Starts it again (same port and environment) after it ended. */
  start(): void;
  /** SIGTERM, or SIGKILL after `graceMs`; resolves when it is gone. */
  stop(graceMs?: number): Promise<void>;
}

const KEEP_CHARS = 20_000;

/**
 * A service instance as a child process. Its output is kept (the last 20 KB) and, when `echo` is
 * given, also passed on line by line (the setup link, warnings) with the instance's name in front.
 */
export function serviceInstance(spec: {
  name: string;
  port: number;
  command: string[];
  env: Record<string, string>;
  /** Default: <url>/readyz. */
  readyUrl?: string;
  scheme?: "http" | "https";
  probe?: () => Promise<void>;
  echo?: (name: string, line: string) => void;
}): Instance {
  const url = `${spec.scheme ?? "http"}://127.0.0.1:${spec.port}`;
  let proc: Subprocess<"ignore", "pipe", "pipe"> | undefined;
  let output = "";
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    let partial = "";
    for await (const chunk of stream) {
      const text = decoder.decode(chunk, { stream: true });
      output = (output + text).slice(-KEEP_CHARS);
      partial += text;
      const lines = partial.split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines) spec.echo?.(spec.name, line);
    }
  };
  const instance: Instance = {
    name: spec.name,
    port: spec.port,
    url,
    readyUrl: spec.readyUrl ?? `${url}/readyz`,
    probe: spec.probe,
    get pid() {
      return proc?.pid ?? -1;
    },
    output: () => output,
    signal(signal) {
      if (proc && proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
    },
    async exited() {
      return proc ? await proc.exited : null;
    },
    start() {
      proc = Bun.spawn(spec.command, {
        env: spec.env,
        stdin: "ignore",
        stdout: "pipe",
        stderr: "pipe",
      });
      void pump(proc.stdout);
      void pump(proc.stderr);
    },
    async stop(graceMs = 10_000) {
      if (!proc) return;
      const running = proc;
      if (running.exitCode !== null || running.signalCode !== null) return;
      running.kill("SIGCONT");
      running.kill("SIGTERM");
      const timer = setTimeout(() => running.kill("SIGKILL"), graceMs);
      await running.exited;
      clearTimeout(timer);
    },
  };
  return instance;
}

/** Waits until the instance answers 200 on /readyz; the failure carries the instance's last output. */
export async function waitReady(instance: Instance, timeoutMs = 90_000, tls?: { ca: string }) {
  try {
    await waitFor(
      async () => {
        if (instance.probe) return await instance.probe();
        const res = await fetch(instance.readyUrl, { signal: AbortSignal.timeout(2000), tls });
        if (res.status !== 200) throw new Error(`answered ${res.status}`);
      },
      timeoutMs,
      `${instance.name} ready`,
    );
  } catch (err) {
    throw new Error(`${(err as Error).message}\n${instance.output().slice(-1500)}`);
  }
}

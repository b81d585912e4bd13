import { chmodSync, mkdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { z } from "zod";
import { createBackup } from "../backup/create.ts";
import type { Config } from "../config.ts";
import { AppError, type ErrorKind, invalid } from "../errors.ts";
import { log } from "../log.ts";
import type { AdminDeps, AdminOutput } from "./deps.ts";
import { runAdminCommand } from "./run.ts";

// Unix socket paths are limited to 108 bytes on Linux.
const MAX_SOCKET_PATH = 100;

/** Where a running embedded server takes admin requests: inside the data dir, which the server owns. */
export const adminSocketPath = (config: Config) => join(config.dataDir, "run", "admin.sock");

const adminRequest = z.object({
  argv: z.array(z.string().max(4096)).max(100),
  os_user: z.string().max(200),
});
type AdminRequest = z.infer<typeof adminRequest>;

const failureBody = (err: unknown) => {
  const known = err instanceof AppError && err.kind !== "internal";
  if (!known) log.error("admin command failed", { error: String(err) });
  return {
    error: known
      ? { kind: err.kind, code: err.code, message: err.message }
      : { kind: "internal", code: "internal", message: `failed: ${(err as Error)?.message ?? err}` },
  };
};
const failure = (err: unknown) => Response.json(failureBody(err));

/**
 * A command's answer as JSON lines: `{"progress": "…"}` as it goes (a long import's one line per
 * conversation), then `{"output": …}` or `{"error": …}`, so the shell shows progress as it happens.
 */
function answerLines(run: (progress: (line: string) => void) => Promise<AdminOutput>) {
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    async start(controller) {
      const send = (value: unknown) => controller.enqueue(encoder.encode(`${JSON.stringify(value)}\n`));
      try {
        send({ output: await run((line) => send({ progress: line })) });
      } catch (err) {
        send(failureBody(err));
      }
      controller.close();
    },
  });
  return new Response(body, { headers: { "content-type": "application/x-ndjson" } });
}

/**
 * Serves `ajet-chat admin` and `ajet-chat backup` for the server's own shell users, while the server
 * holds the data dir's lock: a unix socket in a 0700 folder, itself 0600, so only the account that
 * runs the server (or root) can connect. That is the whole authorization, as with `mmctl --local`;
 * the OS user the client names is recorded in the audit log, not trusted for anything else.
 */
export function serveAdminSocket(config: Config, deps: Omit<AdminDeps, "osUser">) {
  const path = adminSocketPath(config);
  if (path.length > MAX_SOCKET_PATH) {
    log.warn(
      "the data dir's path is too long for the admin socket; ajet-chat admin works only while the server is stopped",
      { path },
    );
    return { stop: async () => {} };
  }
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  chmodSync(dirname(path), 0o700);
  // We hold the data dir's lock, so a socket file here was left by a server that died.
  rmSync(path, { force: true });
  const server = Bun.serve({
    unix: path,
    async fetch(req, srv) {
      // A dump of a large database takes a while before the first byte goes out.
      srv.timeout(req, 0);
      const url = new URL(req.url);
      try {
        const parsed = adminRequest.safeParse(await req.json().catch(() => null));
        if (!parsed.success) throw invalid("not an admin request");
        const { argv, os_user: osUser } = parsed.data;
        if (url.pathname === "/backup") return new Response(await createBackup(deps, osUser));
        return answerLines((progress) => runAdminCommand({ ...deps, osUser, progress }, argv));
      } catch (err) {
        return failure(err);
      }
    },
  });
  chmodSync(path, 0o600);
  return {
    async stop() {
      await server.stop(true);
      rmSync(path, { force: true });
    },
  };
}

/** Thrown by the client when nothing answers on the socket: the server is not running. */
export class NoServer extends Error {}

async function call(config: Config, route: string, body: AdminRequest) {
  try {
    return await fetch(`http://localhost${route}`, {
      unix: adminSocketPath(config),
      // A command answers when it is done: an export or import of a large community is silent for
      // longer than fetch's default idle limit (5 minutes).
      timeout: false,
      method: "POST",
      body: JSON.stringify(body),
    });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ECONNREFUSED" || code === "FailedToOpenSocket") throw new NoServer();
    throw err;
  }
}

const rebuild = (e: { kind: ErrorKind; code: string; message: string }) =>
  new AppError(e.kind, e.code, e.message);

type Answer = { output?: AdminOutput; error?: Parameters<typeof rebuild>[0]; progress?: string };

/** The JSON lines of a streamed answer, as they arrive. */
async function* answerLinesOf(body: ReadableStream<Uint8Array>) {
  const decoder = new TextDecoder();
  let buffer = "";
  for await (const chunk of body) {
    buffer += decoder.decode(chunk, { stream: true });
    let cut = buffer.indexOf("\n");
    while (cut >= 0) {
      yield JSON.parse(buffer.slice(0, cut)) as Answer;
      buffer = buffer.slice(cut + 1);
      cut = buffer.indexOf("\n");
    }
  }
}

/**
 * Runs an admin command in the running server, handing its progress lines to `progress` as they
 * come; throws NoServer when none listens.
 */
export async function callAdminCommand(
  config: Config,
  argv: string[],
  osUser: string,
  progress: (line: string) => void = () => {},
): Promise<AdminOutput> {
  const res = await call(config, "/admin", { argv, os_user: osUser });
  // A request refused before the command ran is answered as one JSON object.
  if (!res.body || (res.headers.get("content-type") ?? "").startsWith("application/json")) {
    const answer = (await res.json()) as Answer;
    if (answer.error) throw rebuild(answer.error);
    return answer.output as AdminOutput;
  }
  for await (const answer of answerLinesOf(res.body)) {
    if (answer.progress !== undefined) progress(answer.progress);
    else if (answer.error) throw rebuild(answer.error);
    else if (answer.output) return answer.output;
  }
  throw new Error("the server's answer ended early");
}

/** The running server's backup stream; throws NoServer when none listens. */
export async function callBackup(config: Config, osUser: string): Promise<ReadableStream<Uint8Array>> {
  const res = await call(config, "/backup", { argv: [], os_user: osUser });
  if ((res.headers.get("content-type") ?? "").startsWith("application/json")) {
    const answer = (await res.json()) as { error: Parameters<typeof rebuild>[0] };
    throw rebuild(answer.error);
  }
  if (!res.body) throw new Error("the server sent no backup");
  return res.body;
}

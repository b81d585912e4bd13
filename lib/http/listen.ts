import type { Server } from "bun";
import { log } from "../log.ts";
import { StartupError } from "../startup-error.ts";
import type { App } from "./app.ts";

export interface Listening {
  server: Server<unknown>;
  url: string;
  /**
   * Graceful stop: refuse new connections, end long-lived streams, let in-flight requests finish,
   * and cut what remains after `graceMs`.
   */
  stop(graceMs?: number): Promise<void>;
}

interface ListenOptions {
  host: string;
  port: number;
  maxRequestBodySize: number;
}

/** Serves `app` on host:port (port 0 picks a free one); a taken port is a one-line StartupError. */
export function listen(app: App, options: ListenOptions): Listening {
  let server: Server<unknown>;
  try {
    server = serve(app, options);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === "EADDRINUSE" ? "the port is in use by another program" : (err as Error).message;
    throw new StartupError(`${app.name} cannot listen on ${options.host}:${options.port}: ${why}`);
  }
  const host = server.hostname ?? options.host;
  return {
    server,
    url: `http://${host.includes(":") ? `[${host}]` : host}:${server.port}`,
    async stop(graceMs = 10_000) {
      app.beginShutdown();
      let timer: ReturnType<typeof setTimeout> | undefined;
      const forced = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          log.warn("forcing shutdown: requests still running", { service: app.name });
          resolve(server.stop(true));
        }, graceMs);
      });
      await Promise.race([server.stop(false), forced]);
      clearTimeout(timer);
    },
  };
}

function serve(app: App, options: ListenOptions) {
  return Bun.serve({
    hostname: options.host,
    port: options.port,
    maxRequestBodySize: options.maxRequestBodySize,
    // Bun's default 10 s idle timeout would cut SSE; streams disable it per request, and slow
    // uploads get a minute.
    idleTimeout: 60,
    fetch: (req, srv) => app.fetch(req, { server: srv, ip: srv.requestIP(req)?.address }),
    error: (err) => {
      log.error("server error", { error: err.message, stack: err.stack });
      return Response.json(
        { error: { code: "internal", message: "something went wrong on our side" } },
        { status: 500 },
      );
    },
  });
}

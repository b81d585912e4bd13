import type { Server } from "bun";
import type { Config } from "../config.ts";
import { log } from "../log.ts";
import { StartupError } from "../startup-error.ts";
import { registry } from "./metrics.ts";

// Left to the default, a service run alone takes the metrics port after the one before it, as its
// HTTP port does, so four services on one box do not collide; a port given is taken as given.
const OFFSET: Record<string, number> = { "auth-gw": 0, api: 1, "web-sm": 2, "tui-sm": 3 };

let shared: { server: Server<unknown>; users: number } | undefined;

/**
 * Serves the process's registry as Prometheus text on its own listener (loopback by default), so
 * nothing on the public door answers `/metrics`. One listener per process: the first service
 * started opens it and the last one stopped closes it. A default port that another program holds
 * is a warning (metrics are not worth refusing to start over); a port the operator chose is not.
 */
export function serveMetrics(config: Config, service: string): { url: string | null; stop(): void } {
  const metrics = config.metrics;
  if (!metrics) return { url: null, stop() {} };
  if (!shared) {
    const port =
      metrics.explicit || metrics.port === 0 ? metrics.port : metrics.port + (OFFSET[service] ?? 0);
    try {
      shared = { server: listenMetrics(metrics.host, port), users: 0 };
    } catch (err) {
      const why = (err as NodeJS.ErrnoException).code === "EADDRINUSE" ? "the port is in use" : String(err);
      if (metrics.explicit)
        throw new StartupError(`metrics cannot listen on ${metrics.host}:${port}: ${why}`);
      log.warn("metrics not served", { host: metrics.host, port, error: why });
      return { url: null, stop() {} };
    }
    log.info("metrics listening", { url: urlOf(shared.server) });
  }
  const held = shared;
  held.users++;
  let stopped = false;
  return {
    url: urlOf(held.server),
    stop() {
      if (stopped) return;
      stopped = true;
      held.users--;
      if (held.users > 0 || shared !== held) return;
      shared = undefined;
      held.server.stop(true);
    },
  };
}

function listenMetrics(host: string, port: number) {
  return Bun.serve({
    hostname: host,
    port,
    async fetch(req) {
      const { pathname } = new URL(req.url);
      if (pathname !== "/metrics") return new Response("not found\n", { status: 404 });
      return new Response(await registry.metrics(), { headers: { "Content-Type": registry.contentType } });
    },
  });
}

const urlOf = (server: Server<unknown>) => {
  const host = server.hostname ?? "127.0.0.1";
  return `http://${host.includes(":") ? `[${host}]` : host}:${server.port}/metrics`;
};

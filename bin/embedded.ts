import { serveAdminSocket } from "../lib/admin/socket.ts";
import { startUploadSweeper } from "../lib/attachments/sweep.ts";
import type { Config } from "../lib/config.ts";
import type { Database } from "../lib/db/client.ts";
import { type Listening, listen } from "../lib/http/listen.ts";
import { internalSecretOf } from "../lib/internal-secret.ts";
import type { LiveParts } from "../lib/live/session-manager.ts";
import { createStreamLimits } from "../lib/live/stream-limits.ts";
import { serveMetrics } from "../lib/metrics/listener.ts";
import { openResources, type Running } from "../lib/runtime.ts";
import { createApiApp } from "../services/api/main.ts";
import { createGatewayApp } from "../services/auth-gw/main.ts";
import { createTuiService } from "../services/tui-sm/main.ts";
import { createWebService } from "../services/web-sm/main.ts";

export interface Embedded extends Running {
  database: Database;
}

/**
 * All four services in one process sharing one database, bus and store. The gateway hands requests
 * to the other services in-process (a proxy hop costs real CPU on a small box), so only the gateway
 * listens: nothing reaches the services behind it except through its door. They still check the
 * internal secret, as they would over a network.
 */
export async function startEmbedded(config: Config): Promise<Embedded> {
  const resources = await openResources(config, { db: true, bus: true, store: true }, "ajet-chat");
  const { db, bus, store } = resources as Required<typeof resources>;
  let gateway: Listening;
  let stopSweeper: () => Promise<void>;
  let stopScheduler: () => Promise<void>;
  let stopApiWork: () => Promise<void>;
  let live: LiveParts[];
  let metrics: ReturnType<typeof serveMetrics>;
  let adminSocket: { stop(): Promise<void> } | undefined;
  try {
    const secret = internalSecretOf(config);
    const apiApp = createApiApp({ config, db, bus, store });
    stopSweeper = startUploadSweeper(db.db, store);
    stopApiWork = apiApp.stopWork;
    const api = { name: "api", app: apiApp, secret };
    // Web and terminal streams of one person count together against their limit.
    const limits = createStreamLimits(config.streamLimits);
    const web = await createWebService({ config, bus, api, limits });
    const tui = await createTuiService({ config, bus, api, limits });
    live = [web.live, tui.live];
    const gatewayApp = createGatewayApp({
      config,
      db,
      bus,
      upstreams: {
        api,
        web: { name: "web-sm", app: web.app, secret },
        tui: { name: "tui-sm", app: tui.app, secret },
      },
    });
    // One listener for the one process, whose registry all four services record in; opened before
    // the gateway's, so a refused metrics port leaves no door open.
    metrics = serveMetrics(config, "ajet-chat");
    try {
      gateway = listen(gatewayApp, {
        host: config.host,
        port: config.ports.gateway,
        maxRequestBodySize: config.limits.maxUploadBytes + 1024 * 1024,
      });
    } catch (err) {
      metrics.stop();
      throw err;
    }
    // With AJET_PORT=0 the port is the one the listener got; links (setup, invites, OAuth) must
    // carry it. Services read the URL when they make a link, so they all see the real one from now.
    if (config.publicUrlFromListener) config.publicUrl = gateway.url.replace(/\/$/, "");
    // The server holds the embedded database's lock, so `ajet-chat admin` on the box comes in here.
    if (config.database.kind === "pglite")
      adminSocket = serveAdminSocket(config, { config, database: db, bus, store });
    // Last, so a start that failed above leaves no poller behind.
    stopScheduler = apiApp.startScheduler();
  } catch (err) {
    await adminSocket?.stop();
    await resources.close();
    throw err;
  }
  return {
    url: gateway.url,
    metricsUrl: metrics.url,
    database: db,
    async stop() {
      // No new delivery starts once stopping has begun; one under way finishes first. Then the door
      // closes, then the streams behind it, then what they share.
      await stopScheduler();
      await adminSocket?.stop();
      await gateway.stop(config.shutdownGraceMs);
      metrics.stop();
      await Promise.all(live.map((l) => l.close()));
      await stopApiWork();
      await stopSweeper();
      await resources.close();
    },
  };
}

import { startUploadSweeper } from "../lib/attachments/sweep.ts";
import type { Config } from "../lib/config.ts";
import type { Database } from "../lib/db/client.ts";
import { type Listening, listen } from "../lib/http/listen.ts";
import { openResources, type Running } from "../lib/runtime.ts";
import { createApiApp } from "../services/api/main.ts";
import { createGatewayApp } from "../services/auth-gw/main.ts";
import { createTuiService } from "../services/tui-sm/main.ts";
import { createWebService } from "../services/web-sm/main.ts";

export interface Embedded extends Running {
  urls: { gateway: string; api: string; web: string; tui: string };
  database: Database;
}

/**
 * All four services in one process sharing one database, bus and store. The gateway hands requests
 * to the other services in-process instead of over TCP (a proxy hop costs real CPU on a small box);
 * each service still listens on its own port too, for health checks and direct use.
 */
export async function startEmbedded(config: Config): Promise<Embedded> {
  const resources = await openResources(config, { db: true, bus: true, store: true }, "ajet-chat");
  const { db, bus, store } = resources as Required<typeof resources>;
  const apiApp = createApiApp({ config, db, bus, store });
  const stopSweeper = startUploadSweeper(db.db, store);
  const api = { name: "api", app: apiApp };
  const { app: webApp, live: webLive } = await createWebService({ config, bus, api });
  const { app: tuiApp, live: tuiLive } = await createTuiService({ config, bus, api });
  const gatewayApp = createGatewayApp({
    config,
    db,
    bus,
    upstreams: { api, web: { name: "web-sm", app: webApp }, tui: { name: "tui-sm", app: tuiApp } },
  });

  const servers: Listening[] = [];
  try {
    const upload = config.limits.maxUploadBytes + 1024 * 1024;
    servers.push(listen(apiApp, { host: config.host, port: config.ports.api, maxRequestBodySize: upload }));
    servers.push(
      listen(webApp, {
        host: config.host,
        port: config.ports.web,
        maxRequestBodySize: config.limits.maxBodyBytes,
      }),
    );
    servers.push(
      listen(tuiApp, {
        host: config.host,
        port: config.ports.tui,
        maxRequestBodySize: config.limits.maxBodyBytes,
      }),
    );
    servers.push(
      listen(gatewayApp, { host: config.host, port: config.ports.gateway, maxRequestBodySize: upload }),
    );
  } catch (err) {
    for (const s of servers) await s.stop(0);
    await resources.close();
    throw err;
  }
  const [apiL, webL, tuiL, gwL] = servers as [Listening, Listening, Listening, Listening];
  return {
    url: gwL.url,
    urls: { gateway: gwL.url, api: apiL.url, web: webL.url, tui: tuiL.url },
    database: db,
    async stop() {
      // The door closes first, then the services behind it, then what they share.
      await gwL.stop(config.shutdownGraceMs);
      await Promise.all([webLive.close(), tuiLive.close()]);
      await Promise.all([webL.stop(config.shutdownGraceMs), tuiL.stop(config.shutdownGraceMs)]);
      await stopSweeper();
      await apiL.stop(config.shutdownGraceMs);
      await resources.close();
    },
  };
}

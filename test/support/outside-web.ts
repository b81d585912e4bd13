import type { Server } from "bun";
import { parseCidr } from "../../lib/outbound/address.ts";
import type { OutboundAllow } from "../../lib/outbound/allow-list.ts";
import { createOutbound, type Outbound, type Resolver } from "../../lib/outbound/fetch.ts";

/** What a site saw: each request's path and Host header. */
export interface Visit {
  path: string;
  host: string | null;
}

/**
 * "The internet" for outbound tests: a public site on 127.0.0.2 (which only the test's fetcher
 * treats as public) and an internal one on 127.0.0.1 that must never be reached, each on a free
 * port, plus a DNS table the fetcher resolves names with.
 */
export interface OutsideWeb {
  /** The public site's routes: path → response maker. */
  routes: Record<string, (req: Request) => Response | Promise<Response>>;
  publicPort: number;
  internalPort: number;
  publicVisits: Visit[];
  internalVisits: Visit[];
  /** Names → addresses the fetcher's resolver answers; each lookup is recorded. */
  dns: Record<string, string[]>;
  lookups: string[];
  /** A URL on the public site under the name `news.example`. */
  url(path: string): string;
  /** The internal site's URL by address. */
  internalUrl(path: string): string;
  /** A fetcher over this web, with production rules except that 127.0.0.2 and the two ports count as public. */
  outbound(allow?: OutboundAllow): Outbound;
  stop(): void;
}

export function startOutsideWeb(): OutsideWeb {
  const publicVisits: Visit[] = [];
  const internalVisits: Visit[] = [];
  const routes: OutsideWeb["routes"] = {};
  const serve = (hostname: string, visits: Visit[], answer: (req: Request) => Response | Promise<Response>) =>
    Bun.serve({
      hostname,
      port: 0,
      idleTimeout: 0,
      fetch(req) {
        visits.push({ path: new URL(req.url).pathname, host: req.headers.get("host") });
        return answer(req);
      },
    });
  const pub: Server<undefined> = serve("127.0.0.2", publicVisits, (req) => {
    const handler = routes[new URL(req.url).pathname];
    return handler ? handler(req) : new Response("not here", { status: 404 });
  });
  const internal: Server<undefined> = serve(
    "127.0.0.1",
    internalVisits,
    () => new Response("<title>internal admin</title>", { headers: { "content-type": "text/html" } }),
  );
  const lookups: string[] = [];
  const dns: Record<string, string[]> = { "news.example": ["127.0.0.2"] };
  const resolve: Resolver = async (host) => {
    lookups.push(host);
    return dns[host] ?? [];
  };
  const web: OutsideWeb = {
    routes,
    publicPort: pub.port as number,
    internalPort: internal.port as number,
    publicVisits,
    internalVisits,
    dns,
    lookups,
    url: (path) => `http://news.example:${pub.port}${path}`,
    internalUrl: (path) => `http://127.0.0.1:${internal.port}${path}`,
    outbound: (allow) =>
      createOutbound({
        allow,
        resolve,
        testing: {
          publicCidrs: [parseCidr("127.0.0.2/32") as NonNullable<ReturnType<typeof parseCidr>>],
          // The internal site's port is open too, so only its address can be what refuses it.
          ports: [pub.port as number, internal.port as number],
        },
      }),
    stop() {
      pub.stop(true);
      internal.stop(true);
    },
  };
  return web;
}

/** An HTML page with Open Graph tags. */
export const ogPage = (tags: Record<string, string>, title = "A page") =>
  new Response(
    `<!doctype html><html><head><title>${title}</title>${Object.entries(tags)
      .map(([k, v]) => `<meta property="${k}" content="${v}">`)
      .join("")}</head><body>hello</body></html>`,
    { headers: { "content-type": "text/html; charset=utf-8" } },
  );

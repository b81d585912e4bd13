/**
 * What a browser talks to: the in-process test gateway (a `TestGateway`), or a server over HTTP
 * (`overHttp`).
 */
export interface BrowserTarget {
  config: { publicUrl: string };
  request(path: string, init?: RequestInit & { ip?: string }): Promise<Response>;
}

/** A server listening at `base`, for a Browser; the client address is the socket's, whatever `ip` says. */
export const overHttp = (base: string): BrowserTarget => ({
  config: { publicUrl: base },
  request: (path, { ip: _ip, ...init } = {}) => fetch(base + path, { ...init, redirect: "manual" }),
});

interface StoredCookie {
  name: string;
  value: string;
  path: string;
  attributes: string[];
}

/**
 * A browser as far as sign-in flows need one: a cookie jar (name and path; every host here is
 * 127.0.0.1, where cookies ignore ports anyway), redirects not followed, so each hop can be checked.
 * Requests to the gateway's public URL go to the in-process gateway; others over the network.
 */
export class Browser {
  private jar = new Map<string, StoredCookie>();

  constructor(
    private gw: BrowserTarget,
    readonly ip = "203.0.113.10",
  ) {}

  /** The jar as it is now, to put back later (replaying a callback as an attacker would). */
  snapshot(): Map<string, StoredCookie> {
    return new Map(this.jar);
  }

  restore(snapshot: Map<string, StoredCookie>) {
    this.jar = new Map(snapshot);
  }

  cookie(name: string): StoredCookie | undefined {
    return [...this.jar.values()].find((c) => c.name === name);
  }

  setCookie(name: string, value: string, path = "/") {
    this.jar.set(`${name};${path}`, { name, value, path, attributes: [] });
  }

  get(url: string, headers: Record<string, string> = {}) {
    return this.send(url, { method: "GET", headers });
  }

  /** A same-origin form post, with the Origin header a browser adds. */
  postForm(url: string, fields: Record<string, string>, headers: Record<string, string> = {}) {
    return this.send(url, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        origin: new URL(this.gw.config.publicUrl).origin,
        ...headers,
      },
      body: new URLSearchParams(fields).toString(),
    });
  }

  /** Follows redirects (302/303) from `url` until an answer that is not one; returns every hop. */
  async follow(url: string): Promise<Response[]> {
    const hops: Response[] = [];
    let next: string | null = new URL(url, this.gw.config.publicUrl).toString();
    while (next && hops.length < 10) {
      const res: Response = await this.get(next);
      hops.push(res);
      const location = res.headers.get("location");
      next = res.status >= 300 && res.status < 400 && location ? new URL(location, next).toString() : null;
    }
    return hops;
  }

  private async send(url: string, init: { method: string; headers: Record<string, string>; body?: string }) {
    const target = new URL(url, this.gw.config.publicUrl);
    const cookies = [...this.jar.values()]
      .filter((c) => target.pathname === c.path || target.pathname.startsWith(c.path.replace(/\/?$/, "/")))
      .map((c) => `${c.name}=${c.value}`)
      .join("; ");
    const headers = { ...(cookies ? { cookie: cookies } : {}), ...init.headers };
    const local = target.origin === new URL(this.gw.config.publicUrl).origin;
    const res = local
      ? await this.gw.request(target.pathname + target.search, { ...init, headers, ip: this.ip })
      : await fetch(target, { ...init, headers, redirect: "manual" });
    if (local) this.store(res);
    return res;
  }

  private store(res: Response) {
    for (const line of res.headers.getSetCookie()) {
      const [pair = "", ...attrs] = line.split(";").map((s) => s.trim());
      const eq = pair.indexOf("=");
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      const path = attrs.find((a) => /^path=/i.test(a))?.slice(5) ?? "/";
      const key = `${name};${path}`;
      if (attrs.some((a) => /^max-age=0$/i.test(a))) this.jar.delete(key);
      else this.jar.set(key, { name, value, path, attributes: attrs });
    }
  }
}

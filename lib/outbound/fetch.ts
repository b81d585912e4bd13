import type { LookupAddress } from "node:dns";
import { lookup as dnsLookup } from "node:dns/promises";
import http, { type IncomingMessage } from "node:http";
import https from "node:https";
import type { LookupFunction } from "node:net";
import ipaddr from "ipaddr.js";
import { AppError, tooLarge } from "../errors.ts";
import { type Cidr, inCidrs, refusedAddress } from "./address.ts";
import { allows, NOTHING_ALLOWED, type OutboundAllow } from "./allow-list.ts";

/** Turns a host name into its addresses; the fetcher asks once per hop and connects to what it got. */
export type Resolver = (host: string) => Promise<string[]>;

const systemResolver: Resolver = async (host) =>
  (await dnsLookup(host, { all: true, verbatim: true })).map((a) => a.address);

/**
 * Who a request is for. Link previews follow links anyone can paste, so they only ever reach public
 * addresses; integrations (slash commands, outgoing webhooks, icons) call what an admin configured
 * and may also reach the operator's `AJET_OUTBOUND_ALLOW` list.
 */
export type Purpose = "unfurl" | "integration";

export interface OutboundRequest {
  purpose: Purpose;
  /** GET unless said; a POST is never redirected (its answer is the 3xx itself), as Slack's clients do. */
  method?: "GET" | "POST";
  /** The POST body, sent with the `content-type` header the caller gives. */
  body?: string | Uint8Array;
  /**
   * Content types accepted (prefixes such as `text/html`, `image/`; `*` for any, what an
   * integration's reply may be); anything else is refused unread.
   */
  accept: readonly string[];
  maxBytes: number;
  /** Keep the first `maxBytes` and stop reading, instead of refusing a longer body (a page's head is enough). */
  truncate?: boolean;
  timeoutMs: number;
  headers?: Record<string, string>;
}

export interface OutboundResponse {
  status: number;
  /** Where the body came from after redirects. */
  url: string;
  contentType: string;
  body: Uint8Array;
}

export interface OutboundOptions {
  allow?: OutboundAllow;
  resolve?: Resolver;
  /**
   * Tests only: addresses treated as public and ports opened beside 80/443, so a test can serve a
   * "public" site from 127.0.0.2 on a free port. Nothing in the configuration reaches these.
   */
  testing?: { publicCidrs: readonly Cidr[]; ports: readonly number[] };
}

export interface Outbound {
  fetch(url: string, request: OutboundRequest): Promise<OutboundResponse>;
}

/** A lookup that answers every question with the one address already checked. */
function pinnedLookup(address: string, family: number): LookupFunction {
  return (_host, opts, cb) => {
    if (!opts.all) return cb(null, address, family);
    (cb as unknown as (err: null, all: LookupAddress[]) => void)(null, [{ address, family }]);
  };
}

const MAX_REDIRECTS = 5;
const USER_AGENT: Record<Purpose, string> = {
  unfurl: "ajet-chat (link previews; +https://github.com/ajet/ajet-chat)",
  integration: "ajet-chat (integrations; +https://github.com/ajet/ajet-chat)",
};

const refused = (why: string) => new AppError("forbidden", "outbound_refused", `refused to fetch: ${why}`);
const timedOut = () => new AppError("unavailable", "outbound_timeout", "the remote server took too long");

/**
 * The server's one way out to the internet, safe against server-side request forgery: http(s) on
 * ports 80/443 only; each hop's name resolved once and the connection made to that very address (no
 * second lookup an attacker's DNS could answer differently); private, loopback, link-local
 * (cloud metadata), multicast, IPv4-mapped and other special addresses refused; every redirect
 * checked again; one deadline over all hops; the body capped and its content type checked first.
 */
export function createOutbound(options: OutboundOptions = {}): Outbound {
  const allow = options.allow ?? NOTHING_ALLOWED;
  const resolve = options.resolve ?? systemResolver;
  const testing = options.testing;

  async function target(url: URL, purpose: Purpose) {
    if (url.protocol !== "http:" && url.protocol !== "https:")
      throw refused(`${url.protocol} is not http(s)`);
    if (url.username || url.password) throw refused("credentials in the URL");
    const host = url.hostname.replace(/^\[|\]$/g, "");
    const port = Number(url.port || (url.protocol === "https:" ? 443 : 80));
    const addresses = ipaddr.isValid(host) ? [host] : await resolve(host).catch(() => []);
    const address = addresses[0];
    if (!address) throw refused(`${host} does not resolve`);
    const opened = purpose === "integration" && addresses.every((a) => allows(allow, host, a));
    if (!opened) {
      if (port !== 80 && port !== 443 && !testing?.ports.includes(port)) throw refused(`port ${port}`);
      // Every answer is checked, not just the one used: a name that also points inside is refused.
      for (const a of addresses) {
        const why = testing && inCidrs(a, testing.publicCidrs) ? undefined : refusedAddress(a);
        if (why) throw refused(`${host} is a ${why}`);
      }
    }
    return { host, port, address, family: ipaddr.parse(address).kind() === "ipv4" ? 4 : 6 };
  }

  function open(url: URL, to: Awaited<ReturnType<typeof target>>, req: OutboundRequest, signal: AbortSignal) {
    const client = url.protocol === "https:" ? https : http;
    return new Promise<IncomingMessage>((done, fail) => {
      const r = client.request(
        url,
        {
          method: req.method ?? "GET",
          signal,
          headers: {
            "user-agent": USER_AGENT[req.purpose],
            accept: req.accept.map((t) => (t === "*" ? "*/*" : t)).join(", "),
            ...req.headers,
          },
          // The address checked above, never a fresh lookup; TLS still verifies the host name.
          lookup: pinnedLookup(to.address, to.family),
        },
        done,
      );
      r.on("error", fail);
      r.end(req.body);
    });
  }

  async function readCapped(res: IncomingMessage, { maxBytes, truncate }: OutboundRequest) {
    const over = () => tooLarge(`the remote body is over ${maxBytes} bytes`, "outbound_too_large");
    const declared = Number(res.headers["content-length"] ?? Number.NaN);
    if (declared > maxBytes && !truncate) throw over();
    const chunks: Uint8Array[] = [];
    let size = 0;
    for await (const chunk of res as AsyncIterable<Uint8Array>) {
      if (size + chunk.byteLength > maxBytes) {
        if (!truncate) throw over();
        chunks.push(chunk.subarray(0, maxBytes - size));
        break;
      }
      size += chunk.byteLength;
      chunks.push(chunk);
    }
    return Buffer.concat(chunks);
  }

  async function follow(start: string, req: OutboundRequest, signal: AbortSignal): Promise<OutboundResponse> {
    let url = new URL(start);
    for (let hop = 0; ; hop++) {
      const res = await open(url, await target(url, req.purpose), req, signal);
      const location = res.headers.location;
      const redirected = res.statusCode && res.statusCode >= 300 && res.statusCode < 400 && location;
      if (redirected && req.method !== "POST") {
        res.destroy();
        if (hop >= MAX_REDIRECTS) throw refused("too many redirects");
        url = new URL(location, url);
        continue;
      }
      const contentType = String(res.headers["content-type"] ?? "").toLowerCase();
      if (!req.accept.some((t) => t === "*" || contentType.startsWith(t))) {
        res.destroy();
        throw refused(`content type "${contentType || "none"}"`);
      }
      try {
        const body = await readCapped(res, req);
        return { status: res.statusCode ?? 0, url: url.href, contentType, body };
      } finally {
        res.destroy();
      }
    }
  }

  return {
    async fetch(url, req) {
      const deadline = new AbortController();
      const timer = setTimeout(() => deadline.abort(), req.timeoutMs);
      try {
        return await follow(url, req, deadline.signal);
      } catch (err) {
        if (deadline.signal.aborted) throw timedOut();
        if (err instanceof AppError) throw err;
        throw new AppError("unavailable", "outbound_failed", "the remote server could not be reached");
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

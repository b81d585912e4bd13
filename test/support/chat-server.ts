import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, waitFor } from "./ports.ts";
import { type Child, spawnChild, waitUntilReady } from "./process.ts";

export interface ChatPerson {
  id: string;
  username: string;
  token: string;
}

export interface ChatServer {
  base: string;
  dataDir: string;
  child: Child;
  /** The first person, owner of the community `acme` (made at start). */
  owner: ChatPerson;
  /** Another person invited into `acme`. */
  invite(username: string): Promise<ChatPerson>;
  /** A JSON request through the gateway as `who`; throws on 4xx/5xx with the body. */
  api<T = Record<string, unknown>>(
    who: ChatPerson | null,
    method: string,
    path: string,
    body?: unknown,
  ): Promise<T>;
  stop(): Promise<number>;
}

export type JsonCall = <T = Record<string, unknown>>(
  who: ChatPerson | null,
  method: string,
  path: string,
  body?: unknown,
) => Promise<T>;

/** JSON requests to a server as someone (or nobody); a 4xx or 5xx throws with its status and body. */
export function jsonOver(base: string): JsonCall {
  return async <T>(who: ChatPerson | null, method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(base + path, {
      method,
      headers: {
        ...(who ? { authorization: `Bearer ${who.token}` } : {}),
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (res.status >= 400) throw new Error(`${method} ${path} → ${res.status} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  };
}

/** Signs a new person in through a setup or invite link's JSON form. */
export async function signUp(api: JsonCall, linkPath: string, username: string): Promise<ChatPerson> {
  const { token } = await api<{ token: string }>(null, "POST", linkPath, {
    username,
    display_name: username,
  });
  const me = await api<{ id: string }>({ id: "", username, token }, "GET", "/api/me");
  return { id: me.id, username, token };
}

export interface FreshServer {
  base: string;
  dir: string;
  dataDir: string;
  child: Child;
  /** The one setup link start-up printed. */
  setupLink(): Promise<string>;
  stop(): Promise<number>;
}

/** `bun run start` in a temp data dir on free ports, ready, before anyone has used it. */
export async function startFreshServer(env: Record<string, string> = {}): Promise<FreshServer> {
  const dir = mkdtempSync(join(tmpdir(), "ajet-chat-"));
  const port = freePort();
  const base = `http://127.0.0.1:${port}`;
  const child = spawnChild(["bun", "run", "start"], {
    AJET_DATA_DIR: join(dir, "data"),
    AJET_PORT: String(port),
    AJET_API_PORT: String(freePort()),
    AJET_WEB_PORT: String(freePort()),
    AJET_TUI_PORT: String(freePort()),
    ...env,
  });
  await waitUntilReady(child, `${base}/readyz`);
  return {
    base,
    dir,
    dataDir: join(dir, "data"),
    child,
    setupLink: () =>
      waitFor(() => {
        const line = child
          .stdout()
          .split("\n")
          .find((l) => l.startsWith("setup link: "));
        if (!line) throw new Error("no setup link printed");
        return line.slice("setup link: ".length);
      }),
    async stop() {
      const code = await child.stop("SIGTERM");
      rmSync(dir, { recursive: true, force: true });
      return code;
    },
  };
}

/**
 * A fresh server set up as a new user would: the printed setup link makes the owner, who creates
 * the community `acme`. People join by invite links.
 */
export async function startChatServer(env: Record<string, string> = {}): Promise<ChatServer> {
  // Tests sign many people in from one address.
  const fresh = await startFreshServer({ AJET_RATE_AUTH_BURST: "0", ...env });
  const { base, child } = fresh;

  const api = jsonOver(base);
  const person = (path: string, username: string) => signUp(api, path, username);

  const owner = await person(new URL(await fresh.setupLink()).pathname, "alice");
  await api(owner, "POST", "/api/communities", { name: "Acme", slug: "acme" });

  return {
    base,
    dataDir: fresh.dataDir,
    child,
    owner,
    api,
    async invite(username) {
      const { url } = await api<{ url: string }>(owner, "POST", "/api/communities/acme/invites", {
        max_uses: 1,
      });
      return person(new URL(url).pathname, username);
    },
    stop: fresh.stop,
  };
}

/** Reads an SSE response as parsed events, as they arrive. */
export function sseReader(res: Response) {
  const reader = res.body?.getReader();
  if (!reader) throw new Error("no body");
  const decoder = new TextDecoder();
  let buffer = "";
  const events: { event: string; id?: string; data: string }[] = [];
  let ended = false;
  const pump = (async () => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let cut = buffer.indexOf("\n\n");
      while (cut >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        const e: { event: string; id?: string; data: string } = { event: "message", data: "" };
        const data: string[] = [];
        for (const line of block.split("\n")) {
          if (line.startsWith(":")) continue;
          const [field, ...rest] = line.split(":");
          const value = rest.join(":").replace(/^ /, "");
          if (field === "event") e.event = value;
          else if (field === "id") e.id = value;
          else if (field === "data") data.push(value);
        }
        if (data.length) {
          e.data = data.join("\n");
          events.push(e);
        }
        cut = buffer.indexOf("\n\n");
      }
    }
    ended = true;
  })().catch(() => {
    ended = true;
  });
  return {
    events,
    get ended() {
      return ended;
    },
    /** Waits for an event matching `test`, returning it. */
    async next(test: (e: { event: string; id?: string; data: string }) => boolean, timeoutMs = 10_000) {
      return waitFor(() => {
        const found = events.find(test);
        if (!found) throw new Error(`no such event yet; have ${events.map((x) => x.event).join(", ")}`);
        return found;
      }, timeoutMs);
    },
    cancel: () => reader.cancel().catch(() => {}),
    done: pump,
  };
}

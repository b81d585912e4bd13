import { liveApiTokenIds } from "../../lib/auth/api-tokens.ts";
import type { Principal } from "../../lib/auth/authenticate.ts";
import { liveSessionIds } from "../../lib/auth/sessions.ts";
import type { Db } from "../../lib/db/client.ts";
import { log } from "../../lib/log.ts";

// Ids per re-check query; a gateway may hold tens of thousands of streams.
const CHUNK = 1000;

const keyOf = (principal: Principal | null) =>
  principal ? `${principal.via}:${principal.credentialId}` : "anonymous";

/**
 * The streams (SSE) open through this gateway, by the credential that opened them. Every
 * `recheckMs` the credentials behind them are checked in one query per thousand, and the streams
 * of any that stopped working (revoked, signed out everywhere, expired, user removed) are closed;
 * a logout here closes its own at once. Checking on a timer rather than on a revocation event
 * catches every way a session can end, from any process, at one bounded query per tick.
 */
export function createStreamWatch(db: Db, recheckMs: number) {
  const open = new Map<string, Set<() => void>>();
  let timer: ReturnType<typeof setInterval> | undefined;
  let checking = false;

  function cut(key: string) {
    for (const close of open.get(key) ?? []) close();
  }

  async function stillLive(kind: string, ids: string[]) {
    const live = new Set<string>();
    const check = kind === "session" ? liveSessionIds : liveApiTokenIds;
    for (let i = 0; i < ids.length; i += CHUNK) {
      for (const id of await check(db, ids.slice(i, i + CHUNK))) live.add(id);
    }
    return live;
  }

  async function recheck() {
    if (checking) return;
    checking = true;
    try {
      for (const kind of ["session", "token"]) {
        const ids = [...open.keys()]
          .filter((k) => k.startsWith(`${kind}:`))
          .map((k) => k.slice(kind.length + 1));
        if (ids.length === 0) continue;
        const live = await stillLive(kind, ids);
        for (const id of ids) if (!live.has(id)) cut(`${kind}:${id}`);
      }
    } catch (err) {
      // Nothing can be revoked while the database is away; keep the streams and try again.
      log.warn("re-checking the credentials of open streams failed", { error: String(err) });
    } finally {
      checking = false;
    }
  }

  function forget(key: string, close: () => void) {
    const set = open.get(key);
    set?.delete(close);
    if (set?.size === 0) open.delete(key);
    if (open.size === 0) {
      clearInterval(timer);
      timer = undefined;
    }
  }

  return {
    /** Passes the stream through, closing it when its credential stops working. */
    track(principal: Principal | null, res: Response): Response {
      if (!res.body) return res;
      const key = keyOf(principal);
      const upstream = res.body.getReader();
      let done = false;
      let close = () => {};
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          close = () => {
            if (done) return;
            done = true;
            forget(key, close);
            upstream.cancel().catch(() => {});
            try {
              controller.close();
            } catch {
              // Already cancelled by the client leaving.
            }
          };
        },
        async pull(controller) {
          const chunk = await upstream.read().catch(() => ({ done: true, value: undefined }));
          if (done) return;
          if (chunk.done) close();
          else controller.enqueue(chunk.value);
        },
        cancel() {
          // The client left: the upstream read is cancelled with it, which ends the stream upstream.
          close();
        },
      });
      const set = open.get(key) ?? new Set();
      set.add(close);
      open.set(key, set);
      if (principal && !timer) {
        timer = setInterval(recheck, recheckMs);
        timer.unref?.();
      }
      return new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
    },
    /** Closes the streams of one credential now (its logout at this gateway). */
    cut: (principal: Principal) => cut(keyOf(principal)),
    /** Re-checks now instead of at the next tick. */
    recheck,
    /** Closes every stream (shutdown). */
    closeAll() {
      for (const key of [...open.keys()]) cut(key);
    },
    get size() {
      let n = 0;
      for (const set of open.values()) n += set.size;
      return n;
    },
  };
}

export type StreamWatch = ReturnType<typeof createStreamWatch>;

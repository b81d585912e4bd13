import { liveApiTokenIds } from "../../lib/auth/api-tokens.ts";
import type { Principal } from "../../lib/auth/authenticate.ts";
import { liveSessionIds } from "../../lib/auth/sessions.ts";
import type { Db } from "../../lib/db/client.ts";
import { log } from "../../lib/log.ts";

// Ids per re-check query; a gateway may hold tens of thousands of streams.
const CHUNK = 1000;

type Kind = Principal["via"];

/**
 * One stream as the watch holds it: nothing of its bytes, and no key built for it (the credential's
 * id is the principal's own string). `hop` ends the request behind it (and so the stream), and is
 * aborted when the client leaves; a weak reference to the body says when the service behind ended
 * it (the body is then no longer piped, and collected).
 */
interface Held {
  hop: AbortController;
  body: WeakRef<ReadableStream>;
  /** The credential behind it; null for an anonymous stream. */
  via: Kind | null;
  credentialId: string | null;
}

const ended = (h: Held) => h.hop.signal.aborted || h.body.deref() === undefined;

/**
 * The streams (SSE) open through this gateway, by the credential that opened them. Every
 * `recheckMs` the credentials behind them are checked in one query per thousand, and the streams
 * of any that stopped working (revoked, signed out everywhere, expired, user removed) are closed;
 * a logout here closes its own at once. Checking on a timer rather than on a revocation event
 * catches every way a session can end, from any process, at one bounded query per tick.
 *
 * A stream's body passes through untouched: Bun pipes it from the service behind to the client
 * without a JS read of each chunk (which costs a read buffer per stream, several times the rest of
 * the stream). Closing one aborts the request behind it (the door's `hop`): the service sees its
 * client leave and ends its side, and the client sees its connection end. Streams
 * that end by themselves (the client left, the service ended them) are forgotten at the next tick.
 */
export function createStreamWatch(db: Db, recheckMs: number) {
  // One set of every stream, not a set per credential: most credentials hold one stream, and a set
  // each cost more than the stream's own entry. A cut or a re-check walks them all, a few a tick.
  const open = new Set<Held>();
  let timer: ReturnType<typeof setInterval> | undefined;
  let checking = false;
  let again = false;

  /** Closes the streams of the credentials of `kind` with these ids. */
  function cut(kind: Kind, ids: Set<string>) {
    for (const held of open) {
      if (held.via !== kind || held.credentialId === null || !ids.has(held.credentialId)) continue;
      held.hop.abort();
      open.delete(held);
    }
    stopWhenIdle();
  }

  function stopWhenIdle() {
    if (open.size > 0) return;
    clearInterval(timer);
    timer = undefined;
  }

  /** Drops the streams that ended by themselves, so neither they nor their credentials are kept. */
  function sweep() {
    for (const held of open) if (ended(held)) open.delete(held);
  }

  async function stillLive(kind: Kind, ids: string[]) {
    const live = new Set<string>();
    const check = kind === "session" ? liveSessionIds : liveApiTokenIds;
    for (let i = 0; i < ids.length; i += CHUNK) {
      for (const id of await check(db, ids.slice(i, i + CHUNK))) live.add(id);
    }
    return live;
  }

  async function recheck() {
    // A re-check asked for while one runs (a revocation just heard) runs again after it: the one
    // running may have read the credentials from before the change.
    if (checking) {
      again = true;
      return;
    }
    checking = true;
    again = false;
    try {
      sweep();
      for (const kind of ["session", "token"] as const) {
        const ids = new Set<string>();
        for (const held of open) if (held.via === kind && held.credentialId) ids.add(held.credentialId);
        if (ids.size === 0) continue;
        const live = await stillLive(kind, [...ids]);
        // Only those checked: a stream opened while the query ran is for the next tick.
        cut(kind, new Set([...ids].filter((id) => !live.has(id))));
      }
    } catch (err) {
      // Nothing can be revoked while the database is away; keep the streams and try again.
      log.warn("re-checking the credentials of open streams failed", { error: String(err) });
    } finally {
      checking = false;
      stopWhenIdle();
    }
    if (again) await recheck();
  }

  return {
    /**
     * Watches a stream answered to a request whose hop behind ends on `hop` (the door's), closing
     * it when its credential stops working.
     */
    track(principal: Principal | null, res: Response, hop: AbortController) {
      if (!res.body) return;
      open.add({
        hop,
        body: new WeakRef(res.body),
        via: principal?.via ?? null,
        credentialId: principal?.credentialId ?? null,
      });
      if (!timer) {
        timer = setInterval(recheck, recheckMs);
        timer.unref?.();
      }
    },
    /** Closes the streams of one credential now (its logout at this gateway). */
    cut: (principal: Principal) => cut(principal.via, new Set([principal.credentialId])),
    /** Re-checks now instead of at the next tick. */
    recheck,
    /** Closes every stream (shutdown). */
    closeAll() {
      for (const held of open) held.hop.abort();
      open.clear();
      stopWhenIdle();
    },
    /** Streams open (those that ended since the last tick are not counted). */
    get size() {
      let n = 0;
      for (const held of open) if (!ended(held)) n++;
      return n;
    },
  };
}

export type StreamWatch = ReturnType<typeof createStreamWatch>;

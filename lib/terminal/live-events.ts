import { errorOf } from "../client/api-client.ts";
import type { AppError } from "../errors.ts";

/** One event of the TUI session manager's stream (`GET /tui/events`), its data parsed. */
export interface LiveEvent {
  event: string;
  id?: string;
  data: unknown;
}

export type LiveStatus = "connecting" | "live" | "reconnecting";

export interface LiveStreamOptions {
  server: string;
  token: string;
  /** The community shown (by slug), or null for DMs and notifications only. */
  community: string | null;
  /** Channels shown whose messages are wanted though the reader may not have joined them. */
  watch?: string[];
  onEvent(event: LiveEvent): void;
  onStatus?(status: LiveStatus, detail?: string): void;
  /**
   * The stream is back after a drop (or a `resync`): events may have been missed, so refetch what
   * is shown. Not called for the first connection.
   */
  onResumed?(): void;
  /** The server refused the credentials: the stream stops. */
  onFatal?(err: AppError): void;
  backoffMs?: { first: number; max: number };
  /** Reads each event's JSON (see ApiClient's). */
  reviver?: (key: string, value: unknown) => unknown;
}

const SILENCE_MS = 45_000;

export interface LiveStream {
  close(): void;
  /** Switches the shown community on the open stream (a POST, not a reconnect). */
  setCommunity(slug: string | null): Promise<void>;
  /** Replaces the channels shown whose messages are wanted though the reader has not joined them. */
  watch(channelIds: string[]): Promise<void>;
  readonly lastEventId: string | undefined;
}

const JITTER = 0.3;

/**
 * The terminal client's live stream: reconnects by itself with growing pauses, resuming from the
 * last event id it saw (`Last-Event-ID`), so nothing is missed across a dropped connection; when
 * the server cannot replay (it restarted, or the gap is too old) it says `resync` and `onResumed`
 * lets the caller refetch.
 */
export function openLiveStream(options: LiveStreamOptions): LiveStream {
  const server = options.server.replace(/\/+$/, "");
  const backoff = options.backoffMs ?? { first: 300, max: 5000 };
  let lastEventId: string | undefined;
  let streamId: string | undefined;
  let community = options.community;
  let watching = options.watch ?? [];
  let closed = false;
  let connectedOnce = false;
  let abort = new AbortController();

  const run = async () => {
    let pause = backoff.first;
    while (!closed) {
      options.onStatus?.(connectedOnce ? "reconnecting" : "connecting");
      try {
        const params = new URLSearchParams(community ? { community } : {});
        for (const id of watching) params.append("channel", id);
        const query = params.size ? `?${params}` : "";
        const res = await fetch(`${server}/tui/events${query}`, {
          signal: abort.signal,
          headers: {
            authorization: `Bearer ${options.token}`,
            accept: "text/event-stream",
            ...(lastEventId ? { "last-event-id": lastEventId } : {}),
          },
        });
        if (res.status === 401 || res.status === 403) {
          closed = true;
          options.onFatal?.(await errorOf(res, "GET", "/tui/events"));
          return;
        }
        if (!res.ok || !res.body) throw new Error(`the stream answered ${res.status}`);
        // The server sends a heartbeat every 20 s; silence for longer means the connection is dead.
        const current = abort;
        let watchdog = setTimeout(() => current.abort(), SILENCE_MS);
        const alive = () => {
          clearTimeout(watchdog);
          watchdog = setTimeout(() => current.abort(), SILENCE_MS);
        };
        try {
          for await (const event of readSse(res.body, alive, options.reviver)) {
            if (event.id) lastEventId = event.id;
            if (event.event === "ready") {
              streamId = (event.data as { stream_id?: string }).stream_id;
              pause = backoff.first;
              options.onStatus?.("live");
              if (connectedOnce) options.onResumed?.();
              connectedOnce = true;
              continue;
            }
            options.onEvent(event);
          }
        } finally {
          clearTimeout(watchdog);
        }
      } catch (err) {
        if (closed) return;
        options.onStatus?.("reconnecting", (err as Error).message);
      }
      if (closed) return;
      // Each pause ±30 % at random (as the web client's): when a server restarts, every terminal
      // loses its stream at the same instant, and the same pause would bring them all back in one
      // burst, past what a listening socket queues (Bun's takes 512 at once).
      await Bun.sleep(pause * (1 + (Math.random() * 2 - 1) * JITTER));
      pause = Math.min(backoff.max, pause * 2);
      abort = new AbortController();
    }
  };
  void run();

  /**
   * Steers the open stream with a POST naming it. A stream that is gone needs nothing: its
   * reconnect, on its way, asks for the community and the channels as they are now.
   */
  const steer = async (path: string, body: Record<string, unknown>) => {
    if (!streamId) return;
    const res = await fetch(`${server}${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${options.token}`, "content-type": "application/json" },
      body: JSON.stringify({ stream_id: streamId, ...body }),
    }).catch(() => undefined);
    await res?.body?.cancel();
  };

  return {
    close() {
      closed = true;
      abort.abort();
    },
    async setCommunity(slug) {
      community = slug;
      await steer("/tui/community", { community: slug });
    },
    async watch(channelIds) {
      watching = channelIds;
      await steer("/tui/watch", { channels: channelIds });
    },
    get lastEventId() {
      return lastEventId;
    },
  };
}

const JSON_START = /^\s*[[{"\-\dtfn]/;

/** Server-sent events from a byte stream, as they arrive; comments skipped, data parsed as JSON. */
export async function* readSse(
  body: ReadableStream<Uint8Array>,
  onBytes?: () => void,
  reviver?: (key: string, value: unknown) => unknown,
): AsyncGenerator<LiveEvent> {
  const decoder = new TextDecoder();
  let buffer = "";
  for await (const chunk of body) {
    onBytes?.();
    buffer += decoder.decode(chunk, { stream: true }).replace(/\r\n?/g, "\n");
    let cut = buffer.indexOf("\n\n");
    while (cut >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      cut = buffer.indexOf("\n\n");
      let event = "message";
      let id: string | undefined;
      const data: string[] = [];
      for (const line of block.split("\n")) {
        if (line === "" || line.startsWith(":")) continue;
        const colon = line.indexOf(":");
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
        if (field === "event") event = value;
        else if (field === "id") id = value;
        else if (field === "data") data.push(value);
      }
      if (data.length === 0) continue;
      const text = data.join("\n");
      let parsed: unknown = text;
      // Only what can start JSON is tried as JSON: a failed parse throws, and a stream of HTML
      // fragments (the browser's) would pay for an exception per event.
      if (JSON_START.test(text)) {
        try {
          parsed = JSON.parse(text, reviver);
        } catch {
          // Not JSON after all: passed on as text.
        }
      }
      yield { event, id, data: parsed };
    }
  }
}

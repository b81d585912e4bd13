/** One server-sent event. `data` objects are sent as JSON. */
export interface SseEvent {
  event?: string;
  id?: string | number;
  data: string | object;
  retry?: number;
}

const unsafe = /[\r\n]/;

/**
 * The wire form of one event. `event` and `id` may not contain CR or LF (they would end the field
 * and let data inject fields); multi-line data becomes several `data:` lines.
 */
export function formatSse(e: SseEvent): string {
  let out = "";
  if (e.event !== undefined) {
    if (unsafe.test(e.event)) throw new Error("SSE event name must not contain CR or LF");
    out += `event: ${e.event}\n`;
  }
  if (e.id !== undefined) {
    const id = String(e.id);
    if (unsafe.test(id) || id.includes("\0")) throw new Error("SSE id must not contain CR, LF or NUL");
    out += `id: ${id}\n`;
  }
  if (e.retry !== undefined) out += `retry: ${Math.max(0, Math.floor(e.retry))}\n`;
  const data = typeof e.data === "string" ? e.data : JSON.stringify(e.data);
  for (const line of data.split(/\r\n|\r|\n/)) out += `data: ${line}\n`;
  return `${out}\n`;
}

/** A comment line: ignored by clients, keeps proxies and idle timers from closing the stream. */
export function formatComment(text: string): string {
  return `: ${text.replace(/[\r\n]+/g, " ")}\n\n`;
}

export interface SseStream {
  response: Response;
  send(event: SseEvent): void;
  comment(text: string): void;
  close(): void;
  readonly closed: boolean;
}

const encoder = new TextEncoder();

/**
 * The wire bytes of events sent to many streams at once (one message to each of its readers, the
 * same event object for all of them): encoded once, not once per stream.
 */
const wire = new WeakMap<SseEvent, Uint8Array>();

/**
 * What a stream may hold unsent for a client that stopped reading (a frozen laptop, a stalled
 * network) before it is dropped: without a bound, every event for that reader would stay in this
 * process's memory. The client resumes from its Last-Event-ID when it reads again and reconnects.
 */
export const MAX_QUEUED_BYTES = 1024 * 1024;

const HEARTBEAT_MS = 20_000;
const HEARTBEAT = encoder.encode(formatComment("heartbeat"));

/**
 * One timer per heartbeat period for all the streams of the process, not one per stream: a timer
 * holds a closure and the async context it was made in, a large part of what an idle stream costs.
 * A stream's first heartbeat comes within one period of its start, then one each period.
 */
const heartbeats = new Map<number, { timer: ReturnType<typeof setInterval>; streams: Set<Sse> }>();

function beatWith(stream: Sse, periodMs: number) {
  let beat = heartbeats.get(periodMs);
  if (!beat) {
    const streams = new Set<Sse>();
    const timer = setInterval(() => {
      for (const s of streams) s.write(HEARTBEAT);
    }, periodMs);
    timer.unref?.();
    beat = { timer, streams };
    heartbeats.set(periodMs, beat);
  }
  beat.streams.add(stream);
}

function stopBeating(stream: Sse, periodMs: number) {
  const beat = heartbeats.get(periodMs);
  if (!beat?.streams.delete(stream) || beat.streams.size > 0) return;
  clearInterval(beat.timer);
  heartbeats.delete(periodMs);
}

interface SseOptions {
  signal?: AbortSignal;
  heartbeatMs?: number;
  headers?: Record<string, string>;
  onClose?: () => void;
  maxQueuedBytes?: number;
}

/** What Bun hands a direct stream's source: writes go straight to the client's socket. */
interface DirectSink {
  write(data: Uint8Array): number | Promise<number>;
  close(error?: Error): void;
}

/**
 * An open stream's state, which is also its body's underlying source and its signal's abort
 * listener: its methods live once on the prototype rather than as closures in every stream.
 *
 * The body is one of Bun's direct streams: each event is written into the response's socket
 * buffer as it is sent (writes in one turn leave together), not queued in a JavaScript stream for
 * the server to read back chunk by chunk — which cost a fifth of the embedded server's main thread
 * with a crowd connected.
 */
class Sse implements SseStream, EventListenerObject {
  readonly response: Response;
  readonly type = "direct";
  closed = false;
  private sink: DirectSink | undefined;
  /** Events sent before the server took the body (a stream's first ones). */
  private early: Uint8Array[] | undefined = [];
  /** Bytes the socket could not take yet, since it last could (a client that stopped reading). */
  private unsent = 0;
  /** Holds the body open until the stream closes (a direct source's pull ends it by settling). */
  private ended: (() => void) | undefined;

  constructor(private readonly options: SseOptions) {
    const body = new ReadableStream(this as never);
    beatWith(this, options.heartbeatMs ?? HEARTBEAT_MS);
    options.signal?.addEventListener("abort", this, { once: true });
    this.response = new Response(body, {
      headers: {
        "Content-Type": "text/event-stream; charset=utf-8",
        "Cache-Control": "no-store",
        Connection: "keep-alive",
        // Tells nginx not to buffer the stream.
        "X-Accel-Buffering": "no",
        ...options.headers,
      },
    });
  }

  /** The server (or a reader) takes the body: what was sent before goes first. */
  pull(sink: DirectSink): Promise<void> | undefined {
    if (this.closed) {
      sink.close();
      return undefined;
    }
    this.sink = sink;
    const early = this.early ?? [];
    this.early = undefined;
    for (const bytes of early) this.put(bytes);
    return new Promise<void>((resolve) => {
      this.ended = resolve;
    });
  }

  cancel() {
    this.close();
  }

  handleEvent() {
    this.close();
  }

  write(bytes: Uint8Array) {
    if (this.closed) return;
    if (this.early) this.early.push(bytes);
    else this.put(bytes);
  }

  private put(bytes: Uint8Array) {
    let taken: number | Promise<number>;
    try {
      taken = (this.sink as DirectSink).write(bytes);
    } catch {
      this.close();
      return;
    }
    if (typeof taken === "number") return;
    // The socket is full: what waits is counted until it drains, and too much ends the stream.
    this.unsent += bytes.byteLength;
    if (this.unsent > (this.options.maxQueuedBytes ?? MAX_QUEUED_BYTES)) this.close();
    else {
      const drained = () => {
        this.unsent = 0;
      };
      taken.then(drained, drained);
    }
  }

  send(event: SseEvent) {
    let bytes = wire.get(event);
    if (!bytes) {
      bytes = encoder.encode(formatSse(event));
      wire.set(event, bytes);
    }
    this.write(bytes);
  }

  comment(text: string) {
    this.write(encoder.encode(formatComment(text)));
  }

  close() {
    if (this.closed) return;
    this.closed = true;
    stopBeating(this, this.options.heartbeatMs ?? HEARTBEAT_MS);
    this.options.signal?.removeEventListener("abort", this);
    try {
      this.sink?.close();
    } catch {
      // Already closed by the client going away.
    }
    this.ended?.();
    this.options.onClose?.();
  }
}

/**
 * An open SSE response. A heartbeat comment goes out every `heartbeatMs`; `onClose` runs once,
 * whether the client left (abort), the server closed it, or a write failed.
 */
export function openSse(options: SseOptions): SseStream {
  return new Sse(options);
}

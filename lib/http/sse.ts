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

/**
 * An open stream's state, which is also its body's underlying source and its signal's abort
 * listener: its methods live once on the prototype rather than as closures in every stream.
 */
class Sse implements SseStream, EventListenerObject {
  readonly response: Response;
  closed = false;
  private controller!: ReadableStreamDefaultController<Uint8Array>;

  constructor(private readonly options: SseOptions) {
    const body = new ReadableStream<Uint8Array>(this, { highWaterMark: 0, size: chunkSize });
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

  start(controller: ReadableStreamDefaultController<Uint8Array>) {
    this.controller = controller;
  }

  cancel() {
    this.close();
  }

  handleEvent() {
    this.close();
  }

  write(bytes: Uint8Array) {
    if (this.closed) return;
    try {
      this.controller.enqueue(bytes);
    } catch {
      this.close();
      return;
    }
    // desiredSize is the high-water mark (0) less what is queued and not yet taken by the socket.
    if (-(this.controller.desiredSize ?? 0) > (this.options.maxQueuedBytes ?? MAX_QUEUED_BYTES)) this.close();
  }

  send(event: SseEvent) {
    this.write(encoder.encode(formatSse(event)));
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
      this.controller.close();
    } catch {
      // Already closed by the client going away.
    }
    this.options.onClose?.();
  }
}

const chunkSize = (chunk: Uint8Array | undefined) => chunk?.byteLength ?? 0;

/**
 * An open SSE response. A heartbeat comment goes out every `heartbeatMs`; `onClose` runs once,
 * whether the client left (abort), the server closed it, or a write failed.
 */
export function openSse(options: SseOptions): SseStream {
  return new Sse(options);
}

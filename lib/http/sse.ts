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

/**
 * An open SSE response. A heartbeat comment goes out every `heartbeatMs`; `onClose` runs once,
 * whether the client left (abort), the server closed it, or a write failed.
 */
export function openSse(options: {
  signal?: AbortSignal;
  heartbeatMs?: number;
  headers?: Record<string, string>;
  onClose?: () => void;
  maxQueuedBytes?: number;
}): SseStream {
  const maxQueued = options.maxQueuedBytes ?? MAX_QUEUED_BYTES;
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let closed = false;
  let heartbeat: ReturnType<typeof setInterval> | undefined;

  const finish = () => {
    if (closed) return;
    closed = true;
    clearInterval(heartbeat);
    options.signal?.removeEventListener("abort", finish);
    try {
      controller.close();
    } catch {
      // Already closed by the client going away.
    }
    options.onClose?.();
  };
  const write = (text: string) => {
    if (closed) return;
    try {
      controller.enqueue(encoder.encode(text));
    } catch {
      finish();
      return;
    }
    // desiredSize is the high-water mark (0) less what is queued and not yet taken by the socket.
    if (-(controller.desiredSize ?? 0) > maxQueued) finish();
  };

  const body = new ReadableStream<Uint8Array>(
    {
      start(c) {
        controller = c;
      },
      cancel: finish,
    },
    { highWaterMark: 0, size: (chunk) => chunk?.byteLength ?? 0 },
  );
  heartbeat = setInterval(() => write(formatComment("heartbeat")), options.heartbeatMs ?? 20_000);
  options.signal?.addEventListener("abort", finish, { once: true });

  return {
    response: new Response(body, {
      headers: {
        "Content-Type": "text/event-stream; charset=utf-8",
        "Cache-Control": "no-store",
        Connection: "keep-alive",
        // Tells nginx not to buffer the stream.
        "X-Accel-Buffering": "no",
        ...options.headers,
      },
    }),
    send: (event) => write(formatSse(event)),
    comment: (text) => write(formatComment(text)),
    close: finish,
    get closed() {
      return closed;
    },
  };
}

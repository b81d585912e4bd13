// SSE streams held open by a separate process, as many browsers or terminals would hold them, so the
// server's event loop and memory are its own. The client speaks HTTP/1.1 on raw sockets: Bun's fetch
// caps concurrent requests at 256 unless BUN_CONFIG_MAX_HTTP_REQUESTS says more, and a socket costs
// the client little. Run as a process, it reads one JSON line (what to open) and then commands on
// stdin, and answers each with one JSON line on stdout.

/** Text a message carries so each stream's client can tell when message `k` reached it. */
export const marker = (k: number) => `bench-marker-${k}`;

/** Wall-clock milliseconds, comparable between processes on one machine. */
export const wallNow = () => performance.timeOrigin + performance.now();

interface Spec {
  url: string;
  /** Stream n opens with the headers credentials[n % length] (a token, or an internal hop's). */
  credentials: Record<string, string>[];
  count: number;
  /** Streams opened at once, each wave waiting for the last (100: tabs open over time; count: a storm). */
  wave?: number;
}

/** A stream's credential as a client sends it to the gateway. */
export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** How the opening went: streams that got their `ready` event, and those refused or cut before it. */
export interface Opened {
  ready: number;
  failed: number;
  firstFailure?: string;
  seconds: number;
}

/** When each marked message reached each stream (wallNow), and how many streams the server ended. */
export interface Arrivals {
  arrivals: Record<string, number[]>;
  ended: number;
  /** When each stream that opened got its `ready` (wallNow), in order. */
  readyAt: number[];
  /** By stream (its index): when it got its `ready`, or null when it did not. */
  readyOf: (number | null)[];
  /** By marker: which stream got it when, as [stream index, wallNow]. */
  reached: Record<string, [number, number][]>;
}

// Opened in waves of a hundred, each waiting for the last: tabs open over time, not in one instant.
const WAVE = 100;

function clientProcess() {
  const arrivals: Record<string, number[]> = {};
  const readyAt: number[] = [];
  const readyOf: (number | null)[] = [];
  const reached: Record<string, [number, number][]> = {};
  let ended = 0;

  async function openAll(spec: Spec): Promise<Opened> {
    const target = new URL(spec.url);
    const opened: Opened = { ready: 0, failed: 0, seconds: 0 };
    const open = (n: number) =>
      new Promise<void>((settle) => {
        let head = true;
        let settled = false;
        let pending = "";
        const done = (failure?: string) => {
          if (settled) return;
          settled = true;
          if (failure === undefined) {
            opened.ready++;
            const at = wallNow();
            readyAt.push(at);
            readyOf[n] = at;
          } else {
            opened.failed++;
            opened.firstFailure ??= failure;
          }
          settle();
        };
        Bun.connect({
          hostname: target.hostname,
          port: Number(target.port),
          socket: {
            open(socket) {
              socket.write(
                `GET ${target.pathname}${target.search} HTTP/1.1\r\nHost: ${target.host}\r\n` +
                  "Accept: text/event-stream\r\n" +
                  Object.entries(spec.credentials[n % spec.credentials.length] ?? {})
                    .map(([name, value]) => `${name}: ${value}\r\n`)
                    .join("") +
                  "\r\n",
              );
            },
            data(socket, chunk) {
              let text = pending + chunk.toString();
              if (head) {
                const end = text.indexOf("\r\n\r\n");
                if (end < 0) {
                  pending = text;
                  return;
                }
                head = false;
                if (!text.startsWith("HTTP/1.1 200")) {
                  done(text.slice(0, 300).replaceAll("\r\n", " | "));
                  socket.end();
                  return;
                }
                text = text.slice(end + 4);
              }
              // Whole events only; the rest waits for the next chunk (chunk-size lines between
              // events are noise to the searches below).
              const cut = text.lastIndexOf("\n\n");
              pending = cut < 0 ? text : text.slice(cut + 2);
              if (cut < 0) return;
              const events = text.slice(0, cut);
              if (!settled && events.includes("event: ready")) done();
              const at = wallNow();
              for (const m of events.matchAll(/bench-marker-(\d+)/g)) {
                const marker = m[1] as string;
                const seen = arrivals[marker] ?? [];
                seen.push(at);
                arrivals[marker] = seen;
                const by = reached[marker] ?? [];
                by.push([n, at]);
                reached[marker] = by;
              }
            },
            close() {
              if (settled) ended++;
              done("closed before its ready event");
            },
            connectError(_socket, err) {
              done(String(err));
            },
          },
        }).catch((err) => done(String(err)));
      });
    const started = performance.now();
    const wave = spec.wave ?? WAVE;
    for (let i = 0; i < spec.count; i += wave) {
      await Promise.all(Array.from({ length: Math.min(wave, spec.count - i) }, (_, j) => open(i + j)));
    }
    return { ...opened, seconds: (performance.now() - started) / 1000 };
  }

  return async () => {
    let spec: Spec | undefined;
    for await (const line of console) {
      if (!spec) {
        spec = JSON.parse(line) as Spec;
        void openAll(spec).then((opened) => console.log(JSON.stringify(opened)));
      } else if (line.trim() === "report")
        console.log(
          JSON.stringify({
            arrivals,
            ended,
            readyAt,
            readyOf: Array.from({ length: spec.count }, (_, i) => readyOf[i] ?? null),
            reached,
          } satisfies Arrivals),
        );
    }
  };
}

if (import.meta.main) {
  await clientProcess()();
  process.exit(0);
}

/** Starts a client process that opens `count` streams on `url`, in waves, each with its own credential. */
export function holdStreams(
  url: string,
  credentials: Record<string, string>[],
  count: number,
  wave?: number,
) {
  const client = Bun.spawn([process.execPath, import.meta.path], {
    stdin: "pipe",
    stdout: "pipe",
    stderr: "inherit",
  });
  const lines = (async function* () {
    const decoder = new TextDecoder();
    let buf = "";
    for await (const chunk of client.stdout) {
      buf += decoder.decode(chunk, { stream: true });
      for (let cut = buf.indexOf("\n"); cut >= 0; cut = buf.indexOf("\n")) {
        yield buf.slice(0, cut);
        buf = buf.slice(cut + 1);
      }
    }
  })();
  const answer = async <T>() => {
    const { value, done } = await lines.next();
    if (done) throw new Error(`the stream client exited with ${await client.exited}`);
    return JSON.parse(value) as T;
  };
  client.stdin.write(`${JSON.stringify({ url, credentials, count, wave } satisfies Spec)}\n`);
  void client.stdin.flush();
  return {
    pid: client.pid,
    /** Resolves once every stream is ready or has failed. */
    opened: () => answer<Opened>(),
    async arrivals() {
      client.stdin.write("report\n");
      await client.stdin.flush();
      return answer<Arrivals>();
    },
    /** The clients leave: every socket closes with the process. */
    async close() {
      client.kill();
      await client.exited;
    },
  };
}

/** This process's resident memory after a full collection, in MB. */
export const rssMb = () => {
  Bun.gc(true);
  return process.memoryUsage().rss / 1024 / 1024;
};

/**
 * The floor: RSS per stream, in KB, of a bare Bun.serve SSE response that only says `ready`, held
 * `count` times by a client process.
 */
export async function bareStreamKb(count: number) {
  const encoder = new TextEncoder();
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    idleTimeout: 0,
    fetch: () =>
      new Response(
        new ReadableStream<Uint8Array>({
          start: (c) => c.enqueue(encoder.encode("event: ready\ndata: x\n\n")),
        }),
        { headers: { "content-type": "text/event-stream" } },
      ),
  });
  const before = rssMb();
  const streams = holdStreams(server.url.href, [{}], count);
  await streams.opened();
  await Bun.sleep(500);
  const kb = ((rssMb() - before) * 1024) / count;
  await streams.close();
  await server.stop(true);
  return kb;
}

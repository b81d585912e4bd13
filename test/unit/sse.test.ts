import { describe, expect, test } from "bun:test";
import { formatComment, formatSse, openSse } from "../../lib/http/sse.ts";
import { readSse } from "../../lib/terminal/live-events.ts";

describe("SSE framing", () => {
  test("an event has its fields and ends with a blank line", () => {
    expect(formatSse({ event: "message", id: 42, data: "hello" })).toBe(
      "event: message\nid: 42\ndata: hello\n\n",
    );
  });

  test("object data is sent as one line of JSON", () => {
    expect(formatSse({ data: { a: 1, b: "x\ny" } })).toBe('data: {"a":1,"b":"x\\ny"}\n\n');
  });

  test("multi-line data becomes several data lines, so it cannot inject fields", () => {
    expect(formatSse({ data: "one\nevent: evil\r\nid: 9\rthree" })).toBe(
      "data: one\ndata: event: evil\ndata: id: 9\ndata: three\n\n",
    );
  });

  test("a CR or LF in the event name or id is refused", () => {
    expect(() => formatSse({ event: "a\nid: 1", data: "x" })).toThrow();
    expect(() => formatSse({ id: "1\r\n", data: "x" })).toThrow();
    expect(() => formatSse({ id: "1\u0000", data: "x" })).toThrow();
  });

  test("comments cannot break out of their line", () => {
    expect(formatComment("ping\n\ndata: x")).toBe(": ping data: x\n\n");
  });

  test("a stream sends events and heartbeats, and ends when the client aborts", async () => {
    const abort = new AbortController();
    let closes = 0;
    const sse = openSse({ signal: abort.signal, heartbeatMs: 20, onClose: () => closes++ });
    const reader = sse.response.body?.getReader();
    if (!reader) throw new Error("no body");
    sse.send({ event: "hello", id: 1, data: "hi" });
    const decoder = new TextDecoder();
    let text = "";
    while (!text.includes(": heartbeat")) text += decoder.decode((await reader.read()).value);
    expect(text).toStartWith("event: hello\nid: 1\ndata: hi\n\n");
    expect(sse.response.headers.get("content-type")).toStartWith("text/event-stream");
    abort.abort();
    let done = false;
    while (!done) done = (await reader.read()).done;
    expect(sse.closed).toBe(true);
    sse.close();
    expect(closes).toBe(1);
  });

  test("a reader that stops reading is dropped once its unsent events pass the bound, not before", async () => {
    let closes = 0;
    const sse = openSse({ maxQueuedBytes: 10_000, onClose: () => closes++ });
    const reader = sse.response.body?.getReader();
    if (!reader) throw new Error("no body");
    const event = { event: "message.created", data: "x".repeat(1000) };
    // Read while it is read: nothing piles up, however much is sent.
    for (let i = 0; i < 50; i++) {
      sse.send(event);
      await reader.read();
    }
    expect(sse.closed).toBe(false);
    // Then the reader stalls: what its buffer takes, then ten events more, and the next one drops it.
    let sent = 0;
    while (!sse.closed && sent < 1000) {
      sse.send(event);
      sent++;
    }
    expect(sse.closed).toBe(true);
    expect(sent).toBeGreaterThan(10);
    expect(sent).toBeLessThan(200);
    expect(closes).toBe(1);
  });

  test("a client of a real server that stops reading is dropped, the bound past what its socket holds", async () => {
    let sse: ReturnType<typeof openSse> | undefined;
    const server = Bun.serve({
      port: 0,
      fetch: (req) => {
        sse = openSse({ signal: req.signal, maxQueuedBytes: 100_000 });
        return sse.response;
      },
    });
    const { connect } = await import("node:net");
    const socket = connect(server.port ?? 0, "127.0.0.1");
    try {
      socket.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
      socket.pause();
      while (!sse) await Bun.sleep(5);
      const stream = sse;
      const event = { data: "y".repeat(10_000) };
      let sent = 0;
      // The socket's buffers take some megabytes; then the stream waits on it, and is dropped.
      while (!stream.closed && sent < 64_000_000) {
        stream.send(event);
        sent += 10_000;
        if (sent % 1_000_000 === 0) await Bun.sleep(1);
      }
      expect(stream.closed).toBe(true);
      expect(sent).toBeGreaterThan(100_000);
    } finally {
      socket.destroy();
      await server.stop(true);
    }
  });
});

describe("reading SSE (lib/terminal/live-events.ts readSse)", () => {
  const streamOf = (text: string) =>
    new ReadableStream<Uint8Array>({
      start(c) {
        // Split mid-event, as a socket may.
        const bytes = new TextEncoder().encode(text);
        c.enqueue(bytes.slice(0, 7));
        c.enqueue(bytes.slice(7));
        c.close();
      },
    });

  test("JSON data is parsed; HTML fragments and plain text pass as text; comments are skipped", async () => {
    const events = [];
    for await (const e of readSse(
      streamOf(
        ': hello\n\nevent: message.created\nid: 7\ndata: {"n":1}\n\nevent: patch\ndata: <li id="m">hi</li>\n\n' +
          "data: false alarm\n\ndata: [1,2]\n\n",
      ),
    ))
      events.push(e);
    expect(events).toEqual([
      { event: "message.created", id: "7", data: { n: 1 } },
      { event: "patch", id: undefined, data: '<li id="m">hi</li>' },
      { event: "message", id: undefined, data: "false alarm" },
      { event: "message", id: undefined, data: [1, 2] },
    ]);
  });
});

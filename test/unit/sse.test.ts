import { describe, expect, test } from "bun:test";
import { formatComment, formatSse, openSse } from "../../lib/http/sse.ts";

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
    // Then the reader stalls: about ten events fit, the next ones drop the stream.
    let sent = 0;
    while (!sse.closed && sent < 100) {
      sse.send(event);
      sent++;
    }
    expect(sse.closed).toBe(true);
    expect(sent).toBeGreaterThan(8);
    expect(sent).toBeLessThan(12);
    expect(closes).toBe(1);
  });
});

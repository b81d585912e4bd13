import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type ChatServer, sseReader, startChatServer } from "../support/chat-server.ts";
import { freePort, waitFor } from "../support/ports.ts";

/** The series a Prometheus text page holds: every sample line's name and labels, without its value. */
const seriesOf = (text: string) =>
  new Set(
    text
      .split("\n")
      .filter((l) => l && !l.startsWith("#"))
      .map((l) => l.slice(0, l.lastIndexOf(" "))),
  );

/** The value of one sample line, by its exact name and labels; undefined when absent. */
const sample = (text: string, series: string) => {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

// Prometheus text from `bun run start`, on its own loopback listener.
describe("metrics", () => {
  let chat: ChatServer;
  let general = "";
  const metricsPort = freePort();
  const scrape = async () => {
    const res = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toStartWith("text/plain");
    return res.text();
  };

  beforeAll(async () => {
    // The 1,000 reads below come from one token at once; the rate limit is not what is measured.
    chat = await startChatServer({ AJET_METRICS_PORT: String(metricsPort), AJET_RATE_BURST: "0" });
    const channels = await chat.api<{ items: { id: string }[] }>(
      chat.owner,
      "GET",
      "/api/communities/acme/channels",
    );
    general = channels.items[0]?.id ?? "";
  });
  afterAll(() => chat.stop());

  test("requests are counted by route template and status, with their duration", async () => {
    const posted = await chat.api<{ id: string }>(chat.owner, "POST", `/api/channels/${general}/messages`, {
      body_md: "counted",
    });
    const text = await scrape();
    const labels = 'method="POST",route="/api/channels/:id/messages"';
    expect(
      sample(text, `ajet_http_requests_total{service="api",${labels},status="201"}`),
    ).toBeGreaterThanOrEqual(1);
    expect(
      sample(text, `ajet_http_request_duration_seconds_count{service="api",${labels}}`),
    ).toBeGreaterThanOrEqual(1);
    // The gateway counts the same request under the template of the service that answered it.
    expect(text).toContain(`service="auth-gw",${labels},status="201"`);
    expect(text).not.toContain(general);
    expect(text).not.toContain(posted.id);
  });

  test("1,000 distinct message ids make no new series", async () => {
    const read = (id: string) =>
      fetch(`${chat.base}/api/messages/${id}`, { headers: { authorization: `Bearer ${chat.owner.token}` } });
    // One of each answer first, so the series exist before they are counted.
    expect((await read(Bun.randomUUIDv7())).status).toBe(404);
    const before = seriesOf(await scrape());
    const ids = Array.from({ length: 1000 }, () => Bun.randomUUIDv7());
    for (let i = 0; i < ids.length; i += 50) {
      const answers = await Promise.all(ids.slice(i, i + 50).map(read));
      for (const res of answers) expect(res.status).toBe(404);
    }
    const text = await scrape();
    const after = seriesOf(text);
    const added = [...after].filter((s) => !before.has(s));
    expect(added).toEqual([]);
    expect(
      sample(
        text,
        'ajet_http_requests_total{service="api",method="GET",route="/api/messages/:id",status="404"}',
      ),
    ).toBeGreaterThanOrEqual(1001);
    for (const id of ids.slice(0, 20)) expect(text).not.toContain(id);
  });

  test("open streams, delivered events, bus traffic, the pool, the database thread, memory and the event loop are measured", async () => {
    const res = await fetch(`${chat.base}/tui/events?community=acme`, {
      headers: { authorization: `Bearer ${chat.owner.token}` },
    });
    const stream = sseReader(res);
    try {
      await stream.next((e) => e.event === "ready");
      const deliveredBefore = sample(await scrape(), "ajet_live_events_delivered_total") ?? 0;
      await chat.api(chat.owner, "POST", `/api/channels/${general}/messages`, { body_md: "to the stream" });
      await stream.next((e) => e.event === "message.created");
      const text = await waitFor(async () => {
        const t = await scrape();
        if ((sample(t, "ajet_live_events_delivered_total") ?? 0) <= deliveredBefore)
          throw new Error("not yet");
        return t;
      });
      expect(sample(text, 'ajet_live_streams{service="tui-sm"}')).toBe(1);
      expect(sample(text, 'ajet_bus_published_total{kind="events"}')).toBeGreaterThanOrEqual(1);
      expect(sample(text, 'ajet_bus_consumed_total{kind="events"}')).toBeGreaterThanOrEqual(1);
      expect(sample(text, "ajet_bus_consumer_lag_events")).toBe(0);
      expect(sample(text, 'ajet_db_pool_size{kind="pglite"}')).toBe(1);
      expect(sample(text, 'ajet_db_query_duration_seconds_count{kind="statement"}')).toBeGreaterThan(0);
      // The embedded database's own thread: time it ran statements, and time transactions held it.
      expect(sample(text, "ajet_embedded_db_busy_seconds_total")).toBeGreaterThan(0);
      expect(sample(text, "ajet_embedded_db_held_seconds_total")).toBeGreaterThanOrEqual(0);
      expect(sample(text, "process_resident_memory_bytes")).toBeGreaterThan(0);
      expect(text).toContain("nodejs_eventloop_lag_p99_seconds");
    } finally {
      await stream.cancel();
    }
    await waitFor(async () => {
      if (sample(await scrape(), 'ajet_live_streams{service="tui-sm"}') !== 0) throw new Error("still open");
    });
  });

  test("a credential that does not authenticate counts as a sign-in failure", async () => {
    const before = sample(await scrape(), 'ajet_signin_failures_total{via="credential"}') ?? 0;
    const res = await fetch(`${chat.base}/api/me`, {
      headers: { authorization: "Bearer ajs_not-a-real-token" },
    });
    expect(res.status).toBe(401);
    expect(sample(await scrape(), 'ajet_signin_failures_total{via="credential"}')).toBe(before + 1);
  });

  test("the public door does not serve metrics, however it is asked", async () => {
    for (const path of ["/metrics", "/api/metrics", "/tui/metrics", "/%6detrics"]) {
      const res = await fetch(`${chat.base}${path}`, {
        headers: { authorization: `Bearer ${chat.owner.token}` },
      });
      const body = await res.text();
      expect(res.status).toBe(404);
      expect(body).not.toContain("ajet_http_requests_total");
      expect(body).not.toContain("process_resident_memory_bytes");
    }
  });

  test("the metrics listener answers only /metrics", async () => {
    const res = await fetch(`http://127.0.0.1:${metricsPort}/api/me`);
    expect(res.status).toBe(404);
  });
});

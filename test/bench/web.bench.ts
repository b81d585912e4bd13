// The web session manager: one message fanned out to 2,000 open browser streams (against the raw
// bus delivery of the same message), the memory an idle stream costs, and the server time of a
// channel page with 50 messages (against the API call that reads its history).
// Run with `bun run bench web` (or `bun test/bench/web.bench.ts`). BENCH_WEB_STREAMS (2000)
// and BENCH_SAMPLES set the sizes.
import { z } from "zod";
import { loadConfig } from "../../lib/config.ts";
import { listen } from "../../lib/http/listen.ts";
import { createWebService } from "../../services/web-sm/main.ts";
import { knobs } from "./knobs.ts";
import { heading, interleaved, latency, ms, row, verdict } from "./measure.ts";
import { callJson, createCommunity, startBenchApi } from "./setup.ts";

const STREAMS = z.coerce.number().int().positive().default(2000).parse(Bun.env.BENCH_WEB_STREAMS);
const MESSAGES = 20;

// ---- the client side: a separate process holding the streams, so the server's loop and memory are its own
if (Bun.argv[2] === "--streams") {
  const { url, tokens, count } = JSON.parse(Bun.argv[3] as string) as {
    url: string;
    tokens: string[];
    count: number;
  };
  const arrivals: Record<string, number[]> = {};
  const now = () => performance.timeOrigin + performance.now();
  let connected = 0;
  const open = async (i: number) => {
    const res = await fetch(url, { headers: { authorization: `Bearer ${tokens[i % tokens.length]}` } });
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let ready = false;
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      const text = decoder.decode(value, { stream: true });
      if (!ready && text.includes("event: ready")) {
        ready = true;
        if (++connected === count) console.log(JSON.stringify({ connected }));
      }
      for (const m of text.matchAll(/bench-marker-(\d+)/g)) {
        const k = m[1] as string;
        arrivals[k] = [...(arrivals[k] ?? []), now()];
      }
    }
  };
  // In waves of a hundred, as tabs open over time rather than all in one instant.
  for (let i = 0; i < count; i++) {
    void open(i).catch((err) => console.error(String(err)));
    if (i % 100 === 99) while (connected <= i) await Bun.sleep(5);
  }
  for await (const line of console) {
    if (line.trim() === "report") console.log(JSON.stringify({ arrivals }));
  }
  process.exit(0);
}

/** The client process holding `STREAMS` streams to `url`; its stdout lines are its reports. */
function openStreams(url: string, tokens: string[]) {
  const client = Bun.spawn(
    [process.execPath, import.meta.path, "--streams", JSON.stringify({ url, tokens, count: STREAMS })],
    {
      stdin: "pipe",
      stdout: "pipe",
      stderr: "inherit",
      env: { ...Bun.env, BUN_CONFIG_MAX_HTTP_REQUESTS: "65336" },
    },
  );
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
  return { client, lines };
}

/** The floor: RSS per stream of a bare Bun.serve SSE response that only says `ready`. */
async function bareStreamKb() {
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
  const { client, lines } = openStreams(server.url.href, ["none"]);
  await lines.next();
  await Bun.sleep(500);
  const kb = ((rssMb() - before) * 1024) / STREAMS;
  client.kill();
  await client.exited;
  await server.stop(true);
  return kb;
}

const rssMb = () => {
  Bun.gc(true);
  return process.memoryUsage().rss / 1024 / 1024;
};

const api = await startBenchApi();
// The baseline: a plain subscriber, registered before the SM's own, sees each message straight off the bus.
const busAt = new Map<string, number>();
await api.bus.subscribe("chat.events.>", (m) => {
  const body = (m.event.data as { message?: { body_md?: string } }).message?.body_md ?? "";
  const k = /bench-marker-(\d+)/.exec(body)?.[1];
  if (k) busAt.set(k, performance.timeOrigin + performance.now());
});
const web = await createWebService({
  config: loadConfig({ AJET_LOG_LEVEL: "error" }),
  bus: api.bus,
  api: { name: "api", app: api.app },
});
const webListening = listen(web.app, { host: "127.0.0.1", port: 0, maxRequestBodySize: 1 << 20 });
try {
  const alice = await api.person("alice");
  const readers = await Promise.all(Array.from({ length: 10 }, (_, i) => api.person(`reader${i + 1}`)));
  const { general } = await createCommunity(api, alice, "acme", readers);
  await api.raw`insert into channel_members (channel_id, user_id)
    select ${general}, id from users where username like 'reader%' on conflict do nothing`;

  heading(`web: ${STREAMS.toLocaleString("en")} open streams, one message fanned out to all`);
  // Idle streams: RSS of this process before and after they connect (the clients live elsewhere).
  for (let i = 0; i < 3; i++) await fetch(`${webListening.url}/healthz`);
  const bareKb = await bareStreamKb();
  const rssBefore = rssMb();
  const heapBefore = process.memoryUsage().heapUsed;
  const capacityBefore = process.memoryUsage().heapTotal;
  const { client, lines } = openStreams(
    `${webListening.url}/events?community=acme&channel=${general}`,
    readers.map((r) => r.token),
  );
  const connectStarted = performance.now();
  await lines.next();
  const connectSeconds = (performance.now() - connectStarted) / 1000;
  await Bun.sleep(500);
  const perStreamKb = ((rssMb() - rssBefore) * 1024) / STREAMS;
  const heapKb = (process.memoryUsage().heapUsed - heapBefore) / 1024 / STREAMS;
  const capacityKb = (process.memoryUsage().heapTotal - capacityBefore) / 1024 / STREAMS;
  row(
    `${STREAMS} streams connected`,
    `in ${connectSeconds.toFixed(1)} s (${Math.round(STREAMS / connectSeconds)} /s), hub size ${web.live.hub.size}`,
  );
  row(
    "memory per idle stream (RSS delta / streams)",
    `${perStreamKb.toFixed(1)} KB`,
    `ratio to 16 KB ${(perStreamKb / 16).toFixed(2)}`,
    `to a bare Bun SSE stream (${bareKb.toFixed(1)} KB) ${(perStreamKb / bareKb).toFixed(1)}×`,
  );
  // The API runs in this process too (as in the embedded server): what connecting costs it (auth,
  // five reads per stream) shows as JS heap capacity that the collector freed but kept.
  row(
    "  of which JS heap still in use",
    `${heapKb.toFixed(1)} KB`,
    `heap capacity grown ${capacityKb.toFixed(1)} KB`,
  );
  verdict("≤ 16 KB per idle stream", perStreamKb <= 16, `${perStreamKb.toFixed(1)} KB`);

  // One message at a time: its POST sent at t0; the bus hands it to a plain subscriber at tBus;
  // each stream's client sees it at its own time.
  const sentAt = new Map<string, number>();
  for (let k = 0; k < MESSAGES; k++) {
    sentAt.set(String(k), performance.timeOrigin + performance.now());
    await callJson(api, alice, "POST", `/api/channels/${general}/messages`, {
      body_md: `bench-marker-${k} hello everyone`,
    });
    await Bun.sleep(300);
  }
  await Bun.sleep(1000);
  client.stdin.write("report\n");
  await client.stdin.flush();
  const { value } = await lines.next();
  const { arrivals } = JSON.parse(value as string) as { arrivals: Record<string, number[]> };
  client.kill();
  const sorted = (xs: number[]) => xs.sort((a, b) => a - b);
  const pct = (xs: number[], p: number) =>
    xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] as number;
  // "Accepted" is when the API committed and published: the moment the bus hands the message on.
  const streamLatencies = sorted(
    [...sentAt].flatMap(([k]) => (arrivals[k] ?? []).map((t) => t - (busAt.get(k) ?? Number.NaN))),
  );
  const postToBus = sorted([...sentAt].map(([k, t0]) => (busAt.get(k) ?? Number.NaN) - t0));
  const expected = MESSAGES * STREAMS;
  row(
    "POST sent → published on the bus (API + commit)",
    `p50 ${ms(pct(postToBus, 50))} ms  p99 ${ms(pct(postToBus, 99))} ms`,
  );
  row(
    `published → in every one of ${STREAMS} streams`,
    `p50 ${ms(pct(streamLatencies, 50))} ms  p99 ${ms(pct(streamLatencies, 99))} ms  max ${ms(streamLatencies.at(-1) ?? Number.NaN)} ms`,
    `${streamLatencies.length}/${expected} delivered`,
  );
  const p99 = pct(streamLatencies, 99);
  row("ratio of fan-out p99 to the POST's own p50", `${(p99 / pct(postToBus, 50)).toFixed(1)}×`);
  verdict("p99 ≤ 200 ms to every stream", p99 <= 200 && streamLatencies.length === expected, `${ms(p99)} ms`);

  heading("web: channel page (full HTML, 50 messages) against the API history call it makes");
  for (let i = 0; i < 60; i++) {
    await callJson(api, alice, "POST", `/api/channels/${general}/messages`, {
      body_md: `Message ${i}: the **build** is green again — see https://ci.example/${i} and \`make deploy\``,
    });
  }
  const get = (url: string) => async () => {
    const res = await fetch(url, { headers: { authorization: `Bearer ${alice.token}` } });
    const text = await res.text();
    if (!res.ok) throw new Error(`${res.status} ${text.slice(0, 200)}`);
  };
  const figures = await interleaved({
    count: knobs.BENCH_SAMPLES,
    warmup: 20,
    ops: {
      page: get(`${webListening.url}/c/acme/channels/general`),
      history: get(`${api.url}/api/channels/${general}/messages?limit=50`),
    },
  });
  row("GET /c/acme/channels/general (web-sm)", latency(figures.page));
  row("GET /api/channels/:id/messages?limit=50 (api)", latency(figures.history));
  row("ratio page p50 / history p50", `${(figures.page.p50 / figures.history.p50).toFixed(1)}×`);
  verdict("page p50 ≤ 30 ms", figures.page.p50 <= 30, `${ms(figures.page.p50)} ms`);
} finally {
  await web.live.close();
  await webListening.stop(0);
  await api.close();
}

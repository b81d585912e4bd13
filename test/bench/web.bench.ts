// The web session manager: one message fanned out to 2,000 open browser streams (against the raw
// bus delivery of the same message), the memory an idle stream costs, and the server time of a
// channel page with 50 messages (against the API call that reads its history).
// Run with `bun run bench web` (or `bun test/bench/web.bench.ts`). BENCH_WEB_STREAMS (2000)
// and BENCH_SAMPLES set the sizes; BENCH_STREAM_CHANNELS (0) adds that many public channels, every
// reader in each, to weigh the streams of a wide community.
import { z } from "zod";
import { loadConfig } from "../../lib/config.ts";
import { listen } from "../../lib/http/listen.ts";
import { createWebService } from "../../services/web-sm/main.ts";
import { gatewayHop, TEST_INTERNAL_SECRET } from "../support/internal.ts";
import { busClock, fanOut } from "./fan-out.ts";
import { knobs } from "./knobs.ts";
import { heading, interleaved, latency, ms, row, verdict } from "./measure.ts";
import { addJoinedChannels, callJson, createCommunity, startBenchApi } from "./setup.ts";

const STREAMS = z.coerce.number().int().positive().default(2000).parse(Bun.env.BENCH_WEB_STREAMS);
// Public channels added to the community, each joined by every reader (0: just #general and #random).
const CHANNELS = z.coerce.number().int().min(0).default(0).parse(Bun.env.BENCH_STREAM_CHANNELS);

const api = await startBenchApi();
// The baseline: a plain subscriber, registered before the SM's own, sees each message straight off the bus.
const busAt = await busClock(api.bus);
const web = await createWebService({
  // Every reader holds a couple of hundred streams: the per-person limit stays out of the way.
  config: loadConfig({
    AJET_LOG_LEVEL: "error",
    AJET_INTERNAL_SECRET: TEST_INTERNAL_SECRET,
    AJET_MAX_STREAMS_PER_USER: "1000000",
  }),
  bus: api.bus,
  api: { name: "api", app: api.app, secret: TEST_INTERNAL_SECRET },
});
const webListening = listen(web.app, { host: "127.0.0.1", port: 0, maxRequestBodySize: 1 << 20 });
try {
  const alice = await api.person("alice");
  const readers = await Promise.all(Array.from({ length: 10 }, (_, i) => api.person(`reader${i + 1}`)));
  const { communityId, general } = await createCommunity(api, alice, "acme", readers);
  if (CHANNELS) await addJoinedChannels(api, communityId, CHANNELS, "reader");
  await api.raw`insert into channel_members (channel_id, user_id)
    select ${general}, id from users where username like 'reader%' on conflict do nothing`;

  await fanOut({
    name: "web",
    api,
    busAt,
    poster: alice,
    channel: general,
    url: `${webListening.url}/events?community=acme&channel=${general}`,
    // Straight to the SM, as the gateway would call it: the secret and each reader's identity.
    credentials: await Promise.all(readers.map((r) => gatewayHop(api.database.db, r.token))),
    count: STREAMS,
    hubSize: () => web.live.hub.size,
    memoryKb: 16,
  });

  heading("web: channel page (full HTML, 50 messages) against the API history call it makes");
  for (let i = 0; i < 60; i++) {
    await callJson(api, alice, "POST", `/api/channels/${general}/messages`, {
      body_md: `Message ${i}: the **build** is green again — see https://ci.example/${i} and \`make deploy\``,
    });
  }
  const aliceHop = await gatewayHop(api.database.db, alice.token);
  const get = (url: string) => async () => {
    const res = await fetch(url, { headers: { ...aliceHop, authorization: `Bearer ${alice.token}` } });
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

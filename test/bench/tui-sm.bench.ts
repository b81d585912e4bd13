// The TUI session manager: one message fanned out to 2,000 open terminal streams (`GET /tui/events`,
// JSON events) against the raw bus delivery of the same message, and the memory an idle stream costs.
// Issue 7 gives it the web SM's fan-out target, the capacity issue the same memory target as every
// hop (≤ 16 KB per idle stream). The same measurement as web.bench.ts (test/bench/fan-out.ts), so
// the two SMs compare line by line.
// Run with `bun run bench tui` (or `bun test/bench/tui-sm.bench.ts`). BENCH_TUI_STREAMS (2000) sets the
// size; BENCH_STREAM_CHANNELS (0) adds that many public channels, every reader in each.
import { z } from "zod";
import { loadConfig } from "../../lib/config.ts";
import { listen } from "../../lib/http/listen.ts";
import { createTuiService } from "../../services/tui-sm/main.ts";
import { gatewayHop, TEST_INTERNAL_SECRET } from "../support/internal.ts";
import { busClock, fanOut } from "./fan-out.ts";
import { addJoinedChannels, createCommunity, startBenchApi } from "./setup.ts";

const STREAMS = z.coerce.number().int().positive().default(2000).parse(Bun.env.BENCH_TUI_STREAMS);
// Public channels added to the community, each joined by every reader (0: just #general and #random).
const CHANNELS = z.coerce.number().int().min(0).default(0).parse(Bun.env.BENCH_STREAM_CHANNELS);

const api = await startBenchApi();
const busAt = await busClock(api.bus);
const tui = await createTuiService({
  // Every reader holds a couple of hundred streams: the per-person limit stays out of the way.
  config: loadConfig({
    AJET_LOG_LEVEL: "error",
    AJET_INTERNAL_SECRET: TEST_INTERNAL_SECRET,
    AJET_MAX_STREAMS_PER_USER: "1000000",
  }),
  bus: api.bus,
  api: { name: "api", app: api.app, secret: TEST_INTERNAL_SECRET },
});
const tuiListening = listen(tui.app, { host: "127.0.0.1", port: 0, maxRequestBodySize: 1 << 20 });
try {
  const alice = await api.person("alice");
  const readers = await Promise.all(Array.from({ length: 10 }, (_, i) => api.person(`reader${i + 1}`)));
  const { communityId, general } = await createCommunity(api, alice, "acme", readers);
  if (CHANNELS) await addJoinedChannels(api, communityId, CHANNELS, "reader");

  await fanOut({
    name: "tui",
    api,
    busAt,
    poster: alice,
    channel: general,
    url: `${tuiListening.url}/tui/events?community=acme`,
    // Straight to the SM, as the gateway would call it: the secret and each reader's identity.
    credentials: await Promise.all(readers.map((r) => gatewayHop(api.database.db, r.token))),
    count: STREAMS,
    hubSize: () => tui.live.hub.size,
    memoryKb: 16,
  });
} finally {
  await tui.live.close();
  await tuiListening.stop(0);
  await api.close();
}

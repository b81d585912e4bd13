// Full-text search over a big community, against the route's own search SQL run raw.
// Run with `bun run bench` (or `bun test/bench/search.bench.ts`).
import { apiSpecs } from "../../services/api/routes.ts";
import { knobs } from "./knobs.ts";
import { checkErrors, heading, interleaved, latency, ms, row, verdict } from "./measure.ts";
import { explain, runRaw } from "./replay.ts";
import { CHANNELS, seedSearchCorpus } from "./search-corpus.ts";
import { httpGet, startBenchApi } from "./setup.ts";

if (!apiSpecs.some((s) => s.method === "GET" && s.path === "/api/search")) {
  console.log("\n== search: route not present, skipped");
  process.exit(0);
}

const total = knobs.BENCH_SEARCH_MESSAGES;
const samples = knobs.BENCH_SAMPLES;
// A slow query shape gets this long, so the whole run stays within minutes.
const SECONDS_PER_SHAPE = 12;

const api = await startBenchApi();
try {
  heading(`search: GET /api/search?q=… over ${total.toLocaleString("en")} messages in ${CHANNELS} channels`);
  const seedStarted = performance.now();
  const { alice, vocabulary } = await seedSearchCorpus(api, total);
  console.log(
    `  seeded in ${((performance.now() - seedStarted) / 1000).toFixed(1)} s: 6–18 words a message from ${vocabulary.length} ` +
      `words with log-uniform ranks; alice can read 17 of the 20 channels`,
  );

  const rank = (n: number) => vocabulary[n - 1] as string;
  const shapes = [
    { name: "a common word", q: rank(20) },
    { name: "two words", q: `${rank(30)} ${rank(60)}` },
    { name: "a rare word", q: rank(3000) },
    { name: "a phrase", q: `"${rank(8)} ${rank(12)}"` },
    // Its word pair is in about one message of twenty: the newest 500 come off the primary key.
    { name: "a common phrase", q: `"${rank(1)} ${rank(2)}"` },
    { name: "an exclusion", q: `${rank(20)} -${rank(2)}` },
  ];
  let allMet = true;
  for (const shape of shapes) {
    const path = `/api/search?q=${encodeURIComponent(shape.q)}`;
    const { response, statements } = await api.capture(alice, "GET", path);
    if (!response.ok) throw new Error(`search for ${shape.q} → ${response.status} ${await response.text()}`);
    const page = (await response.json()) as { items: unknown[]; has_more: boolean };
    const search = statements.filter((s) => /to_tsquery|::tsquery/.test(s.query));
    if (search.length === 0) throw new Error("the search request ran no full-text statement");
    const [matches] = await api.raw`
      select count(*)::int as n from messages where search @@ websearch_to_tsquery('english', ${shape.q})`;

    const f = await interleaved({
      count: samples,
      warmup: 3,
      seconds: SECONDS_PER_SHAPE,
      ops: {
        http: httpGet(api, alice, path),
        search: runRaw(api.raw, search),
        all: runRaw(api.raw, statements),
      },
    });
    for (const [what, figures] of Object.entries(f)) checkErrors(`${what} for ${shape.q}`, figures);
    // Medians: with a few dozen samples of a slow shape, a p95 is one or two outliers.
    const ratio = f.http.p50 / f.search.p50;

    console.log(
      `  ${shape.name}: q=${shape.q}  (${matches.n.toLocaleString("en")} matching messages; page of ${page.items.length}${page.has_more ? ", more" : ""}; ${f.http.count} of each, in turn)`,
    );
    row("  the route over HTTP, one request at a time", latency(f.http, ["p50", "p95"]));
    row("  its search SQL run raw", latency(f.search, ["p50", "p95"]));
    row(`  all ${statements.length} statements of the request run raw`, latency(f.all, ["p50", "p95"]));
    row(
      "  ratio route / search SQL",
      `${ratio.toFixed(2)}× at p50, ${(f.http.p95 / f.search.p95).toFixed(2)}× at p95`,
    );
    const fast = verdict(
      "p95 ≤ 50 ms",
      f.http.p95 <= 50,
      `p95 ${ms(f.http.p95)} ms, ${(f.http.p95 / 50).toFixed(1)}× the target`,
    );
    const close = verdict("≤ 1.5× the raw search SQL (p50)", ratio <= 1.5, `${ratio.toFixed(2)}×`);
    if (!fast || !close) {
      for (const s of search) {
        const plan = await explain(api.raw, s);
        console.log(`    EXPLAIN ANALYZE: ${ms(plan.executionMs)} ms in the server`);
        for (const line of plan.outline.slice(0, 12)) console.log(`      ${line}`);
      }
    }
    allMet &&= fast && close;
  }
  console.log(`  search targets: ${allMet ? "all MET" : "some MISSED (above)"}`);
} finally {
  await api.close();
}

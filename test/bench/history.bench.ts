// A page of history from a big channel, against the page's main SQL query run raw. The newest page is
// held by the API while the channel is unchanged (lib/messages/newest-pages.ts); a row shows it read again.
// Run with `bun run bench` (or `bun test/bench/history.bench.ts`).
import { trustedHop } from "../support/internal.ts";
import { knobs } from "./knobs.ts";
import { checkErrors, heading, interleaved, latency, ms, row, verdict } from "./measure.ts";
import { explain, explainEach, runRaw } from "./replay.ts";
import {
  bulkLoad,
  bulkUsers,
  createCommunity,
  httpGet,
  sqlArray,
  startBenchApi,
  uuidv7Sql,
} from "./setup.ts";

const total = knobs.BENCH_HISTORY_MESSAGES;
const samples = knobs.BENCH_SAMPLES;
const CHUNK = 50_000;
const EMOJI = ["👍", "🎉", "❤️", "😂", "🚀", "👀", "✅", "🙏"];

const api = await startBenchApi();
try {
  const alice = await api.person("alice");
  const authorIds = await bulkUsers(api.raw, "colleague", 20);
  const usernames = authorIds.map((_, i) => `colleague${i + 1}`);
  const { general } = await createCommunity(
    api,
    alice,
    "acme",
    authorIds.map((id) => ({ id })),
  );

  heading(
    `history: GET /api/channels/:id/messages?limit=50 from a channel of ${total.toLocaleString("en")} messages`,
  );
  const seedStarted = performance.now();
  // One message a minute back from now, so the app's own ids (made now) sort after them.
  const base = `(extract(epoch from now()) * 1000)::bigint - ${total + 1}::bigint * 60000`;
  const authors = sqlArray(authorIds, "uuid");
  const names = sqlArray(usernames, "text");
  const topLevel = `select id, created_at, row_number() over (order by id) as g
    from messages where channel_id = '${general}' and parent_id is null`;
  const chunks = Array.from({ length: Math.ceil(total / CHUNK) }, (_, c) => {
    const from = c * CHUNK + 1;
    const to = Math.min(total, (c + 1) * CHUNK);
    return `insert into messages (id, channel_id, user_id, body_md, created_at)
      select ${uuidv7Sql("t.ms")}, '${general}', (${authors})[1 + g % 20],
        case when g % 20 = 0 then '@' || (${names})[1 + (g / 20) % 20] || ' can you look at item ' || g
             else 'Item ' || g || ': the build is green again after the cache fix, deploying at three' end,
        to_timestamp(t.ms / 1000.0)
      from generate_series(${from}, ${to}) g
      cross join lateral (select ${base} + g::bigint * 60000 as ms) t`;
  });
  await bulkLoad(api.dbUrl, chunks, [
    // Every tenth message has a thread of one to four replies, a few seconds after it.
    `insert into messages (id, channel_id, user_id, parent_id, body_md, created_at)
      select ${uuidv7Sql("t.ms")}, '${general}', (${authors})[1 + (p.g + r) % 20], p.id, 'Reply ' || r,
        to_timestamp(t.ms / 1000.0)
      from (${topLevel}) p
      cross join generate_series(1, 1 + (p.g / 10) % 4) r
      cross join lateral (select (extract(epoch from p.created_at) * 1000)::bigint + r * 1000 as ms) t
      where p.g % 10 = 0`,
    // Every third message has one to three reactions.
    `insert into reactions (message_id, user_id, emoji, created_at)
      select p.id, (${authors})[1 + (p.g + k) % 20], (${sqlArray(EMOJI, "text")})[1 + k],
        p.created_at + k * interval '1 second'
      from (${topLevel}) p
      cross join generate_series(0, (p.g / 3) % 3) k
      where p.g % 3 = 0`,
    `insert into mentions (id, message_id, target_type, target_id)
      select gen_random_uuid(), p.id, 'user', (${authors})[1 + (p.g / 20) % 20]
      from (${topLevel}) p where p.g % 20 = 0`,
  ]);
  const [counts] = await api.raw`
    select count(*) filter (where parent_id is null) as top, count(*) filter (where parent_id is not null) as replies,
      (select count(*) from reactions) as reactions
    from messages where channel_id = ${general}`;
  console.log(
    `  seeded ${Number(counts.top).toLocaleString("en")} messages, ${Number(counts.replies).toLocaleString("en")} thread replies, ` +
      `${Number(counts.reactions).toLocaleString("en")} reactions in ${((performance.now() - seedStarted) / 1000).toFixed(1)} s`,
  );

  const path = `/api/channels/${general}/messages?limit=50`;
  const { response, statements } = await api.capture(alice, "GET", path);
  const page = (await response.json()) as { items: { reply_count: number; reactions: unknown[] }[] };
  console.log(
    `  the newest page: ${page.items.length} messages, ${page.items.filter((m) => m.reply_count > 0).length} with replies, ` +
      `${page.items.filter((m) => m.reactions.length > 0).length} with reactions; ${statements.length} SQL statements`,
  );
  // The page's main query as an ORM would send it alone: the newest 51 rows of the channel, every
  // column (the route reads them in the same statement as their views).
  const main = {
    query: `select id, channel_id, user_id, webhook_id, parent_id, body_md, embeds, author_name, author_avatar_url,
        client_msg_id, webhook_key, created_at, edited_at, deleted_at
      from messages where channel_id = $1 and parent_id is null order by id desc limit $2`,
    params: [general, 51],
  };

  const [middle] = await api.raw`
    select id from messages where channel_id = ${general} and parent_id is null
    order by id desc offset ${Math.floor(total / 2)} limit 1`;
  const f = await interleaved({
    count: samples,
    warmup: 30,
    ops: {
      http: httpGet(api, alice, path),
      inProcess: async () => {
        const res = await api.app.fetch(
          new Request(`http://api.bench${path}`, {
            headers: { ...trustedHop, authorization: `Bearer ${alice.token}` },
          }),
        );
        if (!res.ok) throw new Error(`${res.status}`);
        await res.arrayBuffer();
      },
      main: runRaw(api.raw, [main]),
      all: runRaw(api.raw, statements),
      // Taken in turn, so the page right after it finds its held copy out of date and reads again.
      change: async () => {
        // The seeding skipped the triggers that count changes (replica role): count one here.
        await api.raw`insert into history_versions (channel_id, stripe) values (${general}, 0)
          on conflict (channel_id, stripe) do update set version = history_versions.version + 1`;
      },
      changed: httpGet(api, alice, path),
      deep: httpGet(api, alice, `${path}&before=${middle.id}`),
    },
  });
  for (const [what, figures] of Object.entries(f)) checkErrors(what, figures);

  const percentiles = ["p50", "p95", "p99"] as const;
  console.log(`  ${f.http.count} of each, taken in turn:`);
  row("the page over HTTP, one request at a time", latency(f.http, percentiles));
  row("the page in-process (app.fetch, no socket)", latency(f.inProcess, percentiles));
  row("its main SQL query run raw (Bun SQL)", latency(f.main, percentiles));
  row(`all ${statements.length} statements of the page run raw, in turn`, latency(f.all, percentiles));
  const ratio = f.http.p50 / f.main.p50;
  row("ratio page / raw main query (p50)", `${ratio.toFixed(1)}×`);
  verdict("history page ≤ 3× its raw main query (p50)", ratio <= 3, `${ratio.toFixed(1)}×`);
  const met = verdict(
    "history page p50 ≤ 5 ms",
    f.http.p50 <= 5,
    `p50 ${ms(f.http.p50)} ms, ${ms(f.http.p50 - 5)} ms over`,
  );
  row("the newest page just after a change, over HTTP", latency(f.changed, percentiles));
  row("a page half-way back (?before=…), over HTTP", latency(f.deep, percentiles));

  const plan = await explain(api.raw, main);
  console.log(
    `  main query plan (${ms(plan.executionMs)} ms in the server): ${plan.outline.map((l) => l.trim()).join(" › ")}`,
  );
  if (!met) {
    console.log("  server execution time of each statement of the page (EXPLAIN ANALYZE):");
    await explainEach(api.raw, statements);
  }
} finally {
  await api.close();
}

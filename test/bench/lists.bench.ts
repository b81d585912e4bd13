// Big lists: a community of 2,000 channels and 10,000 members, its list routes (first page, the
// sidebar's own channels, search-as-you-type) against their own SQL run raw, and beside a small
// community's, so "opens as fast as a small one" is a ratio. Run with `bun run bench lists`.
import { knobs } from "./knobs.ts";
import { checkErrors, heading, interleaved, latency, ms, row, verdict } from "./measure.ts";
import { runRaw } from "./replay.ts";
import { bulkUsers, createCommunity, httpGet, startBenchApi } from "./setup.ts";

const CHANNELS = 2000;
const MEMBERS = 10_000;
const JOINED = 60;
const samples = Math.min(knobs.BENCH_SAMPLES, 200);

const api = await startBenchApi();
try {
  heading(`lists: ${CHANNELS.toLocaleString("en")} channels and ${MEMBERS.toLocaleString("en")} members`);
  const alice = await api.person("alice");
  const big = await createCommunity(
    api,
    alice,
    "big",
    (await bulkUsers(api.raw, "member", MEMBERS)).map((id) => ({ id })),
  );
  await api.raw`insert into channels (id, community_id, name, created_by)
    select gen_random_uuid(), ${big.communityId}::uuid, 'channel-' || lpad(n::text, 4, '0'), ${alice.id}::uuid
    from generate_series(1, ${CHANNELS - 1}) n`;
  await api.raw`insert into channel_members (channel_id, user_id)
    select id, ${alice.id}::uuid from channels where community_id = ${big.communityId}::uuid and name <> 'general'
    order by name limit ${JOINED}`;
  const small = await createCommunity(
    api,
    alice,
    "small",
    (await bulkUsers(api.raw, "friend", 10)).map((id) => ({ id })),
  );
  await api.raw`insert into channels (id, community_id, name, created_by)
    select gen_random_uuid(), ${small.communityId}::uuid, 'room-' || n, ${alice.id}::uuid from generate_series(1, 19) n`;
  await api.raw`vacuum analyze`;

  const shapes = [
    { name: "small community: channels, first page", path: "/api/communities/small/channels" },
    { name: "big community: channels, first page of 200", path: "/api/communities/big/channels" },
    {
      name: "big community: your channels (the sidebar)",
      path: "/api/communities/big/channels?joined=true&limit=1000",
    },
    {
      name: "big community: channels as you type 'channel-12'",
      path: "/api/communities/big/channels?q=channel-12&limit=8",
    },
    { name: "small community: members, first page", path: "/api/communities/small/members" },
    { name: "big community: members, first page of 200", path: "/api/communities/big/members" },
    {
      name: "big community: members as you type 'member12'",
      path: "/api/communities/big/members?q=member12&limit=8",
    },
  ];
  const p50s = new Map<string, number>();
  let allMet = true;
  for (const shape of shapes) {
    const { response, statements } = await api.capture(alice, "GET", shape.path);
    if (!response.ok) throw new Error(`${shape.path} → ${response.status} ${await response.text()}`);
    const page = (await response.json()) as { items: unknown[]; has_more: boolean };
    // The list's own statement: the one that pages (the rest is the caller's access check).
    const list = statements.filter((s) => /order by/i.test(s.query) && /limit/i.test(s.query));
    if (list.length === 0) throw new Error(`${shape.path} ran no paged statement`);
    const f = await interleaved({
      count: samples,
      warmup: 5,
      seconds: 15,
      ops: {
        http: httpGet(api, alice, shape.path),
        list: runRaw(api.raw, list),
        all: runRaw(api.raw, statements),
      },
    });
    for (const [what, figures] of Object.entries(f)) checkErrors(`${what} for ${shape.path}`, figures);
    p50s.set(shape.path, f.http.p50);
    const ratio = f.http.p50 / f.list.p50;
    console.log(
      `  ${shape.name}  (${page.items.length} items${page.has_more ? ", more" : ""}; ${f.http.count} of each, in turn)`,
    );
    row("    the route over HTTP", latency(f.http, ["p50", "p95"]));
    row("    its list SQL run raw", latency(f.list, ["p50", "p95"]));
    row(`    all ${statements.length} statements run raw`, latency(f.all, ["p50", "p95"]));
    row("    ratio route / list SQL", `${ratio.toFixed(2)}× at p50`);
    const met = verdict("≤ 3× its list SQL at p50", ratio <= 3, `${ratio.toFixed(2)}×`);
    if (!met)
      console.log(
        `    where it went: ${ms(f.http.p50 - f.all.p50)} ms outside SQL (HTTP, routing, the driver's round trips, JSON) and ` +
          `${ms(f.all.p50 - f.list.p50)} ms in the route's other ${statements.length - list.length} statements, ` +
          `against its list SQL's ${ms(f.list.p50)} ms: a list this cheap is bound by the route's fixed cost. ` +
          "Next: the access check folded into the list statement, then less work per request in the API",
      );
    allMet &&= met;
  }
  for (const [bigPath, smallPath] of [
    ["/api/communities/big/channels", "/api/communities/small/channels"],
    ["/api/communities/big/members", "/api/communities/small/members"],
  ] as const) {
    const ratio = (p50s.get(bigPath) ?? 0) / (p50s.get(smallPath) ?? 1);
    row(`  ${bigPath} / the small community's, p50`, `${ratio.toFixed(2)}×`);
    const met = verdict(
      "a big community's first page ≤ 3× a small one's",
      ratio <= 3,
      `${ratio.toFixed(2)}×`,
    );
    allMet &&= met;
  }
  console.log(`  list targets: ${allMet ? "all MET" : "some MISSED (above)"}`);
} finally {
  await api.close();
}

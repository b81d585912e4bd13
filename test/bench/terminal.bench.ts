// The terminal client: `ajet-chat --help` from the compiled binary, `ajet-chat send` through a
// gateway in front of a local API, and the TUI's first full render of a busy account, each beside a baseline measured in the
// same run. Run with `bun run bench terminal` (or `bun test/bench/terminal.bench.ts`).
import { join } from "node:path";
import { createTestRenderer } from "@opentui/core/testing";
import { ApiClient, httpTransport } from "../../lib/client/api-client.ts";
import { TuiApp } from "../../lib/terminal/tui/app.ts";
import { Screen } from "../../lib/terminal/tui/screen.ts";
import { heading, latency, ms, row, serial, verdict } from "./measure.ts";
import { callJson, createCommunity, startBenchApi, startBenchGateway, uuidv7Sql } from "./setup.ts";

const repo = join(import.meta.dir, "../..");
const binary = join(repo, "dist/ajet-chat");
const CHANNELS = 100;
const UNREAD = 10_000;

const build = Bun.spawnSync(["bun", "run", "build"], { cwd: repo, stdout: "pipe", stderr: "pipe" });
if (build.exitCode !== 0) throw new Error(`bun run build failed: ${build.stderr.toString()}`);

/** Runs a command to its end, output discarded; throws unless it exits 0. */
const spawn =
  (cmd: string[], env: Record<string, string> = {}) =>
  async () => {
    const proc = Bun.spawn(cmd, {
      env: { PATH: Bun.env.PATH ?? "", ...env },
      stdout: "ignore",
      stderr: "pipe",
    });
    if ((await proc.exited) !== 0)
      throw new Error(`${cmd.join(" ")}: ${await new Response(proc.stderr).text()}`);
  };

const ratio = (a: number, b: number) => `${(a / b).toFixed(1)}×`;

heading("ajet-chat --help from the compiled binary (process start to exit)");
const trueRun = await serial({ count: 30, warmup: 3, op: spawn(["true"]) });
const bunRun = await serial({ count: 30, warmup: 3, op: spawn([process.execPath, "-e", "0"]) });
const help = await serial({ count: 30, warmup: 3, op: spawn([binary, "--help"]) });
row("true", latency(trueRun));
row("bun -e 0", latency(bunRun));
row("ajet-chat --help", latency(help), `${ratio(help.p50, bunRun.p50)} of bun -e 0`);
verdict("≤ 30 ms wall (p50)", help.p50 <= 30, `p50 ${ms(help.p50)}`);

const api = await startBenchApi();
// The terminal talks to the gateway, as it does in use (the API answers only the gateway).
const gateway = startBenchGateway(api);
try {
  const alice = await api.person("alice");
  const bob = await api.person("bob");
  const { communityId, general } = await createCommunity(api, alice, "acme", [bob]);
  const env = { AJET_SERVER: gateway.url, AJET_TOKEN: alice.token, XDG_CONFIG_HOME: "/nonexistent" };

  heading("ajet-chat send '#general' text through a local gateway (process start to exit, 3 requests)");
  const post = `fetch(${JSON.stringify(`${gateway.url}/api/channels/${general}/messages`)}, {method: "POST", headers: {authorization: ${JSON.stringify(`Bearer ${alice.token}`)}, "content-type": "application/json"}, body: JSON.stringify({body_md: "baseline"})}).then((r) => { if (!r.ok) process.exit(1) })`;
  const raw = await serial({ count: 30, warmup: 3, op: spawn([process.execPath, "-e", post]) });
  const send = await serial({
    count: 30,
    warmup: 3,
    op: spawn([binary, "send", "#general", "deploy finished", "-q"], env),
  });
  row("bun -e 'one POST with fetch'", latency(raw));
  row("ajet-chat send", latency(send), `${ratio(send.p50, raw.p50)} of one bare POST`);
  verdict("≤ 100 ms wall (p50)", send.p50 <= 100, `p50 ${ms(send.p50)}`);

  heading(`TUI first full render: ${CHANNELS} channels, ${UNREAD.toLocaleString("en")} unread messages`);
  const names = Array.from({ length: CHANNELS - 1 }, (_, i) => `project-${String(i + 1).padStart(3, "0")}`);
  await api.raw.unsafe(`insert into channels (id, community_id, name, created_by)
    select ${uuidv7Sql("(extract(epoch from now()) * 1000)::bigint - 86400000")}, '${communityId}', n, '${alice.id}'
    from unnest(array[${names.map((n) => `'${n}'`).join(",")}]) n`);
  await api.raw.unsafe(`insert into channel_members (channel_id, user_id)
    select c.id, u.id from channels c, (values ('${alice.id}'::uuid), ('${bob.id}'::uuid)) u(id)
    where c.community_id = '${communityId}' on conflict do nothing`);
  const perChannel = UNREAD / CHANNELS;
  await api.raw.unsafe(`insert into messages (id, channel_id, user_id, body_md, created_at)
    select ${uuidv7Sql("(extract(epoch from now()) * 1000)::bigint - 3600000 + g * 10")}, c.id, '${bob.id}',
      case when g % 10 = 0 then 'see \`deploy.sh\` and **this**:' || chr(10) || '\`\`\`sh' || chr(10) || 'make deploy' || chr(10) || '\`\`\`'
           else 'message ' || g || ' about the release, with a [link](https://example.com)' end,
      now() - interval '1 hour'
    from channels c, generate_series(1, ${perChannel}) g where c.community_id = '${communityId}'`);
  await api.raw.unsafe(
    `update channel_members set last_read_message_id = null where user_id = '${alice.id}'`,
  );
  await api.raw.unsafe("analyze");
  const unread = await callJson<{ items: { unread_count: number }[] }>(
    api,
    alice,
    "GET",
    "/api/communities/acme/channels",
  );
  const totalUnread = unread.items.reduce((n, c) => n + c.unread_count, 0);

  const client = new ApiClient(httpTransport(gateway.url), alice.token);
  // Baseline: the same reads the TUI makes before its first frame, with nothing drawn.
  const reads = await serial({
    count: 15,
    warmup: 2,
    op: async () => {
      await Promise.all([client.me(), client.communities()]);
      await Promise.all([
        client.channels("acme"),
        client.dms(),
        client.members("acme"),
        client.notifications({ unread: true, limit: 50 }),
      ]);
      await client.history(general, { limit: 50 });
    },
  });
  const renders = await serial({
    count: 15,
    warmup: 2,
    op: async () => {
      const setup = await createTestRenderer({ width: 120, height: 40 });
      try {
        const app = new TuiApp({
          client,
          server: gateway.url,
          screen: new Screen(setup.renderer),
          bell: () => {},
          quit: () => {},
          live: false,
        });
        await app.start();
        await setup.renderOnce();
        if (!setup.captureCharFrame().includes("project-001")) throw new Error("the sidebar was not drawn");
      } finally {
        await setup.dispose();
      }
    },
  });
  row(`(${totalUnread.toLocaleString("en")} unread across ${unread.items.length} channels)`);
  row("the first screen's API reads, raw", latency(reads));
  row(
    "TUI start to first full frame",
    latency(renders),
    `${ratio(renders.p50, reads.p50)} of the reads alone`,
  );
  verdict("≤ 300 ms (p50)", renders.p50 <= 300, `p50 ${ms(renders.p50)}`);
} finally {
  await gateway.stop();
  await api.close();
}

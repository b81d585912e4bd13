import { afterAll, beforeAll, expect, test } from "bun:test";
import { startTestCluster, type TestCluster } from "../support/cluster.ts";
import { freeze, kill, rollingRestart, runFaults, seedPeople, wipeNats } from "../support/faults.ts";

// The fault suite, sized small: under a steady load through https nginx, one instance of each tier
// is killed and started again, NATS too, an api is frozen, NATS loses its store,
// and the api and gateway tiers are restarted one instance at a time; nothing acknowledged may be lost or
// doubled, and every reader ends with every message. `bun run bench faults` runs the big one.
let t: TestCluster;

beforeAll(async () => {
  t = await startTestCluster();
}, 240_000);

afterAll(async () => {
  await t?.cluster.stop();
});

test("kills and freezes under load lose and double nothing acknowledged, and leave no reader a gap", async () => {
  const people = await seedPeople(t, 4);
  const figures = await runFaults(
    t,
    {
      community: people.community,
      channel: people.channel,
      posters: people.tokens.slice(0, 2),
      readers: people.tokens.slice(2),
      postEveryMs: 50,
    },
    [
      kill("api-1"),
      kill("tui-sm-1"),
      kill("auth-gw-2"),
      kill("nats"),
      freeze("api-2"),
      wipeNats(),
      rollingRestart(["api-1", "api-2", "auth-gw-1", "auth-gw-2"]),
    ],
    (line) => console.log(line),
  );
  console.log(JSON.stringify(figures));
  expect(figures.faults).toHaveLength(7);
  // The wiped store made every reader resync (and refetch) rather than skip the new stream's events.
  expect(figures.resyncs).toBeGreaterThanOrEqual(2);
  expect(figures.acknowledged).toBeGreaterThan(0);
  expect({
    lost: figures.lost,
    duplicated: figures.duplicated,
    gaps: figures.gaps,
    repeats: figures.repeats,
  }).toEqual({
    lost: 0,
    duplicated: 0,
    gaps: 0,
    repeats: 0,
  });
  expect(figures.caughtUp).toBe(true);
  for (const fault of figures.faults) expect(fault.healthyMs).toBeLessThan(10_000);
}, 300_000);

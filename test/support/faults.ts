import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { SQL } from "bun";
import type { LoadReport, LoadSpec } from "../bench/fault-load.ts";
import type { TestCluster } from "./cluster.ts";
import { waitFor } from "./ports.ts";
import { repoRoot } from "./process.ts";

/** One fault: what is done to the cluster, and when it is over (the instance back). */
export interface Fault {
  name: string;
  /** Does the fault and undoes it; resolves once the process is started again (or thawed). */
  run(t: TestCluster, progress: () => Promise<void>): Promise<void>;
}

/** kill -9, then start it again. */
export const kill = (name: string): Fault => ({
  name: `kill -9 ${name}`,
  async run(t) {
    const instance = t.cluster.instances[name];
    if (!instance) throw new Error(`no instance ${name}`);
    instance.signal("SIGKILL");
    await instance.exited();
    instance.start();
  },
});

/** SIGSTOP, and SIGCONT once the load has gone on without it. */
export const freeze = (name: string): Fault => ({
  name: `SIGSTOP/SIGCONT ${name}`,
  async run(t, progress) {
    const instance = t.cluster.instances[name];
    if (!instance) throw new Error(`no instance ${name}`);
    instance.signal("SIGSTOP");
    try {
      await progress();
    } finally {
      instance.signal("SIGCONT");
    }
  },
});

/** NATS killed and started again with its store gone, as a server that lost its disk. */
export const wipeNats = (): Fault => ({
  name: "NATS store wiped",
  async run(t) {
    const nats = t.cluster.instances.nats;
    if (!nats) throw new Error("no nats");
    nats.signal("SIGKILL");
    await nats.exited();
    rmSync(t.cluster.natsStore, { recursive: true, force: true });
    mkdirSync(t.cluster.natsStore);
    nats.start();
  },
});

/** SIGTERM (stop accepting, drain) and start again, one instance of each service after the other. */
export const rollingRestart = (names: string[]): Fault => ({
  name: `rolling SIGTERM restart of ${names.join(", ")}`,
  async run(t) {
    for (const name of names) {
      const instance = t.cluster.instances[name];
      if (!instance) throw new Error(`no instance ${name}`);
      await instance.stop(15_000);
      await t.cluster.restart(name);
    }
  },
});

export interface FaultFigures {
  /** Each fault: time back to ready after its restart, and the client's failed attempts meanwhile. */
  faults: { name: string; healthyMs: number; failed: number; firstFailed?: string }[];
  acknowledged: number;
  lost: number;
  duplicated: number;
  /** Acknowledged messages a reader neither got live nor refetched after a resync. */
  gaps: number;
  /** Events a reader got twice, or after a later one. */
  repeats: number;
  resyncs: number;
  failedAttempts: number;
  firstFailure?: string;
  caughtUp: boolean;
  /** The first few acknowledged messages some reader never got, and the fault under way when acknowledged. */
  missing: { cmid: string; readers: number; during: string }[];
}

/**
 * Runs the faults one after the other under a steady load through nginx (test/bench/fault-load.ts
 * in its own process), and checks the outcome against the database: every acknowledged
 * client_msg_id stored exactly once, and every reader holding every acknowledged message.
 */
export async function runFaults(
  t: TestCluster,
  spec: Omit<LoadSpec, "url">,
  faults: Fault[],
  log: (line: string) => void = () => {},
): Promise<FaultFigures> {
  const sql = new SQL({ url: t.cluster.databaseUrl, max: 1 });
  const stored = async () =>
    Number((await sql`select count(*)::int as n from messages where channel_id = ${spec.channel}`)[0].n);
  // The load has gone on: a few more messages stored than when asked.
  const progress = async (step = spec.posters.length * 3) => {
    const from = await stored();
    await waitFor(
      async () => {
        if ((await stored()) < from + step) throw new Error("no progress");
      },
      60_000,
      "the load to go on",
    );
  };
  const load = Bun.spawn(
    ["bun", join(repoRoot, "test/bench/fault-load.ts"), JSON.stringify({ ...spec, url: t.cluster.url })],
    {
      env: {
        PATH: process.env.PATH ?? "",
        HOME: process.env.HOME ?? "/tmp",
        NODE_EXTRA_CA_CERTS: t.cluster.caFile,
      },
      stdin: "pipe",
      stdout: "pipe",
      stderr: "inherit",
    },
  );
  const output = new Response(load.stdout).text();
  const done: FaultFigures["faults"] = [];
  const windows: { name: string; from: number; to: number }[] = [];
  try {
    await progress();
    for (const fault of faults) {
      const started = performance.now();
      const from = Date.now();
      await fault.run(t, () => progress());
      const restarted = performance.now();
      await t.cluster.waitAllReady(60_000);
      const healthyMs = Math.round(performance.now() - restarted);
      done.push({ name: fault.name, healthyMs, failed: 0 });
      windows.push({ name: fault.name, from, to: Date.now() });
      log(
        `${fault.name}: healthy ${healthyMs} ms after its restart (${Math.round(restarted - started)} ms of fault)`,
      );
      await progress();
    }
  } finally {
    load.stdin.write("stop\n");
    load.stdin.end();
  }
  await load.exited;
  const text = await output;
  const report = JSON.parse(text.trim().split("\n").pop() ?? "{}") as LoadReport;
  try {
    const rows = (await sql`
      select client_msg_id, count(*)::int as n from messages
      where channel_id = ${spec.channel} and client_msg_id like 'fault-%' group by client_msg_id`) as {
      client_msg_id: string;
      n: number;
    }[];
    const counts = new Map(rows.map((r) => [r.client_msg_id, r.n]));
    const lost = report.acks.filter((a) => !counts.has(a.cmid)).length;
    const duplicated = rows.reduce((sum, r) => sum + r.n - 1, 0);
    let gaps = 0;
    let repeats = 0;
    const missedBy = new Map<string, number>();
    for (const r of report.readers) {
      const seen = new Set([...r.live.map((m) => m.id), ...r.refetched]);
      const missed = report.acks.filter((a) => !seen.has(a.id));
      gaps += missed.length;
      for (const a of missed) missedBy.set(a.cmid, (missedBy.get(a.cmid) ?? 0) + 1);
      const ids = new Set<string>();
      let last = 0;
      let epoch = 0;
      for (const m of r.live) {
        // After a resync the log may have begun again, its seqs from 1.
        if (m.epoch !== epoch) [epoch, last] = [m.epoch, 0];
        if (ids.has(m.id) || m.seq <= last) repeats++;
        ids.add(m.id);
        last = Math.max(last, m.seq);
      }
    }
    // A failure belongs to the fault under way (up to the next one's start).
    for (const f of report.failures) {
      const i = windows.findLastIndex((w) => w.from <= f.at);
      const fault = done[i];
      if (fault) {
        fault.failed++;
        fault.firstFailed ??= f.what;
      }
    }
    return {
      faults: done,
      acknowledged: report.acks.length,
      lost,
      duplicated,
      gaps,
      repeats,
      resyncs: report.readers.reduce((s, r) => s + r.resyncs, 0),
      failedAttempts: report.failedAttempts,
      firstFailure: report.firstFailure,
      caughtUp: report.caughtUp,
      missing: [...missedBy].slice(0, 5).map(([cmid, readers]) => {
        const ackAt = report.acks.find((a) => a.cmid === cmid)?.ackAt ?? 0;
        const during = windows.findLast((w) => w.from <= ackAt)?.name ?? "before the first fault";
        return {
          cmid,
          readers,
          during: ackAt <= (windows.findLast((w) => w.from <= ackAt)?.to ?? 0) ? during : `after ${during}`,
        };
      }),
    };
  } finally {
    await sql.close();
  }
}

/** People for the load: the cluster's first person, a community and invitees, each with a token. */
export async function seedPeople(t: TestCluster, count: number) {
  const call = async (token: string | null, method: string, path: string, body?: unknown) => {
    const res = await t.https(path, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as Record<string, unknown>;
  };
  const owner = String(
    (
      await call(null, "POST", new URL(t.cluster.setupLink).pathname, {
        username: "owner",
        display_name: "Owner",
      })
    ).token,
  );
  await call(owner, "POST", "/api/communities", { name: "Faults", slug: "faults" });
  const channels = (await call(owner, "GET", "/api/communities/faults/channels")).items as { id: string }[];
  const tokens = [owner];
  for (let i = 1; i < count; i++) {
    const invite = await call(owner, "POST", "/api/communities/faults/invites", { max_uses: 1 });
    const joined = await call(null, "POST", new URL(String(invite.url)).pathname, {
      username: `person${i}`,
      display_name: `Person ${i}`,
    });
    tokens.push(String(joined.token));
  }
  return { tokens, community: "faults", channel: channels[0]?.id as string };
}

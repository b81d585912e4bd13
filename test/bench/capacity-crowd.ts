// The capacity benchmark's crowd (capacity.bench.ts), modelled on Mattermost load-test-ng's
// SimulController: each simulated person holds one live stream (half of them a browser's
// `GET /events`, half a terminal's `GET /tui/events`, both resuming with Last-Event-ID), pauses
// 1–39 s between actions and picks each action by load-test-ng's relative frequencies, mapped to
// our routes. It runs in a process of its own (its event loop and CPU are not the server's) and
// reports figures, not raw samples: action latencies, errors, each post's delivery to every stream
// that should get it (its channel's members; a browser stream only for the channel it shows, the
// only one whose messages it draws with their text), and the stream resumes.
import { monitorEventLoopDelay } from "node:perf_hooks";
import { readSse } from "../../lib/terminal/live-events.ts";
import { random } from "./crowd.ts";
import { percentile } from "./measure.ts";
import { wallNow } from "./streams.ts";

export interface CapacityPerson {
  id: string;
  token: string;
  username: string;
  web: boolean;
  /** Indexes into `channels` of the channels the person is in (#general first). */
  channels: number[];
}

export interface CapacitySpec {
  url: string;
  community: string;
  channels: { id: string; name: string }[];
  people: CapacityPerson[];
  /** Steady load, measured, after the warm-up. */
  seconds: number;
  /**
   * Load before the measured span, the same in every way but not judged: the streams have just
   * opened all at once and the first actions come in a burst, which settle here. Its figures are
   * reported apart.
   */
  warmupSeconds: number;
  /** A resume with neither `ready` nor `resync` by then counts as hung. */
  hangMs: number;
  seed: number;
}

export interface CapacityReport {
  opened: number;
  notOpened: number;
  firstFailure?: string;
  openSeconds: number;
  actions: number;
  errors: number;
  firstError?: string;
  latency: { avg: number; p50: number; p99: number };
  byAction: Record<string, { count: number; avg: number; p99: number; errors: number }>;
  delivery: { posts: number; expected: number; delivered: number; lost: number; p50: number; p99: number };
  resumes: { count: number; hung: number; resyncs: number; p99: number };
  /** This process's own CPU over the steady phase, in cores. */
  cores: number;
  /** This process's event-loop delay over the steady phase (ms): how late it could see an answer. */
  loop: { p99: number; max: number };
  /** The server's `/healthz` answer time at p99 over the steady phase (ms). */
  healthzP99: number;
  /** The warm-up, not judged: its actions and their latencies, and its posts' delivery. */
  warmup: { actions: number; errors: number; avg: number; p99: number; deliveryP99: number };
}

interface Sim {
  n: number;
  p: CapacityPerson;
  abort: AbortController | null;
  lastId: string | undefined;
  /** The channel shown (index into spec.channels); a browser's stream names it. */
  channel: number;
  page: string[];
  oldest: string | undefined;
  mine: string[];
  /** When the stream last became ready, or null while it is down; and since when it was down. */
  readyAt: number | null;
  downSince: number | null;
  /** Spans in which the stream was down and came back with `resync` (what was posted then is excused). */
  excused: [number, number][];
  /** Spans in which a browser stream showed a channel: [channel, from, to]. */
  showing: [number, number, number][];
}

const MARKER = /capacity-marker-(\d+)/g;
// A browser draws a message's text only in the channel it shows (elsewhere a badge): a post is
// expected there when the page still showed its channel this long after it was sent.
const SHOWN_MS = 5000;

async function crowd(spec: CapacitySpec): Promise<CapacityReport> {
  const rand = random(spec.seed);
  const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)] as T;
  const sims: Sim[] = spec.people.map((p, n) => ({
    n,
    p,
    abort: null,
    lastId: undefined,
    channel: p.channels[0] ?? 0,
    page: [],
    oldest: undefined,
    mine: [],
    readyAt: null,
    downSince: null,
    excused: [],
    showing: [],
  }));
  // Every action's start and time, and every failure's start: the warm-up is told apart at the end.
  const latencies: Record<string, { at: number; ms: number }[]> = {};
  const failures: { name: string; at: number; message: string }[] = [];
  const posts: { marker: number; channel: number; sentAt: number }[] = [];
  // arrivals[marker] = person → first arrival time
  const arrivals = new Map<number, Map<number, number>>();
  const resumes: { at: number; ms: number | null; answer: "ready" | "resync" | null }[] = [];
  let running = true;

  /** Opens the person's stream (resuming when they have a last id) and reads it until it ends. */
  async function hold(s: Sim, onAnswer: (a: "ready" | "resync" | Error) => void) {
    const abort = new AbortController();
    s.abort = abort;
    let answered = false;
    const answer = (a: "ready" | "resync" | Error) => {
      if (answered) return;
      answered = true;
      onAnswer(a);
    };
    const shown = spec.channels[s.channel]?.id ?? "";
    const path = s.p.web
      ? `/events?community=${spec.community}&channel=${shown}`
      : `/tui/events?community=${spec.community}`;
    try {
      const res = await fetch(spec.url + path, {
        signal: abort.signal,
        headers: {
          authorization: `Bearer ${s.p.token}`,
          accept: "text/event-stream",
          ...(s.lastId ? { "last-event-id": s.lastId } : {}),
        },
      });
      if (!res.ok || !res.body) throw new Error(`${res.status} ${(await res.text()).slice(0, 200)}`);
      for await (const e of readSse(res.body)) {
        if (e.event === "ready" || e.event === "resync") answer(e.event);
        if (e.id) s.lastId = e.id;
        // A browser's fragments are HTML; a terminal's events JSON, the message's text in its body.
        const text =
          typeof e.data === "string"
            ? e.data
            : e.event === "message.created"
              ? (e.data as { data?: { message?: { body_md?: string } } }).data?.message?.body_md
              : undefined;
        if (!text?.includes("capacity-marker-")) continue;
        const at = wallNow();
        for (const m of text.matchAll(MARKER)) {
          const k = Number(m[1]);
          const seen = arrivals.get(k) ?? new Map<number, number>();
          if (!seen.has(s.n)) seen.set(s.n, at);
          arrivals.set(k, seen);
        }
      }
      answer(new Error("the stream ended"));
    } catch (err) {
      answer(err instanceof Error ? err : new Error(String(err)));
    }
  }

  async function call(s: Sim, method: string, path: string, body?: unknown) {
    const res = await fetch(spec.url + path, {
      method,
      headers: {
        authorization: `Bearer ${s.p.token}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok)
      throw new Error(
        `${method} ${path.replace(/[0-9a-f-]{36}/g, ":id")} → ${res.status} ${text.slice(0, 200)}`,
      );
    return text && res.headers.get("content-type")?.includes("json") ? (JSON.parse(text) as unknown) : text;
  }

  type Page = { items: { id: string }[] };
  const channelId = (s: Sim) => spec.channels[s.channel]?.id as string;
  const history = (s: Sim, before?: string) =>
    call(
      s,
      "GET",
      `/api/channels/${channelId(s)}/messages?limit=50${before ? `&before=${before}` : ""}`,
    ) as Promise<Page>;

  /** Reconnects the stream with Last-Event-ID (a browser: to show `channel`, as a page load does). */
  function reconnect(s: Sim, channel = s.channel): Promise<void> {
    const droppedAt = wallNow();
    s.abort?.abort();
    if (s.p.web) {
      const open = s.showing.at(-1);
      if (open) open[2] = droppedAt;
    }
    s.readyAt = null;
    s.downSince = droppedAt;
    s.channel = channel;
    const r: (typeof resumes)[number] = { at: droppedAt, ms: null, answer: null };
    resumes.push(r);
    const askedAt = wallNow();
    return new Promise((resolve) => {
      void hold(s, (a) => {
        if (!(a instanceof Error)) {
          r.answer = a;
          r.ms = wallNow() - askedAt;
          const now = wallNow();
          if (a === "resync") s.excused.push([droppedAt, now]);
          s.readyAt = now;
          s.downSince = null;
          if (s.p.web) s.showing.push([s.channel, now, Number.POSITIVE_INFINITY]);
        }
        resolve();
      });
    });
  }

  let posted = 0;
  async function post(s: Sim) {
    const marker = posted++;
    const mention = rand() < 0.2 ? ` @${pick(spec.people).username}` : "";
    const sentAt = wallNow();
    const m = (await call(s, "POST", `/api/channels/${channelId(s)}/messages`, {
      body_md: `capacity-marker-${marker} from ${s.p.username}${mention}`,
    })) as { id: string };
    posts.push({ marker, channel: s.channel, sentAt });
    s.mine.push(m.id);
  }

  async function switchChannel(s: Sim) {
    s.channel = pick(s.p.channels);
    if (s.p.web) {
      // A page load: the page, and the browser's stream opened again for it.
      await call(s, "GET", `/c/${spec.community}/channels/${spec.channels[s.channel]?.name}`);
      void reconnect(s);
      return;
    }
    const page = await history(s);
    s.page = page.items.map((m) => m.id);
    s.oldest = s.page.at(-1);
    if (s.page[0]) await call(s, "POST", `/api/channels/${channelId(s)}/read`, { message_id: s.page[0] });
  }

  const someMessage = async (s: Sim) => {
    if (!s.page.length) s.page = (await history(s)).items.map((m) => m.id);
    return s.page.length ? pick(s.page) : undefined;
  };

  type Action = (s: Sim) => Promise<unknown>;
  // load-test-ng's relative frequencies (SimulController), mapped to our routes.
  const actions: [string, number, Action][] = [
    ["switch channel", 6.52, switchChannel],
    [
      "scroll back",
      1.99,
      async (s) => {
        const page = await history(s, s.oldest);
        s.oldest = page.items.at(-1)?.id ?? s.oldest;
      },
    ],
    [
      "open a DM",
      0.98,
      async (s) => {
        // A DM, or now and then a group DM of three.
        const others = [pick(spec.people), ...(rand() < 0.25 ? [pick(spec.people)] : [])].filter(
          (o) => o !== s.p,
        );
        if (!others.length) return;
        const dm = (await call(s, "POST", "/api/dm", {
          user_ids: [...new Set(others.map((o) => o.id))],
        })) as {
          id: string;
        };
        await call(s, "GET", `/api/channels/${dm.id}/messages?limit=50`);
      },
    ],
    [
      "unread check",
      1.0,
      (s) =>
        s.p.web
          ? call(s, "GET", `/web/sidebar?community=${spec.community}`)
          : call(s, "GET", `/api/communities/${spec.community}/channels`),
    ],
    ["post", 1.0, post],
    [
      "view thread",
      0.88,
      async (s) => {
        const id = await someMessage(s);
        if (id) await call(s, "GET", `/api/messages/${id}/replies?limit=200`);
      },
    ],
    ["notifications", 0.32, (s) => call(s, "GET", "/api/notifications?limit=50")],
    [
      "permalink",
      0.3,
      async (s) => {
        const id = await someMessage(s);
        if (id) await call(s, "GET", `/api/messages/${id}`);
      },
    ],
    ["reconnect", 0.144, (s) => reconnect(s)],
    [
      "reaction",
      0.13,
      async (s) => {
        const id = await someMessage(s);
        if (id)
          await call(
            s,
            "PUT",
            `/api/messages/${id}/reactions/${encodeURIComponent(pick(["👍", "🎉", "👀"]))}`,
          );
      },
    ],
    [
      "edit",
      0.04,
      async (s) => {
        const id = s.mine.at(-1);
        if (id) await call(s, "PATCH", `/api/messages/${id}`, { body_md: `edited by ${s.p.username}` });
      },
    ],
    [
      "search",
      0.022,
      () => call(sims[0] as Sim, "GET", `/api/search?q=${pick(["build", "green", "deploy"])}&limit=20`),
    ],
  ];
  const total = actions.reduce((n, [, w]) => n + w, 0);
  const act = async (s: Sim) => {
    let roll = rand() * total;
    let chosen = actions[0] as (typeof actions)[number];
    for (const a of actions) {
      chosen = a;
      roll -= a[1];
      if (roll < 0) break;
    }
    const [name, , action] = chosen;
    const at = wallNow();
    const started = performance.now();
    try {
      await action(s);
    } catch (err) {
      failures.push({ name, at, message: (err as Error).message });
    }
    const taken = latencies[name] ?? [];
    taken.push({ at, ms: performance.now() - started });
    latencies[name] = taken;
  };

  // Opening: waves of a hundred, each waiting for the last (people arrive over a few seconds).
  const openStarted = wallNow();
  let opened = 0;
  let notOpened = 0;
  let firstFailure: string | undefined;
  for (let i = 0; i < sims.length; i += 100) {
    await Promise.all(
      sims.slice(i, i + 100).map(
        (s) =>
          new Promise<void>((resolve) => {
            void hold(s, (a) => {
              if (a instanceof Error) {
                notOpened++;
                firstFailure ??= a.message;
              } else {
                opened++;
                s.readyAt = wallNow();
                if (s.p.web) s.showing.push([s.channel, s.readyAt, Number.POSITIVE_INFINITY]);
              }
              resolve();
            });
          }),
      ),
    );
  }
  const openSeconds = (wallNow() - openStarted) / 1000;

  const timers = new Set<ReturnType<typeof setTimeout>>();
  const later = (ms: number, fn: () => void) => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };
  const loop = (s: Sim, first: boolean) => {
    const pause = (1 + rand() * 38) * 1000;
    later(first ? rand() * pause : pause, async () => {
      if (!running) return;
      await act(s);
      loop(s, false);
    });
  };
  for (const s of sims) if (s.readyAt !== null) loop(s, true);
  const warmFrom = wallNow();
  await Bun.sleep(spec.warmupSeconds * 1000);

  // Told to the benchmark, which weighs the servers over the same span.
  console.log("steady");
  const cpuBefore = process.cpuUsage();
  const steadyFrom = wallNow();
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  // The server's door answering with no work behind it (/healthz), five times a second: how long
  // anything waits for the server's main thread, apart from the database and the services.
  const probes: number[] = [];
  const probing = (async () => {
    while (running) {
      const sent = wallNow();
      await fetch(`${spec.url}/healthz`).then(
        (r) => r.arrayBuffer(),
        () => null,
      );
      probes.push(wallNow() - sent);
      await Bun.sleep(200);
    }
  })();
  await Bun.sleep(spec.seconds * 1000);
  running = false;
  const stoppedAt = wallNow();
  console.log("stopped");
  const used = process.cpuUsage(cpuBefore);
  const cores = (used.user + used.system) / 1000 / (stoppedAt - steadyFrom);
  loopDelay.disable();
  await probing;
  const ownLoop = { p99: loopDelay.percentile(99) / 1e6, max: loopDelay.max / 1e6 };
  // Deliveries in flight land; resumes under way get their chance to answer.
  await Bun.sleep(Math.min(spec.hangMs, 3000));
  for (const t of timers) clearTimeout(t);

  // Each post is expected on every stream of its channel's members that was up when it was sent
  // (a browser stream only while showing that channel), unless the stream resumed across it with
  // `resync` (its client refetches); a stream down when it was sent gets it by replay on resuming.
  // A post lost in the warm-up counts as lost: only its delivery time is not judged.
  const deliveryOf = (from: number, to: number) => {
    let expected = 0;
    let lost = 0;
    const delays: number[] = [];
    for (const post of posts) {
      if (post.sentAt < from || post.sentAt > to) continue;
      const seen = arrivals.get(post.marker);
      for (const s of sims) {
        if (!s.p.channels.includes(post.channel)) continue;
        if (
          s.p.web &&
          !s.showing.some(
            ([c, start, end]) => c === post.channel && start <= post.sentAt && post.sentAt + SHOWN_MS < end,
          )
        )
          continue;
        if (s.excused.some(([start, end]) => post.sentAt >= start && post.sentAt <= end)) continue;
        const up = s.readyAt !== null && s.readyAt <= post.sentAt;
        const resumed = s.downSince !== null || (s.readyAt !== null && s.readyAt > post.sentAt);
        if (!up && !resumed) continue;
        // A browser that left the channel's page by the end does not replay it: only count what it saw then.
        expected++;
        const at = seen?.get(s.n);
        if (at === undefined) lost++;
        else if (up) delays.push(at - post.sentAt);
      }
    }
    return { expected, lost, delays: delays.sort((x, y) => x - y) };
  };
  const steady = deliveryOf(steadyFrom, stoppedAt);
  const warm = deliveryOf(warmFrom, steadyFrom - 1e-9);
  const within = (from: number, to: number) => (x: { at: number }) => x.at >= from && x.at < to;
  const inSteady = within(steadyFrom, Number.POSITIVE_INFINITY);
  const inWarmup = within(warmFrom, steadyFrom);
  const times = (keep: (x: { at: number }) => boolean) =>
    Object.values(latencies)
      .flat()
      .filter(keep)
      .map((x) => x.ms)
      .sort((x, y) => x - y);
  const all = times(inSteady);
  const warmTimes = times(inWarmup);
  const mean = (xs: number[]) => (xs.length ? xs.reduce((x, y) => x + y, 0) / xs.length : Number.NaN);
  const steadyFailures = failures.filter(inSteady);
  const steadyResumes = resumes.filter(inSteady);
  const resumeMs = steadyResumes.map((r) => r.ms ?? Number.POSITIVE_INFINITY).sort((x, y) => x - y);
  for (const s of sims) s.abort?.abort();
  return {
    opened,
    notOpened,
    firstFailure,
    openSeconds,
    actions: all.length,
    errors: steadyFailures.length,
    firstError: steadyFailures[0]?.message,
    latency: { avg: mean(all), p50: percentile(all, 50), p99: percentile(all, 99) },
    byAction: Object.fromEntries(
      Object.entries(latencies).map(([name, xs]) => {
        const sorted = xs
          .filter(inSteady)
          .map((x) => x.ms)
          .sort((x, y) => x - y);
        return [
          name,
          {
            count: sorted.length,
            avg: mean(sorted),
            p99: percentile(sorted, 99),
            errors: steadyFailures.filter((f) => f.name === name).length,
          },
        ];
      }),
    ),
    delivery: {
      posts: posts.filter((p) => p.sentAt >= steadyFrom && p.sentAt <= stoppedAt).length,
      expected: steady.expected + warm.expected,
      delivered: steady.expected + warm.expected - steady.lost - warm.lost,
      lost: steady.lost + warm.lost,
      p50: percentile(steady.delays, 50),
      p99: percentile(steady.delays, 99),
    },
    resumes: {
      count: steadyResumes.length,
      // A resume that hung in the warm-up counts too: a hang is never a settling effect.
      hung: resumes.filter((r) => (r.ms ?? Number.POSITIVE_INFINITY) > spec.hangMs).length,
      resyncs: steadyResumes.filter((r) => r.answer === "resync").length,
      p99: percentile(resumeMs, 99),
    },
    cores,
    loop: ownLoop,
    healthzP99: percentile(probes, 99),
    warmup: {
      actions: warmTimes.length,
      errors: failures.filter(inWarmup).length,
      avg: mean(warmTimes),
      p99: percentile(warmTimes, 99),
      deliveryP99: percentile(warm.delays, 99),
    },
  };
}

if (import.meta.main) {
  const spec = (await Bun.stdin.json()) as CapacitySpec;
  console.log(JSON.stringify(await crowd(spec)));
  process.exit(0);
}

/**
 * Runs the crowd in a process of its own; `on` hears when its steady load starts and stops (the
 * benchmark weighs the servers over that span).
 */
export async function runCapacityCrowd(
  spec: CapacitySpec,
  on: { steady(): Promise<void> | void; stopped(): Promise<void> | void },
): Promise<CapacityReport> {
  const child = Bun.spawn([process.execPath, import.meta.path], {
    stdin: new Blob([JSON.stringify(spec)]),
    stdout: "pipe",
    stderr: "inherit",
    env: { ...Bun.env, BUN_CONFIG_MAX_HTTP_REQUESTS: "65336" },
  });
  let report: CapacityReport | undefined;
  const decoder = new TextDecoder();
  let buffer = "";
  for await (const chunk of child.stdout) {
    buffer += decoder.decode(chunk, { stream: true });
    for (let cut = buffer.indexOf("\n"); cut >= 0; cut = buffer.indexOf("\n")) {
      const line = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 1);
      if (line === "steady") await on.steady();
      else if (line === "stopped") await on.stopped();
      else if (line.startsWith("{")) report = JSON.parse(line) as CapacityReport;
    }
  }
  const code = await child.exited;
  if (code !== 0 || !report) throw new Error(`the crowd process exited with ${code}`);
  return report;
}

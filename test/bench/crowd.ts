// Simulated people, as terminal users are: each holds one live stream (`GET /tui/events`) and, when
// acting, does what the TUI does (opens a channel and marks it read, scrolls back, opens a thread,
// lists notifications, reacts, posts), every 1–39 s. Some of them drop their stream now and then and
// come back with `Last-Event-ID` after a pause, as a laptop lid or a flaky network makes them do.
// The crowd runs in a process of its own (its event loop is not the server's) for a given time and
// reports what happened: every post it made, every post each stream saw, every resume.
// `runCrowd(spec)` is the one entry point; `crowdFigures(report)` turns a report into the counts
// benchmarks print.
import { readSse } from "../../lib/terminal/live-events.ts";
import { percentile } from "./measure.ts";
import { wallNow } from "./streams.ts";

export interface CrowdSpec {
  /** The server (the gateway, or a session manager straight). */
  url: string;
  /** The community every stream shows (by slug). */
  community: string;
  /** One token per person; each person holds one stream. */
  tokens: string[];
  /** Public channels of the community everyone may read, post in and mark read. */
  channels: string[];
  /** How long the crowd acts once every stream is ready. */
  seconds: number;
  /** Each person's pause between actions, drawn evenly from [min, max] seconds; null: nobody acts. */
  actEvery: [number, number] | null;
  /** Messages posted besides the crowd's own, evenly spaced, by the first person (0: none). */
  postsPerSecond: number;
  /** Resumes: one person every `everyMs` drops the stream and resumes after `pauseMs`. */
  resumes: { everyMs: number; pauseMs: number } | null;
  /** A resume with neither `ready` nor `resync` by then counts as hung. */
  hangMs: number;
  seed: number;
}

/** One resume: when it asked, how long until `ready` (or `resync`), or null when neither came. */
export interface Resume {
  person: number;
  /** When it dropped its stream: what was posted from then to its answer came only by replay. */
  droppedAt: number;
  askedAt: number;
  answer: "ready" | "resync" | null;
  ms: number | null;
}

export interface CrowdReport {
  /** Streams that never got their first `ready`, with the first failure. */
  notOpened: number;
  firstFailure?: string;
  /** Each person's first `ready` (wallNow), or null. */
  readyAt: (number | null)[];
  /** Each post that the API accepted: its marker, when it was sent and when the API answered. */
  posts: { marker: string; sentAt: number; answeredAt: number }[];
  /** For each person, how many times each marker reached their stream. */
  seen: Record<string, number>[];
  /** Events each person's stream got with an id at or below one it had already got. */
  repeats: number[];
  resumes: Resume[];
  actions: number;
  actionErrors: number;
  firstActionError?: string;
  /** When the crowd stopped acting (posts after it are not expected anywhere). */
  stoppedAt: number;
}

/** A deterministic generator, so a run can be repeated action for action. */
export function random(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const MARKER = /crowd-marker-(\d+)/;

interface Person {
  n: number;
  token: string;
  abort: AbortController | null;
  lastId: string | undefined;
  /** The highest event id the stream has shown, to tell an event out of order. */
  lastEventSeq: number;
  channel: string;
  /** Messages of the channel last opened, newest first, and the oldest one shown (for scrolling). */
  page: string[];
  oldest: string | undefined;
  busy: boolean;
}

function crowdProcess(spec: CrowdSpec): Promise<CrowdReport> {
  const rand = random(spec.seed);
  const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)] as T;
  const report: CrowdReport = {
    notOpened: 0,
    readyAt: spec.tokens.map(() => null),
    posts: [],
    seen: spec.tokens.map(() => ({})),
    repeats: spec.tokens.map(() => 0),
    resumes: [],
    actions: 0,
    actionErrors: 0,
    stoppedAt: 0,
  };
  const people: Person[] = spec.tokens.map((token, n) => ({
    n,
    token,
    abort: null,
    lastId: undefined,
    lastEventSeq: 0,
    channel: spec.channels[n % spec.channels.length] as string,
    page: [],
    oldest: undefined,
    busy: false,
  }));
  let posted = 0;
  let running = true;

  /**
   * Opens the person's stream (resuming from their last event id when they have one) and reads it
   * until it ends; `onAnswer` gets `ready` or `resync`, whichever comes first, or the failure.
   */
  async function hold(p: Person, onAnswer: (answer: "ready" | "resync" | Error) => void) {
    const abort = new AbortController();
    p.abort = abort;
    let answered = false;
    const answer = (a: "ready" | "resync" | Error) => {
      if (answered) return;
      answered = true;
      onAnswer(a);
    };
    try {
      const res = await fetch(`${spec.url}/tui/events?community=${encodeURIComponent(spec.community)}`, {
        signal: abort.signal,
        headers: {
          authorization: `Bearer ${p.token}`,
          accept: "text/event-stream",
          ...(p.lastId ? { "last-event-id": p.lastId } : {}),
        },
      });
      if (!res.ok || !res.body) throw new Error(`${res.status} ${(await res.text()).slice(0, 200)}`);
      const seen = report.seen[p.n] as Record<string, number>;
      for await (const e of readSse(res.body)) {
        if (e.event === "ready" || e.event === "resync") answer(e.event);
        // The id to resume from is the last one seen, `ready`'s included, as the terminal client keeps it.
        if (e.id) p.lastId = e.id;
        if (e.id && e.event !== "ready") {
          if (Number(e.id) <= p.lastEventSeq) report.repeats[p.n] = (report.repeats[p.n] ?? 0) + 1;
          p.lastEventSeq = Math.max(p.lastEventSeq, Number(e.id));
        }
        if (e.event !== "message.created") continue;
        const body = (e.data as { data?: { message?: { body_md?: string } } }).data?.message?.body_md;
        const k = body && MARKER.exec(body)?.[1];
        if (k) seen[k] = (seen[k] ?? 0) + 1;
      }
      answer(new Error("the stream ended"));
    } catch (err) {
      answer(err instanceof Error ? err : new Error(String(err)));
    }
  }

  async function call(p: Person, method: string, path: string, body?: unknown) {
    const res = await fetch(spec.url + path, {
      method,
      headers: {
        authorization: `Bearer ${p.token}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok)
      throw new Error(
        `${method} ${path.replace(/[0-9a-f-]{36}/g, ":id")} → ${res.status} ${text.slice(0, 200)}`,
      );
    return text ? (JSON.parse(text) as unknown) : undefined;
  }

  async function post(p: Person) {
    const marker = String(posted++);
    const sentAt = wallNow();
    await call(p, "POST", `/api/channels/${p.channel}/messages`, {
      body_md: `crowd-marker-${marker} said person ${p.n}`,
    });
    report.posts.push({ marker, sentAt, answeredAt: wallNow() });
  }

  type Page = { items: { id: string }[] };
  const history = (p: Person, before?: string) =>
    call(
      p,
      "GET",
      `/api/channels/${p.channel}/messages?limit=50${before ? `&before=${before}` : ""}`,
    ) as Promise<Page>;

  type Action = (p: Person) => Promise<unknown>;
  // The TUI's actions, by weight: mostly reading, now and then writing.
  const actions: [number, Action][] = [
    [
      40,
      async (p) => {
        p.channel = pick(spec.channels);
        const page = await history(p);
        p.page = page.items.map((m) => m.id);
        p.oldest = p.page.at(-1);
        if (p.page[0]) await call(p, "POST", `/api/channels/${p.channel}/read`, { message_id: p.page[0] });
      },
    ],
    [
      25,
      async (p) => {
        const page = await history(p, p.oldest);
        p.oldest = page.items.at(-1)?.id ?? p.oldest;
      },
    ],
    [15, (p) => (p.page[0] ? call(p, "GET", `/api/messages/${pick(p.page)}/replies?limit=200`) : history(p))],
    [12, (p) => call(p, "GET", "/api/notifications?limit=50")],
    [
      4,
      (p) =>
        p.page[0]
          ? call(
              p,
              "PUT",
              `/api/messages/${pick(p.page)}/reactions/${encodeURIComponent(pick(["👍", "🎉", "👀"]))}`,
            )
          : history(p),
    ],
    [4, post],
  ];
  const totalWeight = actions.reduce((n, [w]) => n + w, 0);
  const act = async (p: Person) => {
    let roll = rand() * totalWeight;
    let action = actions[0]?.[1] as Action;
    for (const [weight, candidate] of actions) {
      action = candidate;
      roll -= weight;
      if (roll < 0) break;
    }
    report.actions++;
    try {
      await action(p);
    } catch (err) {
      report.actionErrors++;
      report.firstActionError ??= (err as Error).message;
    }
  };

  const timers: ReturnType<typeof setTimeout>[] = [];
  const later = (ms: number, fn: () => void) => timers.push(setTimeout(fn, ms));

  /** The person's next action, after their pause; the first pause is cut short at random, as people were mid-way already. */
  function actLater(p: Person, first = false) {
    if (!spec.actEvery) return;
    const [min, max] = spec.actEvery;
    const pause = (min + rand() * (max - min)) * 1000;
    later(first ? rand() * pause : pause, async () => {
      if (!running) return;
      await act(p);
      actLater(p);
    });
  }

  function resume(p: Person) {
    p.busy = true;
    const droppedAt = wallNow();
    p.abort?.abort();
    later(spec.resumes?.pauseMs ?? 0, () => {
      const r: Resume = { person: p.n, droppedAt, askedAt: wallNow(), answer: null, ms: null };
      report.resumes.push(r);
      void hold(p, (answer) => {
        if (answer instanceof Error) return;
        r.answer = answer;
        r.ms = wallNow() - r.askedAt;
        p.busy = false;
      });
    });
  }

  return new Promise((resolve) => {
    let waiting = people.length;
    const opened = () => {
      if (--waiting > 0) return;
      start();
    };
    // Opened in waves, as people arrive over time rather than in one instant.
    const WAVE = 50;
    const openWave = (from: number) => {
      const wave = people.slice(from, from + WAVE);
      let left = wave.length;
      for (const p of wave) {
        void hold(p, (answer) => {
          if (answer instanceof Error) {
            report.notOpened++;
            report.firstFailure ??= answer.message;
          } else report.readyAt[p.n] = wallNow();
          opened();
          if (--left === 0 && from + WAVE < people.length) openWave(from + WAVE);
        });
      }
    };
    openWave(0);

    function start() {
      for (const p of people) actLater(p, true);
      const poster = people[0];
      if (spec.postsPerSecond > 0 && poster) {
        const every = 1000 / spec.postsPerSecond;
        const tick = () => {
          if (!running) return;
          void post(poster).catch((err) => {
            report.actionErrors++;
            report.firstActionError ??= (err as Error).message;
          });
          later(every, tick);
        };
        later(every, tick);
      }
      const resumes = spec.resumes;
      if (resumes) {
        const tick = () => {
          if (!running) return;
          const live = people.filter((q) => !q.busy && report.readyAt[q.n] !== null && q !== poster);
          if (live.length) resume(pick(live));
          later(resumes.everyMs, tick);
        };
        later(resumes.everyMs, tick);
      }
      later(spec.seconds * 1000, async () => {
        running = false;
        report.stoppedAt = wallNow();
        // Resumes still waiting get their full chance to answer; posts in flight reach the streams.
        const deadline = Math.max(
          wallNow() + 2000,
          ...report.resumes.filter((r) => r.answer === null).map((r) => r.askedAt + spec.hangMs),
        );
        await Bun.sleep(deadline - wallNow());
        for (const t of timers) clearTimeout(t);
        for (const p of people) p.abort?.abort();
        resolve(report);
      });
    }
  });
}

if (import.meta.main) {
  const spec = (await Bun.stdin.json()) as CrowdSpec;
  console.log(JSON.stringify(await crowdProcess(spec)));
  process.exit(0);
}

/** Runs the crowd in a process of its own and answers its report. */
export async function runCrowd(spec: CrowdSpec): Promise<CrowdReport> {
  const child = Bun.spawn([process.execPath, import.meta.path], {
    stdin: new Blob([JSON.stringify(spec)]),
    stdout: "pipe",
    stderr: "inherit",
    // 500 streams and the requests beside them: past fetch's default of 256 at once.
    env: { ...Bun.env, BUN_CONFIG_MAX_HTTP_REQUESTS: "65336" },
  });
  const [out, code] = await Promise.all([new Response(child.stdout).text(), child.exited]);
  if (code !== 0) throw new Error(`the crowd process exited with ${code}`);
  return JSON.parse(out) as CrowdReport;
}

/**
 * What a report comes to. A post is expected on every stream that was ready before it was sent
 * (all streams show the community, all posts go to its public channels), unless that stream was
 * told `resync` across it (then its client refetches, as it should); a delivery is lost when an
 * expected post never reached the stream, doubled when it came more than once.
 */
export function crowdFigures(report: CrowdReport, hangMs: number) {
  const resumeMs = report.resumes.map((r) => r.ms ?? Number.POSITIVE_INFINITY).sort((a, b) => a - b);
  let expected = 0;
  let delivered = 0;
  let lost = 0;
  let doubled = 0;
  const lostByHung = new Set<number>();
  for (const [n, readyAt] of report.readyAt.entries()) {
    if (readyAt === null) continue;
    const seen = report.seen[n] ?? {};
    const excused = report.resumes.filter((r) => r.person === n && r.answer === "resync");
    for (const post of report.posts) {
      if (post.sentAt < readyAt || post.answeredAt > report.stoppedAt) continue;
      if (excused.some((r) => post.sentAt >= r.droppedAt && post.sentAt <= r.askedAt + (r.ms ?? 0))) continue;
      expected++;
      const times = seen[post.marker] ?? 0;
      if (times === 0) {
        lost++;
        if (report.resumes.some((r) => r.person === n && (r.ms ?? Number.POSITIVE_INFINITY) > hangMs))
          lostByHung.add(n);
      }
      if (times > 0) delivered++;
      if (times > 1) doubled += times - 1;
    }
  }
  return {
    resumes: report.resumes.length,
    hung: report.resumes.filter((r) => (r.ms ?? Number.POSITIVE_INFINITY) > hangMs).length,
    resyncs: report.resumes.filter((r) => r.answer === "resync").length,
    p50: percentile(resumeMs, 50),
    p99: percentile(resumeMs, 99),
    max: resumeMs.at(-1) ?? Number.NaN,
    expected,
    delivered,
    lost,
    doubled,
    repeats: report.repeats.reduce((a, b) => a + b, 0),
    lostOnHungStreams: lostByHung.size,
    posts: report.posts.length,
    actions: report.actions,
    actionErrors: report.actionErrors,
    firstActionError: report.firstActionError,
  };
}

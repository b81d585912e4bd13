/** What one measured run did: how many operations finished in the measured window, how fast, how long each took. */
export interface Figures {
  count: number;
  errors: number;
  firstError?: string;
  seconds: number;
  perSecond: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  /** CPU time the measuring process used per operation (user + system), when it was measured. */
  cpuMsPerOp?: number;
  /** Every measured latency, ascending, so runs of the same thing can be merged. */
  latencies: number[];
}

/** One operation: resolves when done; a rejection or a thrown error is counted, not fatal. */
export type Operation = (client: number, i: number) => Promise<void>;

/** The p-th percentile of numbers sorted ascending (NaN for none). */
export function percentile(sorted: number[], p: number) {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

function summarize(latencies: number[], seconds: number) {
  const sorted = latencies.sort((a, b) => a - b);
  return {
    count: sorted.length,
    seconds,
    perSecond: sorted.length / seconds,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? Number.NaN,
    latencies: sorted,
  };
}

/**
 * Several runs of the same thing (taken in turn with other things, so that whatever else the machine
 * did slowed them alike) as one: all their operations over all their measured time.
 */
export function mergeFigures(runs: Figures[]): Figures {
  const count = runs.reduce((n, r) => n + r.count, 0);
  return {
    ...summarize(
      runs.flatMap((r) => r.latencies),
      runs.reduce((n, r) => n + r.seconds, 0),
    ),
    errors: runs.reduce((n, r) => n + r.errors, 0),
    firstError: runs.find((r) => r.firstError)?.firstError,
    cpuMsPerOp: runs.reduce((n, r) => n + (r.cpuMsPerOp ?? 0) * r.count, 0) / Math.max(1, count),
  };
}

function recorder(measureFrom: number) {
  const latencies: number[] = [];
  let errors = 0;
  let done = 0;
  let firstError: string | undefined;
  const cpuStart = process.cpuUsage();
  return {
    async time(op: () => Promise<void>, startedAt = performance.now()) {
      try {
        await op();
        done++;
        if (startedAt >= measureFrom) latencies.push(performance.now() - startedAt);
      } catch (err) {
        errors++;
        firstError ??= err instanceof Error ? err.message : String(err);
      }
    },
    figures(seconds: number): Figures {
      const cpu = process.cpuUsage(cpuStart);
      return {
        ...summarize(latencies, seconds),
        errors,
        firstError,
        // Over every operation, warm-up included, as the CPU clock ran through the warm-up too.
        cpuMsPerOp: (cpu.user + cpu.system) / 1000 / Math.max(1, done + errors),
      };
    },
  };
}

/**
 * Closed loop: `clients` workers each run `op` back to back for warm-up + `seconds`; operations
 * started during the warm-up are not counted.
 */
export async function closedLoop(options: {
  clients: number;
  seconds: number;
  warmupSeconds: number;
  op: Operation;
}): Promise<Figures> {
  const start = performance.now();
  const measureFrom = start + options.warmupSeconds * 1000;
  const end = measureFrom + options.seconds * 1000;
  const r = recorder(measureFrom);
  await Promise.all(
    Array.from({ length: options.clients }, async (_, client) => {
      for (let i = 0; performance.now() < end; i++) await r.time(() => options.op(client, i));
    }),
  );
  // Operations still running at `end` finished a little later; the window is what really elapsed.
  return r.figures((performance.now() - measureFrom) / 1000);
}

/**
 * Open loop: starts operations at a fixed rate whatever the latency, as independent users do.
 * Each latency counts from when the operation was due, so a server that falls behind shows it
 * (no coordinated omission).
 */
export async function openLoop(options: {
  rate: number;
  seconds: number;
  warmupSeconds: number;
  op: Operation;
}): Promise<Figures> {
  const start = performance.now();
  const measureFrom = start + options.warmupSeconds * 1000;
  const total = Math.round((options.warmupSeconds + options.seconds) * options.rate);
  const dueAt = (i: number) => start + (i * 1000) / options.rate;
  const r = recorder(measureFrom);
  const running: Promise<void>[] = [];
  for (let i = 0; i < total; ) {
    const now = performance.now();
    for (; i < total && dueAt(i) <= now; i++) {
      const n = i;
      running.push(r.time(() => options.op(n, n), dueAt(n)));
    }
    if (i < total) await Bun.sleep(Math.max(0, dueAt(i) - performance.now()));
  }
  await Promise.all(running);
  return r.figures(options.seconds);
}

/** `count` operations one after another (after `warmup` unmeasured ones): latency with nothing else running. */
export async function serial(options: { count: number; warmup: number; op: Operation }): Promise<Figures> {
  for (let i = 0; i < options.warmup; i++) await options.op(0, i);
  const r = recorder(0);
  const start = performance.now();
  for (let i = 0; i < options.count; i++) await r.time(() => options.op(0, i));
  return r.figures((performance.now() - start) / 1000);
}

/**
 * Runs the operations in turn (a, b, c, a, b, c…) `count` times or for `seconds`, after `warmup`
 * rounds: whatever else the machine does meanwhile slows each of them alike, so the ratios between
 * them hold even when the absolute figures move.
 */
export async function interleaved<K extends string>(options: {
  count: number;
  warmup: number;
  seconds?: number;
  ops: Record<K, Operation>;
}): Promise<Record<K, Figures>> {
  const entries = Object.entries(options.ops) as [K, Operation][];
  for (let i = 0; i < options.warmup; i++) for (const [, op] of entries) await op(0, i);
  const recorders = entries.map(([name]) => [name, recorder(0)] as const);
  const start = performance.now();
  const end = start + (options.seconds ?? Number.POSITIVE_INFINITY) * 1000;
  for (let i = 0; i < options.count && performance.now() < end; i++) {
    for (const [n, [, op]] of entries.entries()) await recorders[n]?.[1].time(() => op(0, i));
  }
  const seconds = (performance.now() - start) / 1000;
  return Object.fromEntries(recorders.map(([name, r]) => [name, r.figures(seconds)])) as Record<K, Figures>;
}

/** Milliseconds with a precision that suits their size. */
export const ms = (v: number) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));

/** `p50 1.23 ms  p99 4.56 ms` for the percentiles named. */
export function latency(f: Figures, which: readonly ("p50" | "p95" | "p99" | "max")[] = ["p50", "p99"]) {
  return which.map((p) => `${p} ${ms(f[p])} ms`).join("  ");
}

export const rate = (f: Figures) => `${Math.round(f.perSecond).toLocaleString("en")} /s`;

/** A line of the report: a label padded to a column, then the figures. */
export function row(label: string, ...figures: string[]) {
  console.log(`  ${label.padEnd(46)} ${figures.join("   ")}`);
}

/** A target's verdict line: MET, or MISSED with by how much. */
export function verdict(target: string, met: boolean, miss: string) {
  console.log(`  target ${target}: ${met ? "MET" : `MISSED (${miss})`}`);
  return met;
}

export function heading(title: string) {
  console.log(`\n== ${title}`);
}

/** Warns when an operation failed: a benchmark of failing requests measures nothing. */
export function checkErrors(what: string, f: Figures) {
  if (f.errors > 0) console.log(`  !! ${what}: ${f.errors} failed, first: ${f.firstError}`);
}

// /proc/<pid>/stat counts CPU in clock ticks; Linux reports USER_HZ = 100 to user space.
const TICK_MS = 10;

/** CPU milliseconds (user + system) each process has used so far; gone processes are left out. */
export async function cpuMsOf(pids: number[]) {
  const used = new Map<number, number>();
  for (const pid of pids) {
    const stat = await Bun.file(`/proc/${pid}/stat`)
      .text()
      .catch(() => "");
    if (!stat) continue;
    // "pid (comm) state …": utime and stime are the 14th and 15th fields, the 12th and 13th after comm.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    used.set(pid, (Number(fields[11]) + Number(fields[12])) * TICK_MS);
  }
  return used;
}

/**
 * Starts counting CPU time of this process, of the PostgreSQL backends serving the benchmark's
 * database (`backends` lists their pids; other databases' work on the same server is not counted),
 * and of any other `processes` named (services run as their own processes); `stop(ops)` gives
 * milliseconds per operation.
 */
export async function cpuMeter(backends: () => Promise<number[]>, processes: Record<string, number> = {}) {
  const self = process.cpuUsage();
  const before = await cpuMsOf(await backends());
  const othersBefore = await cpuMsOf(Object.values(processes));
  return {
    async stop(ops: number) {
      const used = process.cpuUsage(self);
      let pg = 0;
      for (const [pid, now] of await cpuMsOf(await backends())) pg += now - (before.get(pid) ?? 0);
      const others = await cpuMsOf(Object.values(processes));
      const per = (v: number) => v / Math.max(1, ops);
      return {
        self: per((used.user + used.system) / 1000),
        postgres: per(pg),
        processes: Object.fromEntries(
          Object.entries(processes).map(([name, pid]) => [
            name,
            per((others.get(pid) ?? 0) - (othersBefore.get(pid) ?? 0)),
          ]),
        ),
      };
    },
  };
}

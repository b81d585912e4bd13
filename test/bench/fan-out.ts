// What the session managers' benchmarks (web, tui) measure alike: the memory an idle stream costs,
// and the time from a message being published on the bus to its arrival in every open stream, beside
// the POST's own time to the bus. The API and the session manager run in the benchmark's process (as
// in the embedded server); the streams' clients in another.
import type { EventBus } from "../../lib/bus/event-bus.ts";
import { heading, ms, percentile, row, verdict } from "./measure.ts";
import { type BenchApi, callJson, type Person } from "./setup.ts";
import { bareStreamKb, holdStreams, marker, rssMb, wallNow } from "./streams.ts";

const MESSAGES = 20;
// How long the held streams stay idle before they are weighed.
const IDLE_SECONDS = 15;

/**
 * When the bus hands each marked message to a plain subscriber, by marker number: the baseline.
 * Subscribe before the session manager does, so this sees each message before the SM's fan-out.
 */
export async function busClock(bus: EventBus) {
  const at = new Map<string, number>();
  await bus.subscribe("chat.events.>", (m) => {
    const body = (m.event.data as { message?: { body_md?: string } }).message?.body_md ?? "";
    const k = /bench-marker-(\d+)/.exec(body)?.[1];
    if (k) at.set(k, wallNow());
  });
  return at;
}

/**
 * Opens `count` streams on `url` (the first line of the section) and prints what each idle stream
 * costs this process, then posts marked messages one at a time and prints how long each took to
 * reach every stream, against its POST's time to the bus.
 */
export async function fanOut(o: {
  name: string;
  api: BenchApi;
  busAt: Map<string, number>;
  poster: Person;
  channel: string;
  url: string;
  /** Each stream's headers, in turn (see holdStreams). */
  credentials: Record<string, string>[];
  count: number;
  /** Connections the session manager's hub holds. */
  hubSize(): number;
  /** The capacity issue's limit on memory per idle stream, in KB. */
  memoryKb: number;
}) {
  const { api, count } = o;
  heading(`${o.name}: ${count.toLocaleString("en")} open streams, one message fanned out to all`);
  // Idle streams: RSS of this process before and after they connect (the clients live elsewhere).
  for (let i = 0; i < 3; i++) await fetch(new URL("/healthz", o.url));
  const bareKb = await bareStreamKb(count);
  const rssBefore = rssMb();
  const heapBefore = process.memoryUsage().heapUsed;
  const capacityBefore = process.memoryUsage().heapTotal;
  const streams = holdStreams(o.url, o.credentials, count);
  try {
    const opened = await streams.opened();
    if (opened.failed)
      console.log(`  !! ${opened.failed} streams did not open, first: ${opened.firstFailure}`);
    await Bun.sleep(500);
    const burstKb = ((rssMb() - rssBefore) * 1024) / count;
    // Weighed again once idle, as the gateway benchmark does: the allocators give back what the
    // opening burst used only after a while, and what an idle stream holds is what the target is about.
    await Bun.sleep(IDLE_SECONDS * 1000);
    const perStreamKb = ((rssMb() - rssBefore) * 1024) / count;
    const heapKb = (process.memoryUsage().heapUsed - heapBefore) / 1024 / count;
    const capacityKb = (process.memoryUsage().heapTotal - capacityBefore) / 1024 / count;
    row(
      `${opened.ready} streams connected`,
      `in ${opened.seconds.toFixed(1)} s (${Math.round(opened.ready / opened.seconds)} /s), hub size ${o.hubSize()}`,
    );
    const targetKb = o.memoryKb;
    row(
      "memory per idle stream (RSS delta / streams)",
      `${perStreamKb.toFixed(1)} KB after ${IDLE_SECONDS} s idle`,
      `target ≤ ${targetKb} KB (${(perStreamKb / targetKb).toFixed(2)} of it)`,
      `${burstKb.toFixed(1)} KB half a second after the last opened`,
      `to a bare Bun SSE stream (${bareKb.toFixed(1)} KB) ${(perStreamKb / bareKb).toFixed(1)}×`,
    );
    // The API runs in this process too (as in the embedded server): what connecting costs it (auth,
    // its reads per stream) shows as JS heap capacity that the collector freed but kept.
    row(
      "  of which JS heap still in use",
      `${heapKb.toFixed(1)} KB`,
      `heap capacity grown ${capacityKb.toFixed(1)} KB`,
    );
    verdict(`≤ ${targetKb} KB per idle stream`, perStreamKb <= targetKb, `${perStreamKb.toFixed(1)} KB`);

    // One message at a time: its POST sent at t0; the bus hands it to a plain subscriber at tBus;
    // each stream's client sees it at its own time.
    const sentAt = new Map<string, number>();
    for (let k = 0; k < MESSAGES; k++) {
      sentAt.set(String(k), wallNow());
      await callJson(api, o.poster, "POST", `/api/channels/${o.channel}/messages`, {
        body_md: `${marker(k)} hello everyone`,
      });
      await Bun.sleep(300);
    }
    await Bun.sleep(1000);
    const { arrivals, ended } = await streams.arrivals();
    const sorted = (xs: number[]) => xs.sort((a, b) => a - b);
    // "Accepted" is when the API committed and published: the moment the bus hands the message on.
    const streamLatencies = sorted(
      [...sentAt].flatMap(([k]) => (arrivals[k] ?? []).map((t) => t - (o.busAt.get(k) ?? Number.NaN))),
    );
    const postToBus = sorted([...sentAt].map(([k, t0]) => (o.busAt.get(k) ?? Number.NaN) - t0));
    const expected = MESSAGES * count;
    row(
      "POST sent → published on the bus (API + commit)",
      `p50 ${ms(percentile(postToBus, 50))} ms  p99 ${ms(percentile(postToBus, 99))} ms`,
    );
    row(
      `published → in every one of ${count} streams`,
      `p50 ${ms(percentile(streamLatencies, 50))} ms  p99 ${ms(percentile(streamLatencies, 99))} ms  max ${ms(streamLatencies.at(-1) ?? Number.NaN)} ms`,
      `${streamLatencies.length}/${expected} delivered${ended ? `, ${ended} streams ended by the server` : ""}`,
    );
    const p99 = percentile(streamLatencies, 99);
    row("ratio of fan-out p99 to the POST's own p50", `${(p99 / percentile(postToBus, 50)).toFixed(1)}×`);
    verdict(
      "p99 ≤ 200 ms to every stream",
      p99 <= 200 && streamLatencies.length === expected,
      `${ms(p99)} ms${streamLatencies.length < expected ? `, ${expected - streamLatencies.length} deliveries missing` : ""}`,
    );
  } finally {
    await streams.close();
  }
}

// A steady load for the fault suite, run as its own process (started with NODE_EXTRA_CA_CERTS so
// it trusts the cluster's certificate like any client would): posting clients that give every
// message a client_msg_id and retry it until acknowledged, and readers holding the terminal's live
// stream (it resumes with Last-Event-ID by itself; on `resync` the reader refetches the channel).
// "stop" on stdin ends the posting; once every reader has every acknowledged message (or 30 s
// passed) it prints one JSON line: the report.
import { openLiveStream } from "../../lib/terminal/live-events.ts";

export interface LoadSpec {
  url: string;
  community: string;
  channel: string;
  posters: string[];
  readers: string[];
  /** Pause after each acknowledged post, per poster. */
  postEveryMs: number;
}

export interface LoadReport {
  acks: { cmid: string; id: string; ackAt: number; attempts: number }[];
  failedAttempts: number;
  firstFailure?: string;
  /** When each failed attempt failed, and how (the first 1000). */
  failures: { at: number; what: string }[];
  readers: {
    readyAt: number | null;
    /** message.created events of the channel as they came: message id, stream seq, and how many resyncs came before it. */
    live: { id: string; seq: number; epoch: number }[];
    /** Ids fetched after a `resync`. */
    refetched: string[];
    resyncs: number;
    reconnects: number;
  }[];
  caughtUp: boolean;
}

const spec = JSON.parse(process.argv[2] ?? "{}") as LoadSpec;
const json = (token: string) => ({ authorization: `Bearer ${token}`, "content-type": "application/json" });
let posting = true;

const report: LoadReport = { acks: [], failedAttempts: 0, failures: [], readers: [], caughtUp: false };

async function poster(token: string, n: number) {
  for (let k = 0; posting; k++) {
    const cmid = `fault-${n}-${k}`;
    let attempts = 0;
    let pause = 100;
    for (;;) {
      attempts++;
      try {
        const res = await fetch(`${spec.url}/api/channels/${spec.channel}/messages`, {
          method: "POST",
          headers: json(token),
          body: JSON.stringify({ body_md: `load ${cmid}`, client_msg_id: cmid }),
          // A frozen instance holds the request without answering: give up and send it again (the
          // client_msg_id makes the second one the same message if the first lands after all).
          signal: AbortSignal.timeout(3000),
        });
        const text = await res.text();
        if (res.status === 200 || res.status === 201) {
          report.acks.push({
            cmid,
            id: (JSON.parse(text) as { id: string }).id,
            ackAt: Date.now(),
            attempts,
          });
          break;
        }
        throw new Error(`${res.status} ${text.slice(0, 200)}`);
      } catch (err) {
        report.failedAttempts++;
        report.firstFailure ??= `${cmid}: ${(err as Error).message}`;
        if (report.failures.length < 1000) {
          report.failures.push({
            at: Date.now(),
            what: (err as Error).message.split("\n")[0]?.slice(0, 80) ?? "",
          });
        }
        await Bun.sleep(pause);
        pause = Math.min(1000, pause * 2);
      }
    }
    await Bun.sleep(spec.postEveryMs);
  }
}

async function refetch(token: string, into: Set<string>) {
  for (let pause = 100; ; pause = Math.min(1000, pause * 2)) {
    try {
      const res = await fetch(`${spec.url}/api/channels/${spec.channel}/messages?limit=200`, {
        headers: json(token),
        signal: AbortSignal.timeout(8000),
      });
      if (res.ok) {
        for (const m of ((await res.json()) as { items: { id: string }[] }).items) into.add(m.id);
        return;
      }
    } catch {
      // Retried below, as a client would.
    }
    await Bun.sleep(pause);
  }
}

const streams = spec.readers.map((token) => {
  const r: LoadReport["readers"][number] = {
    readyAt: null,
    live: [],
    refetched: [],
    resyncs: 0,
    reconnects: 0,
  };
  report.readers.push(r);
  const refetched = new Set<string>();
  const stream = openLiveStream({
    server: spec.url,
    token,
    community: spec.community,
    backoffMs: { first: 100, max: 1000 },
    onStatus: (status) => {
      if (status === "live") r.readyAt ??= Date.now();
    },
    onResumed: () => {
      r.reconnects++;
    },
    onEvent: (event) => {
      if (event.event === "resync") {
        r.resyncs++;
        void refetch(token, refetched).then(() => {
          r.refetched = [...refetched];
        });
        return;
      }
      if (event.event !== "message.created") return;
      const data = event.data as { channel_id: string; data: { message: { id: string } } };
      if (data.channel_id !== spec.channel) return;
      r.live.push({ id: data.data.message.id, seq: Number(event.id), epoch: r.resyncs });
    },
  });
  return stream;
});

// Posting starts once every reader is live.
while (report.readers.some((r) => r.readyAt === null)) await Bun.sleep(20);
console.log("load: readers live");
const posters = spec.posters.map((token, n) => poster(token, n));

for await (const line of console) {
  if (line.trim() === "stop") break;
}
posting = false;
await Promise.all(posters);
const everyoneHasAll = () =>
  report.readers.every((r) => {
    const seen = new Set([...r.live.map((m) => m.id), ...r.refetched]);
    return report.acks.every((a) => seen.has(a.id));
  });
const deadline = Date.now() + 30_000;
while (!everyoneHasAll() && Date.now() < deadline) await Bun.sleep(50);
report.caughtUp = everyoneHasAll();
for (const s of streams) s.close();
console.log(JSON.stringify(report));
process.exit(0);

import type { MsgHdrs } from "@nats-io/transport-node";
import { log } from "../log.ts";
import { BusError, type EventBus } from "./event-bus.ts";
import { connectNats, type NatsLink } from "./nats-connect.ts";
import { natsSubscriptions } from "./nats-listen.ts";
import { replayFromStream } from "./nats-replay.ts";
import { natsWire } from "./nats-wire.ts";
import { isPersisted, isPublishSubject, isSubscribeSubject, subjects } from "./subjects.ts";

export interface NatsBusOptions {
  servers: string;
  stream: string;
  /**
   * Put before every subject on the wire (e.g. "staging."), so several deployments or test runs
   * can share one NATS server; subjects seen by callers stay the plan's.
   */
  subjectPrefix?: string;
  /** How long the stream keeps events for replay. */
  maxAgeMs?: number;
  /** Copies of the stream in a NATS cluster (3 on a 3-node cluster). */
  replicas?: number;
  name?: string;
  /**
   * Stored events this process keeps of those it received, to answer a resume without the stream:
   * at least this many, fewer than twice (10,000).
   */
  keepRecent?: number;
}

// A committed change's notice is tried once while the request waits (PUBLISH_ATTEMPT_MS); if NATS
// is away (restarting, frozen, failing over) it is retried in the background for PUBLISH_RETRY_MS,
// so the request answers and live readers get the event late rather than never. Every attempt
// carries the same message id: one stored but whose ack was lost is not stored again within the
// stream's duplicate window. Past the retry time the failure is logged; readers recover by resync.
const PUBLISH_RETRY_MS = 30_000;
const PUBLISH_ATTEMPT_MS = 2000;
// How long a typing, presence or credential notice waits for the server to confirm it has it.
const CORE_FLUSH_MS = 500;

async function publishStored(
  link: NatsLink,
  subject: string,
  data: Uint8Array,
  dedupeKey?: string,
  trace: { headers?: MsgHdrs } = {},
): Promise<number | undefined> {
  const msgID = dedupeKey ?? crypto.randomUUID();
  const attempt = async () =>
    (await link.js.publish(subject, data, { msgID, timeout: PUBLISH_ATTEMPT_MS, ...trace })).seq;
  try {
    return await attempt();
  } catch (err) {
    if (link.nc.isClosed()) throw err;
    log.warn("publishing waits for nats; retrying in the background", { subject, error: String(err) });
  }
  void (async () => {
    const deadline = Date.now() + PUBLISH_RETRY_MS;
    for (let pause = 100; ; pause = Math.min(1000, pause * 2)) {
      await Bun.sleep(pause);
      try {
        return await attempt();
      } catch (err) {
        if (Date.now() + pause > deadline || link.nc.isClosed()) {
          log.error("publishing a committed event failed", { subject, error: String(err) });
          return;
        }
      }
    }
  })();
  return undefined;
}

/**
 * The distributed bus. Persisted subjects go through JetStream (publish waits for the stream's ack;
 * live delivery is one ordered consumer of the stream per process, so every message carries its
 * stream seq and they arrive in that order); typing and presence are core NATS
 * (lib/bus/nats-listen.ts). Replay reads the stream (lib/bus/nats-replay.ts).
 */
export async function createNatsBus(options: NatsBusOptions): Promise<EventBus> {
  const link = await connectNats(options);
  const codec = natsWire(options.subjectPrefix ?? "");
  const subscriptions = natsSubscriptions(link, codec, options.keepRecent ?? 10_000);
  const resets = new Set<() => void>();
  // Readers are told first (their seqs mean nothing now), then the new stream is read from its start.
  link.onRecreated(() => {
    for (const handler of resets) handler();
    subscriptions
      .restartFeed()
      .catch((err) => log.error("reading the recreated nats stream failed", { error: String(err) }));
  });
  return {
    kind: "nats",
    async publish(subject, event, dedupeKey) {
      if (!isPublishSubject(subject)) throw new BusError(`invalid subject ${JSON.stringify(subject)}`);
      const data = codec.encode(event);
      if (!isPersisted(subject)) {
        link.nc.publish(codec.wire(subject), data, codec.traceHeaders());
        // A credential change resolves once the server has it: it then reaches the other gateways
        // before the request that made it answers (and the caller's next request arrives). With
        // NATS away nothing waits long for that: core events are never kept anyway. Typing and
        // presence promise no such order, so they do not wait a round trip to the server each.
        if (subject === subjects.credentials())
          await Promise.race([link.nc.flush().catch(() => {}), Bun.sleep(CORE_FLUSH_MS)]);
        return undefined;
      }
      return await publishStored(link, codec.wire(subject), data, dedupeKey, codec.traceHeaders());
    },
    async subscribe(pattern, handler) {
      if (!isSubscribeSubject(pattern)) throw new BusError(`invalid subject ${JSON.stringify(pattern)}`);
      await subscriptions.add(pattern, handler);
    },
    unsubscribe: (pattern, handler) => subscriptions.remove(pattern, handler),
    replay: async (pattern, afterSeq, limit = 1000) =>
      subscriptions.recent(pattern, afterSeq, limit) ??
      replayFromStream(link, codec, pattern, afterSeq, limit),
    onReset(handler) {
      resets.add(handler);
      return () => resets.delete(handler);
    },
    async head() {
      return (await link.jsm.streams.info(options.stream)).state.last_seq;
    },
    async ping() {
      if (link.nc.isClosed()) throw new BusError("bus is closed");
      await link.nc.flush();
    },
    async close() {
      await subscriptions.closeAll();
      await link.nc.drain().catch(() => link.nc.close());
    },
  };
}

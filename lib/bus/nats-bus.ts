import { BusError, type EventBus } from "./event-bus.ts";
import { connectNats } from "./nats-connect.ts";
import { natsSubscriptions } from "./nats-listen.ts";
import { replayFromStream } from "./nats-replay.ts";
import { natsWire } from "./nats-wire.ts";
import { isPersisted, isPublishSubject, isSubscribeSubject } from "./subjects.ts";

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
  name?: string;
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
  const subscriptions = natsSubscriptions(link, codec);
  return {
    kind: "nats",
    async publish(subject, event) {
      if (!isPublishSubject(subject)) throw new BusError(`invalid subject ${JSON.stringify(subject)}`);
      const data = codec.encode(event);
      if (!isPersisted(subject)) {
        link.nc.publish(codec.wire(subject), data, codec.traceHeaders());
        return undefined;
      }
      return (await link.js.publish(codec.wire(subject), data, codec.traceHeaders())).seq;
    },
    async subscribe(pattern, handler) {
      if (!isSubscribeSubject(pattern)) throw new BusError(`invalid subject ${JSON.stringify(pattern)}`);
      await subscriptions.add(pattern, handler);
    },
    unsubscribe: (pattern, handler) => subscriptions.remove(pattern, handler),
    replay: (pattern, afterSeq, limit = 1000) => replayFromStream(link, codec, pattern, afterSeq, limit),
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

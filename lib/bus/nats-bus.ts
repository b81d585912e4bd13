import {
  type ConsumerMessages,
  DeliverPolicy,
  type JetStreamClient,
  type JetStreamManager,
  jetstream,
  jetstreamManager,
} from "@nats-io/jetstream";
import { connect, type NatsConnection, type Subscription } from "@nats-io/transport-node";
import { log } from "../log.ts";
import { parseEnvelope } from "./envelope.ts";
import { BusError, type BusMessage, type EventBus, type Handler, type Replay } from "./event-bus.ts";
import {
  isPersisted,
  isPublishSubject,
  isSubscribeSubject,
  PERSISTED_SUBJECTS,
  subjectMatches,
} from "./subjects.ts";

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

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * The distributed bus. Persisted subjects go through JetStream (publish waits for the stream's ack;
 * live delivery is an ordered consumer, so every message carries its stream seq and a consumer
 * recreated after a server restart resumes where it stopped). Typing and presence are core NATS.
 * One NATS subscription per pattern, shared by all its handlers in this process.
 */
export async function createNatsBus(options: NatsBusOptions): Promise<EventBus> {
  const prefix = options.subjectPrefix ?? "";
  const wire = (subject: string) => prefix + subject;
  const unwire = (subject: string) => subject.slice(prefix.length);
  let nc: NatsConnection;
  try {
    nc = await connect({
      servers: options.servers.split(",").map((s) => s.trim()),
      name: options.name ?? "ajet-chat",
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
      timeout: 3000,
    });
  } catch (err) {
    throw new BusError(`cannot reach NATS at ${options.servers}: ${(err as Error).message}`);
  }
  const js: JetStreamClient = jetstream(nc);
  let jsm: JetStreamManager;
  try {
    jsm = await jetstreamManager(nc);
    await ensureStream(jsm, options);
  } catch (err) {
    await nc.close().catch(() => {});
    throw new BusError(`NATS at ${options.servers} has no usable JetStream: ${(err as Error).message}`);
  }

  // After a restart that lost the server's store, the stream is gone; recreate it.
  void (async () => {
    for await (const status of nc.status()) {
      if (status.type === "reconnect") {
        await ensureStream(jsm, options).catch((err) =>
          log.warn("nats stream check failed", { error: String(err) }),
        );
      }
    }
  })();

  interface Entry {
    handlers: Set<Handler>;
    stop: () => Promise<void>;
  }
  const entries = new Map<string, Entry>();

  function dispatch(entry: Entry, message: BusMessage) {
    for (const handler of entry.handlers) {
      try {
        handler(message);
      } catch (err) {
        log.error("bus handler failed", { subject: message.subject, error: String(err) });
      }
    }
  }

  function decode(subject: string, data: Uint8Array, seq?: number): BusMessage | undefined {
    try {
      return { subject: unwire(subject), seq, event: parseEnvelope(JSON.parse(decoder.decode(data))) };
    } catch (err) {
      log.warn("dropped a malformed event", { subject, error: String(err) });
      return undefined;
    }
  }

  async function listen(pattern: string, entry: Entry): Promise<() => Promise<void>> {
    if (!isPersisted(pattern)) {
      const sub: Subscription = nc.subscribe(wire(pattern), {
        callback: (err, msg) => {
          if (err) return log.warn("nats subscription error", { pattern, error: String(err) });
          const message = decode(msg.subject, msg.data);
          if (message) dispatch(entry, message);
        },
      });
      // Once the server has the interest, an event published by any process from now on arrives.
      await nc.flush();
      return async () => sub.unsubscribe();
    }
    // A start seq, not DeliverPolicy.New: after a server restart the ordered consumer is recreated
    // from the last seq it delivered, and with New and nothing delivered yet that is seq 1, which
    // would hand the subscriber the whole stream.
    const { state } = await jsm.streams.info(options.stream);
    const consumer = await js.consumers.get(options.stream, {
      filter_subjects: wire(pattern),
      opt_start_seq: state.last_seq + 1,
    });
    const messages: ConsumerMessages = await consumer.consume();
    void (async () => {
      for await (const msg of messages) {
        const message = decode(msg.subject, msg.data, msg.seq);
        if (message) dispatch(entry, message);
      }
    })().catch((err) =>
      // The client gave up on this consumer; say so rather than crash on an unhandled rejection.
      log.error("nats subscription ended", { pattern, error: String(err) }),
    );
    return async () => {
      await messages.close();
    };
  }

  return {
    kind: "nats",
    async publish(subject, event) {
      if (!isPublishSubject(subject)) throw new BusError(`invalid subject ${JSON.stringify(subject)}`);
      const data = encoder.encode(JSON.stringify(parseEnvelope(event)));
      if (!isPersisted(subject)) {
        nc.publish(wire(subject), data);
        return undefined;
      }
      const ack = await js.publish(wire(subject), data);
      return ack.seq;
    },
    async subscribe(pattern, handler) {
      if (!isSubscribeSubject(pattern)) throw new BusError(`invalid subject ${JSON.stringify(pattern)}`);
      const existing = entries.get(pattern);
      if (existing) {
        existing.handlers.add(handler);
        return;
      }
      const entry: Entry = { handlers: new Set([handler]), stop: async () => {} };
      entries.set(pattern, entry);
      try {
        entry.stop = await listen(pattern, entry);
      } catch (err) {
        entries.delete(pattern);
        throw err;
      }
    },
    async unsubscribe(pattern, handler) {
      const entry = entries.get(pattern);
      if (!entry) return;
      entry.handlers.delete(handler);
      if (entry.handlers.size > 0) return;
      entries.delete(pattern);
      await entry.stop();
    },
    async replay(pattern, afterSeq, limit = 1000): Promise<Replay> {
      const { state } = await jsm.streams.info(options.stream);
      // A seq beyond the stream's end comes from a stream that was since recreated.
      if (afterSeq > state.last_seq || afterSeq + 1 < state.first_seq) return { gap: true };
      if (afterSeq === state.last_seq) return { gap: false, messages: [] };
      // Nothing on typing or presence is stored, and JetStream refuses a filter that neither holds
      // nor is held by one of the stream's subjects.
      const stored = PERSISTED_SUBJECTS.some((p) => subjectMatches(p, pattern) || subjectMatches(pattern, p));
      if (!stored) return { gap: false, messages: [] };
      const consumer = await js.consumers.get(options.stream, {
        filter_subjects: wire(pattern),
        deliver_policy: DeliverPolicy.StartSequence,
        opt_start_seq: afterSeq + 1,
      });
      try {
        const pending = (await consumer.info()).num_pending;
        if (pending > limit) return { gap: true };
        const messages: BusMessage[] = [];
        if (pending === 0) return { gap: false, messages };
        const iterator = await consumer.consume({ max_messages: Math.min(pending, 256) });
        for await (const msg of iterator) {
          const message = decode(msg.subject, msg.data, msg.seq);
          if (message) messages.push(message);
          if (msg.info.pending === 0) break;
        }
        return { gap: false, messages };
      } finally {
        // A replay's consumer is done; the server would otherwise keep it for five minutes.
        await consumer.delete().catch(() => {});
      }
    },
    async head() {
      return (await jsm.streams.info(options.stream)).state.last_seq;
    },
    async ping() {
      if (nc.isClosed()) throw new BusError("bus is closed");
      await nc.flush();
    },
    async close() {
      for (const entry of entries.values()) await entry.stop().catch(() => {});
      entries.clear();
      await nc.drain().catch(() => nc.close());
    },
  };
}

async function ensureStream(jsm: JetStreamManager, options: NatsBusOptions) {
  const config = {
    name: options.stream,
    subjects: PERSISTED_SUBJECTS.map((s) => (options.subjectPrefix ?? "") + s),
    max_age: (options.maxAgeMs ?? 7 * 24 * 3600 * 1000) * 1_000_000,
  };
  try {
    await jsm.streams.info(options.stream);
  } catch {
    await jsm.streams.add(config);
  }
}

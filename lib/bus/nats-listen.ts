import type { ConsumerMessages } from "@nats-io/jetstream";
import type { Subscription } from "@nats-io/transport-node";
import { log } from "../log.ts";
import type { BusMessage, Handler } from "./event-bus.ts";
import type { NatsLink } from "./nats-connect.ts";
import type { NatsWire } from "./nats-wire.ts";
import { isPersisted } from "./subjects.ts";

interface Entry {
  handlers: Set<Handler>;
  stop: () => Promise<void>;
}

/**
 * The bus's subscriptions in this process: one NATS subscription per pattern, shared by all its
 * handlers, opened with the first handler and closed with the last.
 */
export function natsSubscriptions(link: NatsLink, codec: NatsWire) {
  const entries = new Map<string, Entry>();
  return {
    async add(pattern: string, handler: Handler) {
      const existing = entries.get(pattern);
      if (existing) {
        existing.handlers.add(handler);
        return;
      }
      const entry: Entry = { handlers: new Set([handler]), stop: async () => {} };
      entries.set(pattern, entry);
      try {
        entry.stop = isPersisted(pattern)
          ? await listenStream(link, codec, pattern, entry)
          : await listenCore(link, codec, pattern, entry);
      } catch (err) {
        entries.delete(pattern);
        throw err;
      }
    },
    async remove(pattern: string, handler: Handler) {
      const entry = entries.get(pattern);
      if (!entry) return;
      entry.handlers.delete(handler);
      if (entry.handlers.size > 0) return;
      entries.delete(pattern);
      await entry.stop();
    },
    async closeAll() {
      for (const entry of entries.values()) await entry.stop().catch(() => {});
      entries.clear();
    },
  };
}

function dispatch(entry: Entry, message: BusMessage) {
  for (const handler of entry.handlers) {
    try {
      handler(message);
    } catch (err) {
      log.error("bus handler failed", { subject: message.subject, error: String(err) });
    }
  }
}

/** Typing and presence: core NATS, nothing kept. */
async function listenCore(link: NatsLink, codec: NatsWire, pattern: string, entry: Entry) {
  const sub: Subscription = link.nc.subscribe(codec.wire(pattern), {
    callback: (err, msg) => {
      if (err) return log.warn("nats subscription error", { pattern, error: String(err) });
      const message = codec.decode(msg.subject, msg.data);
      if (message) dispatch(entry, message);
    },
  });
  // Once the server has the interest, an event published by any process from now on arrives.
  await link.nc.flush();
  return async () => sub.unsubscribe();
}

/**
 * Persisted subjects: an ordered consumer from the stream's next seq on, so every message carries
 * its stream seq and a consumer recreated after a server restart resumes where it stopped.
 */
async function listenStream(link: NatsLink, codec: NatsWire, pattern: string, entry: Entry) {
  // A start seq, not DeliverPolicy.New: after a server restart the ordered consumer is recreated
  // from the last seq it delivered, and with New and nothing delivered yet that is seq 1, which
  // would hand the subscriber the whole stream.
  const { state } = await link.jsm.streams.info(link.stream);
  const consumer = await link.js.consumers.get(link.stream, {
    filter_subjects: codec.wire(pattern),
    opt_start_seq: state.last_seq + 1,
  });
  const messages: ConsumerMessages = await consumer.consume();
  void (async () => {
    for await (const msg of messages) {
      const message = codec.decode(msg.subject, msg.data, msg.seq);
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

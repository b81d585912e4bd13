import type { ConsumerMessages } from "@nats-io/jetstream";
import type { Subscription } from "@nats-io/transport-node";
import { log } from "../log.ts";
import type { BusMessage, Handler } from "./event-bus.ts";
import type { NatsLink } from "./nats-connect.ts";
import type { NatsWire } from "./nats-wire.ts";
import { recentEvents } from "./recent-events.ts";
import { isPersisted, subjectMatches } from "./subjects.ts";

interface Entry {
  handlers: Set<Handler>;
  stop: () => Promise<void>;
}

/**
 * The bus's subscriptions in this process, shared by all the handlers of a pattern. Typing and
 * presence patterns have a core NATS subscription each. Persisted patterns all share one consumer
 * of the whole stream, open while any of them has a handler: events of different subjects then
 * arrive in stream order. With a consumer per pattern they did not (each consumer delivers on its
 * own), and a reader who saw a DM with seq 9 before a channel message with seq 8 lost the message
 * when resuming after 9.
 */
export function natsSubscriptions(link: NatsLink, codec: NatsWire, keepRecent: number) {
  const entries = new Map<string, Entry>();
  const persisted = new Map<string, Entry>();
  let feed: Promise<ConsumerMessages> | null = null;
  // Kept only while the feed runs: without it, what is newer than the window would go unnoticed.
  const recent = recentEvents(keepRecent);
  // Which feed is the current one: a replaced or stopped feed's late events count for nothing.
  let current = 0;

  function startFeed(fromFirst: boolean) {
    const id = ++current;
    recent.clear();
    const mine = () => id === current;
    return readStream(
      link,
      codec,
      (seq, message) => {
        if (mine()) dispatchStored(seq, message);
      },
      () => {
        if (mine()) recent.clear();
      },
      fromFirst,
    );
  }

  function dispatchStored(seq: number, message: BusMessage | null) {
    recent.add(seq, message);
    if (!message) return;
    for (const [pattern, entry] of persisted) {
      if (subjectMatches(pattern, message.subject)) dispatch(entry, message);
    }
  }

  async function listenStored(pattern: string, entry: Entry) {
    feed ??= startFeed(false);
    try {
      await feed;
    } catch (err) {
      feed = null;
      throw err;
    }
    persisted.set(pattern, entry);
    return async () => {
      persisted.delete(pattern);
      if (persisted.size > 0 || !feed) return;
      const closing = feed;
      feed = null;
      current++;
      recent.clear();
      await (await closing).close();
    };
  }

  return {
    /** The events after `afterSeq` from what this process received, when it holds them all (see recentEvents). */
    recent: (pattern: string, afterSeq: number, limit: number) => recent.after(pattern, afterSeq, limit),
    /** Reads the (recreated) stream from its first event on, in place of the consumer of the old one. */
    async restartFeed() {
      if (!feed) return;
      const old = feed;
      feed = startFeed(true);
      await (await old.catch(() => null))?.close().catch(() => {});
      await feed;
    },
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
          ? await listenStored(pattern, entry)
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
      const message = codec.decode(msg.subject, msg.data, undefined, msg.headers);
      if (message) dispatch(entry, message);
    },
  });
  // Once the server has the interest, an event published by any process from now on arrives.
  await link.nc.flush();
  return async () => sub.unsubscribe();
}

/**
 * The stream's events from its next seq on, every subject, to `deliver`: an ordered consumer, so
 * every message carries its stream seq and a consumer recreated after a server restart resumes
 * where it stopped.
 */
async function readStream(
  link: NatsLink,
  codec: NatsWire,
  deliver: (seq: number, message: BusMessage | null) => void,
  /** The feed ended, however: what it received is no longer known to be the newest. */
  ended: () => void,
  fromFirst = false,
) {
  // A start seq, not DeliverPolicy.New: after a server restart the ordered consumer is recreated
  // from the last seq it delivered, and with New and nothing delivered yet that is seq 1, which
  // would hand the subscriber the whole stream. A recreated stream is read from its first event:
  // everything in it was published after the old one was lost.
  const { state } = await link.jsm.streams.info(link.stream);
  const start = fromFirst ? Math.max(1, state.first_seq) : state.last_seq + 1;
  const consumer = await link.js.consumers.get(link.stream, { opt_start_seq: start });
  const messages = await consumer.consume();
  void (async () => {
    try {
      for await (const msg of messages)
        deliver(msg.seq, codec.decode(msg.subject, msg.data, msg.seq, msg.headers) ?? null);
    } finally {
      ended();
    }
  })().catch((err) =>
    // The client gave up on this consumer; say so rather than crash on an unhandled rejection.
    log.error("nats stream subscription ended", { error: String(err) }),
  );
  return messages;
}

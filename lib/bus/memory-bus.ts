import { currentTraceId, log } from "../log.ts";
import { parseEnvelope } from "./envelope.ts";
import {
  BusError,
  type BusMessage,
  DEDUPE_WINDOW_MS,
  type EventBus,
  type Handler,
  type Replay,
} from "./event-bus.ts";
import { isPersisted, isPublishSubject, isSubscribeSubject, subjectMatches } from "./subjects.ts";

/**
 * The one-box bus: delivery within this process and a bounded replay buffer. Sequence numbers
 * start from the clock at boot (microseconds), so ids from before a restart are always older than
 * the buffer and a resuming client is told to refetch instead of silently missing events.
 */
export function createMemoryBus(options: { replayBuffer: number }): EventBus {
  const subscriptions = new Map<string, Set<Handler>>();
  const buffer: BusMessage[] = [];
  const firstSeq = Date.now() * 1000;
  let nextSeq = firstSeq;
  let closed = false;

  function deliver(message: BusMessage) {
    for (const [pattern, handlers] of subscriptions) {
      if (!subjectMatches(pattern, message.subject)) continue;
      for (const handler of handlers) {
        try {
          handler(message);
        } catch (err) {
          log.error("bus handler failed", { subject: message.subject, error: String(err) });
        }
      }
    }
  }

  const recent = new Map<string, { seq: number; at: number }>();
  return {
    kind: "memory",
    // The log lives and dies with this process: it is never lost under a running subscriber.
    // An in-process log is never lost while its process runs.
    onReset: () => () => {},
    async publish(subject, event, dedupeKey) {
      if (closed) throw new BusError("bus is closed");
      if (!isPublishSubject(subject)) throw new BusError(`invalid subject ${JSON.stringify(subject)}`);
      const now = Date.now();
      const earlier = dedupeKey === undefined ? undefined : recent.get(dedupeKey);
      if (earlier && earlier.at > now - DEDUPE_WINDOW_MS) return earlier.seq;
      // Through JSON, as on the wire: subscribers get the same plain data from either bus, and
      // nobody shares (or mutates) the publisher's objects.
      const message: BusMessage = {
        subject,
        event: parseEnvelope(JSON.parse(JSON.stringify(event))),
        traceId: currentTraceId(),
      };
      if (isPersisted(subject)) {
        message.seq = nextSeq++;
        buffer.push(message);
        if (buffer.length > options.replayBuffer) buffer.shift();
        if (dedupeKey !== undefined) {
          recent.set(dedupeKey, { seq: message.seq, at: now });
          // Keys are added in time order: the oldest ones are first.
          for (const [key, kept] of recent) {
            if (kept.at > now - DEDUPE_WINDOW_MS) break;
            recent.delete(key);
          }
        }
      }
      // Delivered on a later microtask, in publish order, so a slow subscriber never runs inside
      // the publisher's request.
      queueMicrotask(() => deliver(message));
      return message.seq;
    },
    async subscribe(pattern, handler) {
      if (!isSubscribeSubject(pattern)) throw new BusError(`invalid subject ${JSON.stringify(pattern)}`);
      const handlers = subscriptions.get(pattern) ?? new Set<Handler>();
      handlers.add(handler);
      subscriptions.set(pattern, handlers);
    },
    async unsubscribe(pattern, handler) {
      const handlers = subscriptions.get(pattern);
      handlers?.delete(handler);
      if (handlers?.size === 0) subscriptions.delete(pattern);
    },
    async replay(pattern, afterSeq, limit = 1000): Promise<Replay> {
      const oldest = buffer[0]?.seq ?? nextSeq;
      // Anything at or after `oldest` is still here; a reader further back, or from another boot, missed some.
      if (afterSeq + 1 < oldest || afterSeq >= nextSeq) return { gap: true };
      // Seqs are consecutive, so this many events came after `afterSeq`, on whatever subject.
      if (nextSeq - 1 - afterSeq > limit) return { gap: true };
      // The buffer holds every seq from `oldest` on, in order: what came after is its tail, found
      // by position rather than by reading the whole buffer on every resume.
      const messages = buffer
        .slice(afterSeq + 1 - oldest)
        .filter((m) => (m.seq ?? 0) > afterSeq && subjectMatches(pattern, m.subject));
      return { gap: false, messages };
    },
    async head() {
      return nextSeq - 1;
    },
    async ping() {
      if (closed) throw new BusError("bus is closed");
    },
    async close() {
      closed = true;
      subscriptions.clear();
    },
  };
}

import type { BusMessage, Replay } from "./event-bus.ts";
import { subjectMatches } from "./subjects.ts";

/**
 * The stored events this process received last, every subject, in stream order with no seq
 * missing: a resume after one of them is answered from here, without asking the stream (four
 * JetStream requests and a consumer made and deleted per resume; at 2,000 people reconnecting
 * every few seconds NATS itself fell behind and resumes hung). Whatever is not held whole here
 * (older than the oldest kept, or newer than the newest received) is for the stream to answer.
 * Keeps at least the newest `capacity` events, and fewer than twice that (it trims in batches).
 */
export function recentEvents(capacity: number) {
  // items[i] is the event of seq first + i; null for one that could not be read (it matches nothing).
  let items: (BusMessage | null)[] = [];
  let first = 0;

  return {
    /** The next event received; a seq out of turn starts the window again from it. */
    add(seq: number, message: BusMessage | null) {
      if (items.length > 0 && seq !== first + items.length) items = [];
      if (items.length === 0) first = seq;
      items.push(message);
      // Trimmed in batches, so adding stays cheap.
      if (items.length >= capacity * 2) {
        const drop = items.length - capacity;
        items = items.slice(drop);
        first += drop;
      }
    },
    /** Forgets everything (the feed stopped, or the stream was recreated). */
    clear() {
      items = [];
    },
    /**
     * The events on `pattern` after `afterSeq`, as EventBus.replay answers, when every event from
     * `afterSeq` + 1 to the newest received is here; undefined when it is not. Events newer than
     * the newest received reach subscribers live.
     */
    after(pattern: string, afterSeq: number, limit: number): Replay | undefined {
      if (items.length === 0) return undefined;
      const last = first + items.length - 1;
      if (afterSeq < first - 1 || afterSeq > last) return undefined;
      if (last - afterSeq > limit) return { gap: true };
      const messages: BusMessage[] = [];
      for (let i = afterSeq + 1 - first; i < items.length; i++) {
        const message = items[i];
        if (message && subjectMatches(pattern, message.subject)) messages.push(message);
      }
      return { gap: false, messages };
    },
  };
}

import type { EventBus, Handler } from "../bus/event-bus.ts";
import { busConsumed, busPublished, subjectKind, trackBusLag } from "./metrics.ts";

/**
 * The bus with its traffic counted: events published and received by kind, and how far what this
 * process received trails the bus head (the session managers subscribe to every persisted subject,
 * so the newest seq they saw against the head is their lag).
 */
export function meteredBus(bus: EventBus): EventBus {
  const wrapped = new WeakMap<Handler, Handler>();
  let received: number | undefined;
  let untrack: (() => void) | undefined;

  return {
    kind: bus.kind,
    async publish(subject, event, dedupeKey) {
      const seq = await bus.publish(subject, event, dedupeKey);
      busPublished.inc({ kind: subjectKind(subject) });
      return seq;
    },
    async subscribe(pattern, handler) {
      if (received === undefined) {
        received = await bus.head();
        untrack = trackBusLag(async () => Math.max(0, (await bus.head()) - (received ?? 0)));
      }
      const counted: Handler = (m) => {
        busConsumed.inc({ kind: subjectKind(m.subject) });
        if (m.seq !== undefined && m.seq > (received ?? 0)) received = m.seq;
        handler(m);
      };
      wrapped.set(handler, counted);
      await bus.subscribe(pattern, counted);
    },
    async unsubscribe(pattern, handler) {
      await bus.unsubscribe(pattern, wrapped.get(handler) ?? handler);
    },
    replay: (pattern, afterSeq, limit) => bus.replay(pattern, afterSeq, limit),
    onReset(handler) {
      // A recreated stream numbers from 1 again: so does what this process has seen of it.
      return bus.onReset(() => {
        received = 0;
        handler();
      });
    },
    head: () => bus.head(),
    ping: () => bus.ping(),
    async close() {
      untrack?.();
      await bus.close();
    },
  };
}

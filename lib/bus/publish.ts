import { log } from "../log.ts";
import { busPublishFailures } from "../metrics/metrics.ts";
import type { Envelope } from "./envelope.ts";
import type { EventBus } from "./event-bus.ts";

/** An event a domain function wants sent once its transaction has committed. */
export interface Outgoing {
  subject: string;
  event: Envelope;
  /** Names the change, so announcing it again (a retried request) is stored once. */
  dedupeKey?: string;
}

/**
 * Publishes committed changes in order. The write already succeeded, so a bus failure is logged
 * rather than turned into an error for the caller; clients recover by refetching on `resync`.
 */
export async function publishAll(bus: EventBus, events: readonly Outgoing[]) {
  for (const { subject, event, dedupeKey } of events) {
    try {
      await bus.publish(subject, event, dedupeKey);
    } catch (err) {
      busPublishFailures.inc();
      log.error("publishing a committed event failed", { subject, type: event.type, error: String(err) });
    }
  }
}

import { headers, type MsgHdrs } from "@nats-io/transport-node";
import { currentTraceId, log } from "../log.ts";
import { type Envelope, parseEnvelope } from "./envelope.ts";
import type { BusMessage } from "./event-bus.ts";

const TRACE_HEADER = "Ajet-Trace-Id";
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Subjects and envelopes as they travel: on the wire every subject carries the deployment's prefix
 * (so several deployments or test runs can share one NATS server), while callers see the plan's.
 */
export function natsWire(prefix: string) {
  const unwire = (subject: string) => subject.slice(prefix.length);
  return {
    wire: (subject: string) => prefix + subject,
    unwire,
    /** Validates the envelope before it leaves; throws on a bad one. */
    encode: (event: Envelope) => encoder.encode(JSON.stringify(parseEnvelope(event))),
    /** The publishing request's trace id as a header (JetStream keeps headers with the message). */
    traceHeaders(): { headers?: MsgHdrs } {
      const traceId = currentTraceId();
      if (!traceId) return {};
      const h = headers();
      h.set(TRACE_HEADER, traceId);
      return { headers: h };
    },
    /** The message as callers see it, or undefined (logged) when its envelope is malformed. */
    decode(subject: string, data: Uint8Array, seq?: number, hdrs?: MsgHdrs): BusMessage | undefined {
      try {
        return {
          subject: unwire(subject),
          seq,
          event: parseEnvelope(JSON.parse(decoder.decode(data))),
          traceId: hdrs?.get(TRACE_HEADER) || undefined,
        };
      } catch (err) {
        log.warn("dropped a malformed event", { subject, error: String(err) });
        return undefined;
      }
    },
  };
}

export type NatsWire = ReturnType<typeof natsWire>;

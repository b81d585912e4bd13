import { DeliverPolicy } from "@nats-io/jetstream";
import type { BusMessage, Replay } from "./event-bus.ts";
import type { NatsLink } from "./nats-connect.ts";
import type { NatsWire } from "./nats-wire.ts";
import { PERSISTED_SUBJECTS, subjectMatches } from "./subjects.ts";

/** The stream's events on `pattern` after `afterSeq`, oldest first, or a gap (see EventBus.replay). */
export async function replayFromStream(
  link: NatsLink,
  codec: NatsWire,
  pattern: string,
  afterSeq: number,
  limit: number,
): Promise<Replay> {
  const { state } = await link.jsm.streams.info(link.stream);
  // A seq beyond the stream's end comes from a stream that was since recreated.
  if (afterSeq > state.last_seq || afterSeq + 1 < state.first_seq) return { gap: true };
  if (afterSeq === state.last_seq) return { gap: false, messages: [] };
  // Nothing on typing or presence is stored, and JetStream refuses a filter that neither holds
  // nor is held by one of the stream's subjects.
  const stored = PERSISTED_SUBJECTS.some((p) => subjectMatches(p, pattern) || subjectMatches(pattern, p));
  if (!stored) return { gap: false, messages: [] };
  const consumer = await link.js.consumers.get(link.stream, {
    filter_subjects: codec.wire(pattern),
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
      const message = codec.decode(msg.subject, msg.data, msg.seq);
      if (message) messages.push(message);
      if (msg.info.pending === 0) break;
    }
    return { gap: false, messages };
  } finally {
    // A replay's consumer is done; the server would otherwise keep it for five minutes.
    await consumer.delete().catch(() => {});
  }
}

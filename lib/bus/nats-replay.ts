import { AckPolicy, DeliverPolicy, type JsMsg } from "@nats-io/jetstream";
import type { BusMessage, Replay } from "./event-bus.ts";
import type { NatsLink } from "./nats-connect.ts";
import type { NatsWire } from "./nats-wire.ts";
import { PERSISTED_SUBJECTS, subjectMatches } from "./subjects.ts";

// How long the server has to hand over a replay's events; past it the reader is told to resync
// rather than kept waiting.
const READ_TIMEOUT_MS = 5000;

/**
 * The stream's events on `pattern` after `afterSeq`, oldest first, or a gap (see EventBus.replay).
 * What is read is fixed before reading: every event from `afterSeq` + 1 to the stream's last seq
 * at the start, whatever its subject, then filtered here. Events after that reach a subscriber
 * live. JetStream's count of what a consumer has pending is never relied on: NATS 2.9 miscounts
 * it for a filtered consumer on a stream of many interleaved subjects, as a busy chat's is.
 */
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
  const missed = state.last_seq - afterSeq;
  if (missed > limit) return { gap: true };
  // Nothing on typing or presence is stored.
  const stored = PERSISTED_SUBJECTS.some((p) => subjectMatches(p, pattern) || subjectMatches(pattern, p));
  if (missed === 0 || !stored) return { gap: false, messages: [] };
  const read = await readRange(link, afterSeq + 1, state.last_seq);
  if (!read) return { gap: true };
  const messages: BusMessage[] = [];
  for (const msg of read) {
    if (!subjectMatches(pattern, codec.unwire(msg.subject))) continue;
    const message = codec.decode(msg.subject, msg.data, msg.seq, msg.headers);
    if (message) messages.push(message);
  }
  return { gap: false, messages };
}

/**
 * Seqs `first`…`last` of the stream, in order, through a consumer of every subject made for this
 * one read; null when the stream no longer holds them all or did not hand them over in time.
 */
async function readRange(link: NatsLink, first: number, last: number): Promise<JsMsg[] | null> {
  const info = await link.jsm.consumers.add(link.stream, {
    ack_policy: AckPolicy.None,
    deliver_policy: DeliverPolicy.StartSequence,
    opt_start_seq: first,
    mem_storage: true,
    // Should this process die mid-read, the server drops the consumer soon after.
    inactive_threshold: READ_TIMEOUT_MS * 2 * 1_000_000,
  });
  const consumer = link.js.consumers.getConsumerFromInfo(info);
  try {
    const batch = await consumer.fetch({ max_messages: last - first + 1, expires: READ_TIMEOUT_MS });
    const read: JsMsg[] = [];
    for await (const msg of batch) {
      // Limits only ever drop the oldest events: a seq out of turn means the range is no longer whole.
      if (msg.seq !== first + read.length) return null;
      read.push(msg);
      if (msg.seq === last) return read;
    }
    return null;
  } finally {
    // The read is done; the server would otherwise keep the consumer until it is idle long enough.
    await consumer.delete().catch(() => {});
  }
}

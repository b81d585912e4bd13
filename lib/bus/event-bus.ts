import type { Envelope } from "./envelope.ts";

/** One event as delivered: `seq` is its position in the replay log, absent for typing/presence. */
export interface BusMessage {
  subject: string;
  seq?: number;
  event: Envelope;
  /**
   * The trace id of the request that published it (beside the envelope, never in it: readers get
   * the envelope, and the trace id is for the log), so its delivery can be followed.
   */
  traceId?: string;
}

export type Handler = (message: BusMessage) => void;

/**
 * The answer to "what happened after seq N on this subject": the events in order, or `gap` when the
 * log no longer reaches back that far (or N comes from an earlier log), or more than `limit` events
 * (on any persisted subject) were published after N, so the reader must refetch.
 */
export type Replay = { gap: false; messages: BusMessage[] } | { gap: true };

/**
 * The plan's EventBus. Postgres is the source of truth; the bus carries notice of committed
 * changes. Subjects are the plan's (lib/bus/subjects.ts); persisted ones can be replayed.
 */
export interface EventBus {
  readonly kind: "memory" | "nats";
  /**
   * Publishes after validating the envelope; resolves with the event's seq when persisted (none
   * when NATS is away and the publish goes on being retried in the background). Events
   * given the same `dedupeKey` within DEDUPE_WINDOW_MS are stored once (the later ones resolve
   * with the first one's seq and reach nobody).
   */
  publish(subject: string, event: Envelope, dedupeKey?: string): Promise<number | undefined>;
  /** Calls `handler` for every later event whose subject matches `pattern` (NATS wildcards). */
  subscribe(pattern: string, handler: Handler): Promise<void>;
  unsubscribe(pattern: string, handler: Handler): Promise<void>;
  /**
   * Persisted events matching a pattern with seq > `afterSeq`, oldest first, as the log stands when
   * called (later ones arrive to subscribers); a gap past `limit` events after `afterSeq`.
   */
  replay(pattern: string, afterSeq: number, limit?: number): Promise<Replay>;
  /** The seq of the newest persisted event (a position to resume from when nothing was received). */
  head(): Promise<number>;
  /**
   * Calls `handler` when the log was lost and begun again (a NATS server that lost its store): seqs
   * start over, so what readers hold can no longer be resumed and they must resync. Called before
   * any event of the new log is handed to subscribers. Returns what stops the calls.
   */
  onReset(handler: () => void): () => void;
  /** Resolves when the bus is reachable. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** How long a persisted event's dedupe key is remembered (JetStream's duplicate window). */
export const DEDUPE_WINDOW_MS = 2 * 60 * 1000;

export class BusError extends Error {
  override name = "BusError";
}

import type { BusMessage, EventBus } from "../bus/event-bus.ts";
import { eventsDelivered, eventsDropped } from "../metrics/metrics.ts";
import type { Conn } from "./connection.ts";

const REPLAY_LIMIT = 1000;

export type Route = (conn: Conn, m: BusMessage) => boolean;

/**
 * Delivers an event the connection may see, once: events at or before its last seq were sent
 * already. True when it went out (or is held for the stream's start).
 */
export function offer(conn: Conn, m: BusMessage, route: Route, ignoreSeq = false): boolean {
  if (conn.closed) {
    eventsDropped.inc({ reason: "closed" });
    return false;
  }
  if (conn.held) {
    conn.held.push(m);
    return true;
  }
  if (!ignoreSeq && m.seq !== undefined && m.seq <= conn.lastSeq) return false;
  if (!route(conn, m)) return false;
  if (m.seq !== undefined) conn.lastSeq = Math.max(conn.lastSeq, m.seq);
  conn.deliver({ kind: "event", seq: m.seq, subject: m.subject, event: m.event });
  eventsDelivered.inc();
  return true;
}

/** Stops holding live events and delivers `before` (a resume's replay), then the held ones. */
function release(conn: Conn, route: Route, before: BusMessage[], ignoreSeq: boolean) {
  const held = conn.held ?? [];
  conn.held = null;
  for (const m of before) offer(conn, m, route, ignoreSeq);
  for (const m of held) offer(conn, m, route, ignoreSeq);
}

/**
 * Starts a connection's stream once its reader is known. Resuming with a Last-Event-ID replays what
 * was missed, in order, then `ready`; or sends `resync` when that cannot be replayed. A fresh
 * start sends `ready` naming where the client stands.
 */
export async function beginStream(
  conn: Conn,
  bus: EventBus,
  route: Route,
  lastEventId?: number,
  /** The bus position the reader's context was read at, when known. */
  contextHead?: number,
) {
  if (lastEventId !== undefined) {
    const replay = await bus.replay("chat.>", lastEventId, REPLAY_LIMIT);
    if (!replay.gap) {
      conn.lastSeq = lastEventId;
      release(conn, route, replay.messages, false);
      conn.deliver({ kind: "ready", seq: conn.lastSeq });
      return;
    }
    eventsDropped.inc({ reason: "resync" });
    conn.deliver({ kind: "resync", reason: "missed more than can be replayed" });
  }
  // A fresh start: everything held arrived after the client connected, so all of it goes out,
  // after `ready` names where the client stands (a repeat on resume beats a loss).
  const head = contextHead ?? (await bus.head());
  conn.lastSeq = head;
  conn.deliver({ kind: "ready", seq: head });
  release(conn, route, [], true);
}

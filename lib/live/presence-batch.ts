import type { BusMessage } from "../bus/event-bus.ts";
import { isOnline } from "../users/views.ts";
import type { Conn } from "./connection.ts";

/**
 * Presence for the hub's connections: heartbeats off the bus only note when each person was last
 * seen; `flush` then sends each connection the changes about the people it cares about, in one
 * batch, so a busy community does not become a stream of presence events.
 */
export function presenceBatches() {
  const lastSeen = new Map<string, number>();
  return {
    record(m: BusMessage) {
      const userId = m.event.data.user_id;
      const at = Date.parse(String(m.event.data.last_seen_at ?? m.event.timestamp));
      if (typeof userId === "string" && Number.isFinite(at))
        lastSeen.set(userId, Math.max(at, lastSeen.get(userId) ?? 0));
    },
    flush(conns: Iterable<Conn>) {
      const now = Date.now();
      for (const conn of conns) {
        const changes: { user_id: string; online: boolean }[] = [];
        for (const userId of conn.relevant) {
          const seen = lastSeen.get(userId);
          const online = seen !== undefined && isOnline(new Date(seen), now);
          const before = conn.sentPresence.get(userId);
          if (before === online || (before === undefined && !online)) continue;
          conn.sentPresence.set(userId, online);
          changes.push({ user_id: userId, online });
        }
        if (changes.length) conn.deliver({ kind: "presence", changes });
      }
    },
  };
}

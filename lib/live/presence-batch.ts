import type { BusMessage } from "../bus/event-bus.ts";
import { isOnline } from "../users/views.ts";
import type { CommunityPeople } from "./community-people.ts";
import type { Conn } from "./connection.ts";

type Change = { user_id: string; online: boolean };

/**
 * Presence for the hub's connections: heartbeats off the bus only note when each person was last
 * seen; `flush` then sends each connection the changes about the people it cares about, in one
 * batch, so a busy community does not become a stream of presence events. A community's members
 * are weighed once per flush for all the streams showing it (a stream that began showing it since
 * gets everyone online; the others what changed); only a stream's DM partners outside it are its own.
 */
export function presenceBatches(people: CommunityPeople) {
  const lastSeen = new Map<string, number>();
  // Per community: who its streams were told is online, at the last flush.
  const told = new Map<string, Set<string>>();
  const onlineAt = (userId: string, now: number) => {
    const seen = lastSeen.get(userId);
    return seen !== undefined && isOnline(new Date(seen), now);
  };

  /** A community's batch: what changed since the last flush, and everyone online now. */
  function weigh(communityId: string, now: number) {
    const members = people.members(communityId);
    if (!members) return null;
    const before = told.get(communityId) ?? new Set<string>();
    const online = new Set<string>();
    const changes: Change[] = [];
    const everyone: Change[] = [];
    for (const id of members) {
      if (!onlineAt(id, now)) continue;
      online.add(id);
      everyone.push({ user_id: id, online: true });
      if (!before.has(id)) changes.push({ user_id: id, online: true });
    }
    for (const id of before) if (!online.has(id)) changes.push({ user_id: id, online: false });
    told.set(communityId, online);
    return { changes, everyone, members };
  }

  return {
    record(m: BusMessage) {
      const userId = m.event.data.user_id;
      const at = Date.parse(String(m.event.data.last_seen_at ?? m.event.timestamp));
      if (typeof userId === "string" && Number.isFinite(at))
        lastSeen.set(userId, Math.max(at, lastSeen.get(userId) ?? 0));
    },
    flush(conns: Iterable<Conn>) {
      const now = Date.now();
      const batches = new Map<string, ReturnType<typeof weigh>>();
      for (const conn of conns) {
        const communityId = conn.community?.id;
        let batch: ReturnType<typeof weigh> = null;
        if (communityId) {
          if (!batches.has(communityId)) batches.set(communityId, weigh(communityId, now));
          batch = batches.get(communityId) ?? null;
        }
        let changes: Change[] = [];
        if (batch) {
          changes = conn.presenceSent ? batch.changes : batch.everyone;
          conn.presenceSent = true;
          if (changes.some((c) => c.user_id === conn.userId))
            changes = changes.filter((c) => c.user_id !== conn.userId);
        }
        for (const userId of conn.relevant) {
          if (batch?.members.has(userId)) continue;
          const online = onlineAt(userId, now);
          const before = conn.sentPresence.get(userId);
          if (before === online || (before === undefined && !online)) continue;
          conn.sentPresence.set(userId, online);
          if (changes === batch?.changes || changes === batch?.everyone) changes = [...changes];
          changes.push({ user_id: userId, online });
        }
        if (changes.length) conn.deliver({ kind: "presence", changes });
      }
      for (const id of told.keys()) if (!batches.has(id)) told.delete(id);
      people.keepOnly((id) => batches.has(id));
    },
  };
}

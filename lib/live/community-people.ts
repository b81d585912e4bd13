import type { BusMessage } from "../bus/event-bus.ts";

const JOINS = new Set(["member.joined"]);
const LEAVES = new Set(["member.removed", "member.kicked", "member.banned", "member.left"]);

interface Entry {
  /** The members, once read. */
  ids: Set<string> | null;
  /** Joins and leaves seen while the list was being read, applied over it. */
  pending: Map<string, boolean>;
  loading: Promise<void> | null;
}

/**
 * The members of each community shown by a stream of this process, read once and shared by every
 * stream showing it (their presence is what a stream reports), kept up to date by the community's
 * member events. Reading it per stream cost every stream the whole list, squared over a storm.
 */
export function communityPeople() {
  const byCommunity = new Map<string, Entry>();
  const entry = (id: string) => {
    let e = byCommunity.get(id);
    if (!e) {
      e = { ids: null, pending: new Map(), loading: null };
      byCommunity.set(id, e);
    }
    return e;
  };
  return {
    /** Reads the community's members with `read` unless they are read or being read. */
    ensure(communityId: string, read: () => Promise<string[]>): Promise<void> {
      const e = entry(communityId);
      if (e.ids) return Promise.resolve();
      e.loading ??= read()
        .then((ids) => {
          const set = new Set(ids);
          for (const [id, member] of e.pending) {
            if (member) set.add(id);
            else set.delete(id);
          }
          e.pending.clear();
          e.ids = set;
        })
        .finally(() => {
          e.loading = null;
        });
      return e.loading;
    },
    /** Notes a join or a leave from the community's events. */
    record(m: BusMessage) {
      const [, , communityId] = m.subject.split(".");
      const userId = m.event.data.user_id;
      const joined = JOINS.has(m.event.type) ? true : LEAVES.has(m.event.type) ? false : undefined;
      if (joined === undefined || typeof userId !== "string" || !communityId) return;
      const e = byCommunity.get(communityId);
      if (!e) return;
      if (e.ids) {
        if (joined) e.ids.add(userId);
        else e.ids.delete(userId);
      } else e.pending.set(userId, joined);
    },
    members: (communityId: string) => byCommunity.get(communityId)?.ids ?? null,
    /** Forgets the communities no stream shows any more. */
    keepOnly(shown: (communityId: string) => boolean) {
      for (const [id, e] of byCommunity) if (!shown(id) && !e.loading) byCommunity.delete(id);
    },
  };
}

export type CommunityPeople = ReturnType<typeof communityPeople>;

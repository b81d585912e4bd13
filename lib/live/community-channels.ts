/**
 * The public channels of each community shown by a stream of this process, one set per community
 * shared by every stream showing it: they are the same for every member, and a copy per stream
 * cost each stream the whole channel list. Each access read adds what the API said and the event
 * announcing a new channel adds it; nothing is taken out, since a public channel stays public and
 * is archived rather than deleted, and a read that began before a channel was created must not
 * hide it from every stream (each would then re-read its access at the channel's next event).
 */
export function communityChannels() {
  const byCommunity = new Map<string, Set<string>>();
  return {
    /** The community's shared set, with `ids` added. */
    publicOf(communityId: string, ids: string[]): Set<string> {
      const set = byCommunity.get(communityId) ?? new Set();
      for (const id of ids) set.add(id);
      byCommunity.set(communityId, set);
      return set;
    },
    /** Forgets the communities no stream shows any more. */
    keepOnly(shown: (communityId: string) => boolean) {
      for (const id of byCommunity.keys()) if (!shown(id)) byCommunity.delete(id);
    },
  };
}

export type CommunityChannels = ReturnType<typeof communityChannels>;

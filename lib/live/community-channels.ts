/** A community's public channels as its streams share them. */
export interface SharedChannels {
  /** The ids; `has` and `add` are all a stream asks of it. */
  ids: Set<string>;
  /**
   * The one copy of a public channel's id this process keeps for the community (other ids are
   * answered as given), for what each stream keeps by channel of its reader (unread counts): each
   * access read parses ids of its own, and a string per channel per stream adds up.
   */
  canonical(id: string): string;
  /** The channel's number in this community, if it has one yet. */
  indexOf(id: string): number | undefined;
  /** The channel's number in this community, given now if it has none. */
  index(id: string): number;
}

function shared(): SharedChannels {
  const numbers = new Map<string, number>();
  const byNumber: string[] = [];
  const index = (id: string) => {
    let n = numbers.get(id);
    if (n === undefined) {
      n = byNumber.push(id) - 1;
      numbers.set(id, n);
    }
    return n;
  };
  return {
    ids: new Set(),
    canonical: (id) => byNumber[numbers.get(id) ?? -1] ?? id,
    indexOf: (id) => numbers.get(id),
    index,
  };
}

/**
 * The public channels of each community shown by a stream of this process, one set per community
 * shared by every stream showing it: they are the same for every member, and a copy per stream
 * cost each stream the whole channel list. Each access read adds what the API said and the event
 * announcing a new channel adds it; nothing is taken out, since a public channel stays public and
 * is archived rather than deleted, and a read that began before a channel was created must not
 * hide it from every stream (each would then re-read its access at the channel's next event).
 * Each channel also gets a number in its community, by which a stream keeps its reader's joined
 * channels as bits (lib/live/channel-bits.ts).
 */
export function communityChannels() {
  const byCommunity = new Map<string, SharedChannels>();
  return {
    /** The community's shared channels, with `ids` added. */
    publicOf(communityId: string, ids: string[]): SharedChannels {
      const channels = byCommunity.get(communityId) ?? shared();
      byCommunity.set(communityId, channels);
      for (const id of ids) {
        channels.index(id);
        channels.ids.add(channels.canonical(id));
      }
      return channels;
    },
    /** Forgets the communities no stream shows any more. */
    keepOnly(shown: (communityId: string) => boolean) {
      for (const id of byCommunity.keys()) if (!shown(id)) byCommunity.delete(id);
    },
  };
}

export type CommunityChannels = ReturnType<typeof communityChannels>;

import type { SharedChannels } from "../../lib/live/community-channels.ts";

/** A reader's counts in one channel or DM, as a tab's sidebar badges show them. */
export type Counts = { unread: number; mentions: number; muted?: boolean };

// Mentions get 21 bits and a bit says muted; unread counts take the rest of a double's exact range.
const MENTIONS = 2 ** 21;

const pack = (c: Counts) =>
  Math.min(c.unread, 2 ** 31) * MENTIONS * 2 + Math.min(c.mentions, MENTIONS - 1) * 2 + (c.muted ? 1 : 0);

const unpack = (n: number): Counts => {
  const mentions = Math.floor(n / 2) % MENTIONS;
  const counts: Counts = { unread: Math.floor(n / (MENTIONS * 2)), mentions };
  if (n % 2 === 1) counts.muted = true;
  return counts;
};

/**
 * A tab's counts by channel, each kept as one number: in a typed array by the channel's number in
 * the shown community when it has one (lib/live/community-channels.ts), in a map otherwise (DMs,
 * private channels). An object per channel per tab cost a web stream about 100 bytes for every
 * channel its reader is in; this costs 8. Read and written as Counts.
 */
export class TabCounts {
  private readonly others = new Map<string, number>();
  // Each count packed, plus one: 0 is "no counts for this channel".
  private numbered = new Float64Array(0);

  constructor(
    private readonly channels: SharedChannels | null = null,
    entries: Iterable<[string, Counts]> = [],
  ) {
    for (const [id, c] of entries) this.set(id, c);
  }

  get(channelId: string): Counts | undefined {
    const n = this.channels?.indexOf(channelId);
    const numbered = n === undefined ? 0 : (this.numbered[n] ?? 0);
    // A channel numbered after its counts were kept (none should be) is still found among the others.
    const packed = numbered > 0 ? numbered - 1 : this.others.get(channelId);
    return packed === undefined ? undefined : unpack(packed);
  }

  set(channelId: string, counts: Counts) {
    const n = this.channels?.indexOf(channelId);
    if (n === undefined) {
      this.others.set(channelId, pack(counts));
      return;
    }
    if (n >= this.numbered.length) {
      const grown = new Float64Array(Math.max(n + 1, this.numbered.length * 2));
      grown.set(this.numbered);
      this.numbered = grown;
    }
    this.numbered[n] = pack(counts) + 1;
    this.others.delete(channelId);
  }

  has(channelId: string) {
    return this.get(channelId) !== undefined;
  }

  delete(channelId: string) {
    const n = this.channels?.indexOf(channelId);
    if (n !== undefined && n < this.numbered.length) this.numbered[n] = 0;
    this.others.delete(channelId);
  }
}

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
 * A tab's counts by channel, each kept as one number: an object per channel per tab cost a web
 * stream about 60 bytes for every channel its reader is in. Read and written as Counts.
 */
export class TabCounts {
  private readonly packed = new Map<string, number>();

  constructor(entries: Iterable<[string, Counts]> = []) {
    for (const [id, c] of entries) this.packed.set(id, pack(c));
  }

  get(channelId: string): Counts | undefined {
    const n = this.packed.get(channelId);
    return n === undefined ? undefined : unpack(n);
  }

  set(channelId: string, counts: Counts) {
    this.packed.set(channelId, pack(counts));
  }

  has(channelId: string) {
    return this.packed.has(channelId);
  }

  delete(channelId: string) {
    this.packed.delete(channelId);
  }
}

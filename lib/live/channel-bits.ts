import type { SharedChannels } from "./community-channels.ts";

/**
 * Some of a community's channels (those a stream's reader joined) as one bit per channel of the
 * community, by the numbers the community's shared channels give them: a set of ids cost every
 * stream about 40 bytes per channel its reader is in.
 */
export class ChannelBits {
  private bits = new Uint8Array(0);

  constructor(private readonly channels: SharedChannels) {}

  has(id: string): boolean {
    const n = this.channels.indexOf(id);
    return n !== undefined && ((this.bits[n >> 3] ?? 0) & (1 << (n & 7))) !== 0;
  }

  add(id: string) {
    const n = this.channels.index(id);
    const at = n >> 3;
    if (at >= this.bits.length) {
      const grown = new Uint8Array(Math.max(at + 1, this.bits.length * 2));
      grown.set(this.bits);
      this.bits = grown;
    }
    this.bits[at] = (this.bits[at] ?? 0) | (1 << (n & 7));
  }

  delete(id: string) {
    const n = this.channels.indexOf(id);
    const at = n === undefined ? this.bits.length : n >> 3;
    if (n === undefined || at >= this.bits.length) return;
    this.bits[at] = (this.bits[at] ?? 0) & ~(1 << (n & 7));
  }
}

export interface TokenBucketOptions {
  /** Posts allowed in a burst. */
  capacity: number;
  /** Posts regained per second. */
  refillPerSecond: number;
  now?: () => number;
}

export type Take = { ok: true } | { ok: false; retryAfterSeconds: number };

/**
 * Token buckets by key, in this process's memory: each key may spend `capacity` at once and
 * regains `refillPerSecond`. With several API processes each keeps its own, so the effective limit
 * is per process.
 */
export function createTokenBuckets(options: TokenBucketOptions) {
  const { capacity, refillPerSecond, now = () => performance.now() } = options;
  const buckets = new Map<string, { tokens: number; at: number }>();

  function level(key: string, t: number) {
    const b = buckets.get(key);
    return b ? Math.min(capacity, b.tokens + ((t - b.at) / 1000) * refillPerSecond) : capacity;
  }

  return {
    take(key: string): Take {
      const t = now();
      const tokens = level(key, t);
      if (tokens < 1) {
        return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - tokens) / refillPerSecond)) };
      }
      buckets.set(key, { tokens: tokens - 1, at: t });
      // Full buckets carry no information; forgetting them keeps memory bounded by recent senders.
      if (buckets.size > 10_000) {
        for (const [k] of buckets) if (level(k, t) >= capacity) buckets.delete(k);
      }
      return { ok: true };
    },
  };
}

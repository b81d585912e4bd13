import { rateLimited } from "../errors.ts";

export interface BucketPolicy {
  /** Requests allowed at once; 0 turns the limit off. */
  burst: number;
  /** How fast a spent bucket refills. */
  perSecond: number;
}

interface Bucket {
  level: number;
  at: number;
}

// Full buckets carry no information; past this many keys, they are dropped (at most every 10 s).
const SWEEP_ABOVE = 10_000;
const SWEEP_EVERY_MS = 10_000;

/**
 * Token buckets by key, in this process's memory: `take(key)` spends one token and answers 0, or
 * the whole seconds until one is back. A bucket that would be full again is forgotten.
 */
export function createBuckets(policy: BucketPolicy, clock: () => number = () => performance.now()) {
  const buckets = new Map<string, Bucket>();
  let sweptAt = clock();

  const refilled = (b: Bucket, now: number) =>
    Math.min(policy.burst, b.level + ((now - b.at) / 1000) * policy.perSecond);

  function sweep(now: number) {
    sweptAt = now;
    for (const [key, b] of buckets) if (refilled(b, now) >= policy.burst) buckets.delete(key);
  }

  return {
    take(key: string): number {
      if (policy.burst === 0) return 0;
      const now = clock();
      if (buckets.size > SWEEP_ABOVE && now - sweptAt > SWEEP_EVERY_MS) sweep(now);
      const b = buckets.get(key);
      const level = b ? refilled(b, now) : policy.burst;
      if (level < 1) return Math.ceil((1 - level) / policy.perSecond);
      buckets.set(key, { level: level - 1, at: now });
      return 0;
    },
    get size() {
      return buckets.size;
    },
  };
}

export type Buckets = ReturnType<typeof createBuckets>;

export const tooManyRequests = (seconds: number) =>
  rateLimited(`too many requests; try again in ${seconds} s`, seconds);

/**
 * The rate-limit key of an anonymous caller: its address. An IPv6 address counts by its /64, the
 * block one subscriber gets, or anyone could take a fresh bucket per request.
 */
export function addressKey(ip: string): string {
  if (!ip.includes(":") || /^::ffff:\d+\.\d+\.\d+\.\d+$/i.test(ip)) return ip;
  const [head = "", tail = ""] = ip.split("::");
  const left = head ? head.split(":") : [];
  const right = ip.includes("::") && tail ? tail.split(":") : [];
  const groups = ip.includes("::")
    ? [...left, ...Array(Math.max(0, 8 - left.length - right.length)).fill("0"), ...right]
    : left;
  return `${groups
    .slice(0, 4)
    .map((g) => g.toLowerCase().replace(/^0+(?=.)/, ""))
    .join(":")}::/64`;
}

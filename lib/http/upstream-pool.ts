/**
 * The instances of one service a caller spreads its requests over: in turn, and for a moment not
 * the one that just refused a connection (killed, restarting), so a dead instance costs one failed
 * connect rather than every other request. Behind Docker's DNS a single name is the whole pool.
 */
export type Instances = string | readonly string[];

// How long an instance that refused a connection is tried only after the others.
const RESTING_MS = 2000;
const restingUntil = new Map<string, number>();
const turns = new WeakMap<readonly string[], number>();

/** The order to try this service's instances in for one request: the next in turn first, resting ones last. */
export function instanceOrder(instances: Instances): string[] {
  if (typeof instances === "string") return [instances];
  const start = turns.get(instances) ?? 0;
  turns.set(instances, (start + 1) % instances.length);
  const rotated = [...instances.slice(start), ...instances.slice(0, start)];
  const now = Date.now();
  const resting = (url: string) => (restingUntil.get(url) ?? 0) > now;
  return [...rotated.filter((u) => !resting(u)), ...rotated.filter(resting)];
}

/** Notes that an instance could not be reached, so the next requests try the others first. */
export function restInstance(url: string) {
  restingUntil.set(url, Date.now() + RESTING_MS);
}

import type { EventBus } from "../bus/event-bus.ts";
import { createLiveHub, type LiveHub } from "./hub.ts";
import { StreamRegistry } from "./stream-registry.ts";

export interface LiveParts {
  hub: LiveHub;
  streams: StreamRegistry;
  /** Ends every stream (so a graceful stop is not held up by them) and leaves the bus. */
  close(): Promise<void>;
}

const PRESENCE_FLUSH_MS = 60_000;

/** What every session manager runs: the hub, its stream registry, and the once-a-minute presence flush. */
export async function startLive(
  bus: EventBus,
  presenceFlushMs = PRESENCE_FLUSH_MS,
  name?: string,
): Promise<LiveParts> {
  const hub = await createLiveHub({ bus, name });
  const timer = setInterval(() => hub.flushPresence(), presenceFlushMs);
  return {
    hub,
    streams: new StreamRegistry(),
    async close() {
      clearInterval(timer);
      await hub.stop();
    },
  };
}

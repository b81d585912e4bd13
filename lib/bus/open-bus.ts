import type { Config } from "../config.ts";
import { meteredBus } from "../metrics/metered-bus.ts";
import { StartupError } from "../startup-error.ts";
import type { EventBus } from "./event-bus.ts";
import { createMemoryBus } from "./memory-bus.ts";
import { createNatsBus } from "./nats-bus.ts";

/** Opens the bus the config names; an unreachable NATS becomes a one-line StartupError. */
export async function openBus(config: Config["bus"], name?: string): Promise<EventBus> {
  if (config.kind === "memory") return meteredBus(createMemoryBus({ replayBuffer: config.replayBuffer }));
  try {
    return meteredBus(
      await createNatsBus({
        servers: config.servers,
        stream: config.stream,
        subjectPrefix: config.subjectPrefix,
        replicas: config.replicas,
        name,
      }),
    );
  } catch (err) {
    throw new StartupError((err as Error).message);
  }
}

import { afterAll, describe, expect, test } from "bun:test";
import { envelope } from "../../lib/bus/envelope.ts";
import type { BusMessage, EventBus } from "../../lib/bus/event-bus.ts";
import { createMemoryBus } from "../../lib/bus/memory-bus.ts";
import { createNatsBus } from "../../lib/bus/nats-bus.ts";
import { subjects } from "../../lib/bus/subjects.ts";
import { requestContext } from "../../lib/log.ts";
import { SHARED_NATS_URL, uniqueNatsNamespace } from "../support/nats-stream.ts";
import { waitFor } from "../support/ports.ts";

const acme = Bun.randomUUIDv7();
const namespace = uniqueNatsNamespace();
afterAll(() => namespace.remove());

const buses: Record<string, () => Promise<{ publisher: EventBus; listener: EventBus }>> = {
  memory: async () => {
    const bus = createMemoryBus({ replayBuffer: 100 });
    return { publisher: bus, listener: bus };
  },
  nats: async () => {
    const options = {
      servers: SHARED_NATS_URL,
      stream: namespace.stream,
      subjectPrefix: namespace.subjectPrefix,
    };
    return {
      publisher: await createNatsBus({ ...options, name: "publisher" }),
      listener: await createNatsBus({ ...options, name: "listener" }),
    };
  },
};

// The trace id of the request that published an event travels beside it, for the log only.
for (const [kind, open] of Object.entries(buses)) {
  describe(`the ${kind} bus carries the publishing request's trace id`, () => {
    test("to subscribers and to a replay, and not inside the envelope readers get", async () => {
      const { publisher, listener } = await open();
      try {
        const received: BusMessage[] = [];
        await listener.subscribe("chat.events.>", (m) => received.push(m));
        const before = await listener.head();
        const event = envelope("message.created", { community_id: acme, data: { n: 1 } });
        const traceId = `trace-${Bun.randomUUIDv7("hex").slice(-16)}`;
        await requestContext.run({ traceId, service: "api" }, () =>
          publisher.publish(subjects.communityEvents(acme), event),
        );
        // Published outside any request: no trace id.
        await publisher.publish(
          subjects.communityEvents(acme),
          envelope("message.created", { community_id: acme }),
        );
        await waitFor(() => expect(received).toHaveLength(2));
        expect(received[0]?.traceId).toBe(traceId);
        expect(received[1]?.traceId).toBeUndefined();
        expect(JSON.stringify(received[0]?.event)).not.toContain(traceId);
        const replay = await listener.replay("chat.events.>", before);
        expect(replay.gap).toBe(false);
        if (!replay.gap) expect(replay.messages.map((m) => m.traceId)).toEqual([traceId, undefined]);
      } finally {
        await publisher.close();
        if (listener !== publisher) await listener.close();
      }
    });
  });
}

import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { type Envelope, envelope } from "../../lib/bus/envelope.ts";
import { BusError, type BusMessage, type EventBus, type Handler } from "../../lib/bus/event-bus.ts";
import { createMemoryBus } from "../../lib/bus/memory-bus.ts";
import { createNatsBus, type NatsBusOptions } from "../../lib/bus/nats-bus.ts";
import { subjects } from "../../lib/bus/subjects.ts";
import { type PrivateNats, startPrivateNats, withJetStream } from "../support/nats.ts";
import { SHARED_NATS_URL, uniqueNatsNamespace } from "../support/nats-stream.ts";
import { waitFor } from "../support/ports.ts";

/**
 * A bus for services to publish on and one for the realtime gateway to listen on: the same bus in
 * memory, two connections over NATS, as two processes would have.
 */
interface Buses {
  publisher: EventBus;
  listener: EventBus;
  close(): Promise<void>;
}

async function openNatsBuses(options: NatsBusOptions): Promise<Buses> {
  const publisher = await createNatsBus({ ...options, name: "publisher" });
  const listener = await createNatsBus({ ...options, name: "listener" }).catch(async (err) => {
    await publisher.close();
    throw err;
  });
  return {
    publisher,
    listener,
    async close() {
      await listener.close();
      await publisher.close();
    },
  };
}

/** Opens buses that keep the newest `keep` persisted events for replay. */
const implementations: Record<EventBus["kind"], (keep: number) => Promise<Buses>> = {
  async memory(keep) {
    const bus = createMemoryBus({ replayBuffer: keep });
    return { publisher: bus, listener: bus, close: () => bus.close() };
  },
  async nats(keep) {
    const { stream, subjectPrefix, remove } = uniqueNatsNamespace();
    const buses = await openNatsBuses({ servers: SHARED_NATS_URL, stream, subjectPrefix });
    await withJetStream(SHARED_NATS_URL, (jsm) => jsm.streams.update(stream, { max_msgs: keep }));
    return {
      ...buses,
      async close() {
        await buses.close();
        await remove();
      },
    };
  },
};

const alice = Bun.randomUUIDv7();
const message = (communityId: string, n: number): Envelope =>
  envelope("message.created", { community_id: communityId, actor_id: alice, data: { n } });
const typing = (communityId: string, channelId: string) =>
  envelope("typing.started", { community_id: communityId, channel_id: channelId, actor_id: alice });
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

// Undone after each test, newest first: subscriptions and buses a test opened for itself.
const undo: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const step of undo.splice(0).reverse()) await step();
});

/** Subscribes a handler that records what it receives. */
async function listen(bus: EventBus, pattern: string) {
  const received: BusMessage[] = [];
  const handler: Handler = (m) => received.push(m);
  await bus.subscribe(pattern, handler);
  undo.push(() => bus.unsubscribe(pattern, handler));
  return { received, handler, events: () => received.map((m) => m.event) };
}

/** Waits until `count` messages arrived; asserting on the list afterwards catches extras before them. */
const until = (inbox: { received: BusMessage[] }, count: number) =>
  waitFor(
    () => {
      if (inbox.received.length < count) throw new Error(`${inbox.received.length} of ${count} arrived`);
    },
    // Under bun's 5 s test timeout, so a miss fails with the count rather than a bare timeout.
    4_000,
    `${count} messages`,
  );

for (const [kind, open] of Object.entries(implementations)) {
  describe(`the ${kind} bus`, () => {
    let buses: Buses;
    let publisher: EventBus;
    let listener: EventBus;

    beforeAll(async () => {
      buses = await open(1000);
      ({ publisher, listener } = buses);
      await publisher.ping();
    });

    afterAll(async () => {
      await buses?.close();
    });

    test("a subscriber to a community's events gets each envelope with its subject and seq", async () => {
      const acme = Bun.randomUUIDv7();
      const inbox = await listen(listener, subjects.communityEvents(acme));
      // The schema only ever grows, so a field it does not know yet must survive the trip.
      const event = { ...message(acme, 1), thread_id: Bun.randomUUIDv7() };

      const seq = await publisher.publish(subjects.communityEvents(acme), event);
      await until(inbox, 1);

      expect(seq).toBeNumber();
      expect(inbox.received).toEqual([{ subject: subjects.communityEvents(acme), seq, event }]);
    });

    test("an event announced again under the same dedupe key is stored and delivered once", async () => {
      const acme = Bun.randomUUIDv7();
      const inbox = await listen(listener, subjects.communityEvents(acme));
      const key = `message.created:${Bun.randomUUIDv7()}`;
      const first = await publisher.publish(subjects.communityEvents(acme), message(acme, 1), key);
      const again = await publisher.publish(subjects.communityEvents(acme), message(acme, 1), key);
      // A sentinel after both: a second delivery would arrive before it.
      const sentinel = await publisher.publish(subjects.communityEvents(acme), message(acme, 2));
      await until(inbox, 2);
      expect(again).toBe(first);
      expect(inbox.received.map((m) => m.seq)).toEqual([first, sentinel]);
      expect(await publisher.head()).toBe(sentinel ?? -1);
    });

    test("a subscriber to chat.events.> gets the events of every community", async () => {
      const acme = Bun.randomUUIDv7();
      const globex = Bun.randomUUIDv7();
      const inbox = await listen(listener, "chat.events.>");

      await publisher.publish(subjects.communityEvents(acme), message(acme, 1));
      await publisher.publish(subjects.communityEvents(globex), message(globex, 2));
      await until(inbox, 2);

      expect(inbox.received.map((m) => m.subject)).toEqual([
        subjects.communityEvents(acme),
        subjects.communityEvents(globex),
      ]);
    });

    test("a subscriber to one community never sees another community's events", async () => {
      const acme = Bun.randomUUIDv7();
      const globex = Bun.randomUUIDv7();
      const inbox = await listen(listener, subjects.communityEvents(acme));

      await publisher.publish(subjects.communityEvents(globex), message(globex, 1));
      await publisher.publish(subjects.dm(Bun.randomUUIDv7()), message(globex, 2));
      await publisher.publish(subjects.notifications(alice), message(globex, 3));
      const sentinel = message(acme, 4);
      await publisher.publish(subjects.communityEvents(acme), sentinel);
      await until(inbox, 1);

      expect(inbox.events()).toEqual([sentinel]);
    });

    test("a subscriber to a community's typing gets every channel of it and no other community", async () => {
      const acme = Bun.randomUUIDv7();
      const globex = Bun.randomUUIDv7();
      const [general, random] = [Bun.randomUUIDv7(), Bun.randomUUIDv7()];
      const inbox = await listen(listener, `chat.typing.${acme}.*`);

      await publisher.publish(subjects.typing(acme, general), typing(acme, general));
      await publisher.publish(subjects.typing(globex, general), typing(globex, general));
      await publisher.publish(subjects.dmTyping(general), typing(acme, general));
      await publisher.publish(subjects.typing(acme, random), typing(acme, random));
      await until(inbox, 2);

      expect(inbox.received.map((m) => m.subject)).toEqual([
        subjects.typing(acme, general),
        subjects.typing(acme, random),
      ]);
    });

    test("an event published the moment subscribe resolves is delivered", async () => {
      const acme = Bun.randomUUIDv7();
      const watcher = await listen(listener, `chat.typing.${acme}.*`);
      await publisher.publish(subjects.typing(acme, acme), typing(acme, acme));
      await until(watcher, 1);

      const inboxes = [];
      for (const _ of range(100)) {
        const channel = Bun.randomUUIDv7();
        inboxes.push(await listen(listener, subjects.typing(acme, channel)));
        await publisher.publish(subjects.typing(acme, channel), typing(acme, channel));
      }
      // The watcher hears each event no earlier than the inbox on the same connection does.
      await until(watcher, 101);

      expect(inboxes.map((inbox) => inbox.received.length)).toEqual(inboxes.map(() => 1));
    });

    test("typing and presence arrive live without a seq, and replay never returns them", async () => {
      const acme = Bun.randomUUIDv7();
      const general = Bun.randomUUIDv7();
      const typingInbox = await listen(listener, `chat.typing.${acme}.*`);
      const presenceInbox = await listen(listener, subjects.presence(acme));
      const before = await listener.head();

      const typingSeq = await publisher.publish(subjects.typing(acme, general), typing(acme, general));
      const presence = envelope("presence.changed", { community_id: acme, actor_id: alice });
      const presenceSeq = await publisher.publish(subjects.presence(acme), presence);
      await until(typingInbox, 1);
      await until(presenceInbox, 1);

      expect([typingSeq, presenceSeq]).toEqual([undefined, undefined]);
      expect(typingInbox.received[0]?.seq).toBeUndefined();
      expect(presenceInbox.received).toEqual([{ subject: subjects.presence(acme), event: presence }]);
      expect(presenceInbox.received[0]?.seq).toBeUndefined();
      expect(await listener.head()).toBe(before);

      // A persisted event after them, so replay has something to search past `before`.
      const event = message(acme, 1);
      const seq = await publisher.publish(subjects.communityEvents(acme), event);
      expect(await listener.replay(`chat.typing.${acme}.*`, before)).toEqual({ gap: false, messages: [] });
      expect(await listener.replay(subjects.presence(acme), before)).toEqual({ gap: false, messages: [] });
      expect(await listener.replay("chat.>", before)).toEqual({
        gap: false,
        messages: [{ subject: subjects.communityEvents(acme), seq, event }],
      });
    });

    test("after unsubscribe a handler gets nothing more, while the pattern's other handlers keep receiving", async () => {
      const acme = Bun.randomUUIDv7();
      const pattern = subjects.communityEvents(acme);
      const bob = await listen(listener, pattern);
      const carol = await listen(listener, pattern);

      const first = message(acme, 1);
      await publisher.publish(pattern, first);
      await until(bob, 1);
      await until(carol, 1);
      await listener.unsubscribe(pattern, bob.handler);
      const second = message(acme, 2);
      await publisher.publish(pattern, second);
      await until(carol, 2);

      expect(bob.events()).toEqual([first]);
      expect(carol.events()).toEqual([first, second]);
    });

    test("once a pattern's last handler unsubscribes nothing reaches it, and it can be subscribed again", async () => {
      const acme = Bun.randomUUIDv7();
      const pattern = subjects.communityEvents(acme);
      const carol = await listen(listener, pattern);
      const dave = await listen(listener, "chat.events.>");

      const first = message(acme, 1);
      await publisher.publish(pattern, first);
      await until(carol, 1);
      await listener.unsubscribe(pattern, carol.handler);
      const second = message(acme, 2);
      await publisher.publish(pattern, second);
      await until(dave, 2);
      const erin = await listen(listener, pattern);
      const third = message(acme, 3);
      await publisher.publish(pattern, third);
      await until(erin, 1);

      expect(carol.events()).toEqual([first]);
      expect(erin.events()).toEqual([third]);
    });

    test("200 events published in sequence arrive in order, none lost and none doubled", async () => {
      const acme = Bun.randomUUIDv7();
      const pattern = subjects.communityEvents(acme);
      const inbox = await listen(listener, pattern);

      const seqs: Array<number | undefined> = [];
      for (const n of range(200)) seqs.push(await publisher.publish(pattern, message(acme, n)));
      // The 201st is the sentinel: a doubled event would arrive before it and show in the list.
      seqs.push(await publisher.publish(pattern, message(acme, 200)));
      await until(inbox, 201);

      expect(inbox.events().map((e) => e.data.n)).toEqual(range(201));
      expect(inbox.received.map((m) => m.seq)).toEqual(seqs);
    });

    test("events published at once on a community, a DM and a person's notifications reach a handler of all three in seq order", async () => {
      const acme = Bun.randomUUIDv7();
      const families = [
        subjects.communityEvents(acme),
        subjects.dm(Bun.randomUUIDv7()),
        subjects.notifications(alice),
      ];
      const inbox: { received: BusMessage[] } = { received: [] };
      const handler: Handler = (m) => inbox.received.push(m);
      for (const pattern of ["chat.events.>", "chat.dm.>", "chat.notifications.>"]) {
        await listener.subscribe(pattern, handler);
        undo.push(() => listener.unsubscribe(pattern, handler));
      }

      const seqs = await Promise.all(
        range(1000).map((n) => publisher.publish(families[n % 3] as string, message(acme, n))),
      );
      await until(inbox, 1000);

      // A reader resumes from the last seq it saw, so an older event arriving after a newer one is lost.
      expect(inbox.received.map((m) => m.seq)).toEqual(seqs.sort((a, b) => (a ?? 0) - (b ?? 0)));
    });

    test("replay from an event's seq returns exactly the later events on that pattern, in order", async () => {
      const acme = Bun.randomUUIDv7();
      const globex = Bun.randomUUIDv7();
      const published: BusMessage[] = [];
      for (const n of range(5)) {
        const event = message(acme, n);
        const seq = await publisher.publish(subjects.communityEvents(acme), event);
        published.push({ subject: subjects.communityEvents(acme), seq, event });
        await publisher.publish(subjects.communityEvents(globex), message(globex, n));
      }

      const replay = await listener.replay(subjects.communityEvents(acme), published[1]?.seq ?? -1);

      expect(replay).toEqual({ gap: false, messages: published.slice(2) });
    });

    test("head is the newest event's seq, and replay from it is empty with no gap", async () => {
      const acme = Bun.randomUUIDv7();
      const seq = await publisher.publish(subjects.communityEvents(acme), message(acme, 1));

      const head = await listener.head();

      expect(head).toBe(seq ?? -1);
      expect(await listener.replay(subjects.communityEvents(acme), head)).toEqual({
        gap: false,
        messages: [],
      });
      expect(await listener.replay("chat.events.>", head)).toEqual({ gap: false, messages: [] });
    });

    test("replay from a seq beyond the head is a gap, as it comes from an earlier log", async () => {
      const acme = Bun.randomUUIDv7();
      await publisher.publish(subjects.communityEvents(acme), message(acme, 1));
      const head = await listener.head();

      expect(await listener.replay(subjects.communityEvents(acme), head + 1)).toEqual({ gap: true });
      expect(await listener.replay("chat.events.>", head + 1000)).toEqual({ gap: true });
    });

    test("replay is a gap when more than limit events were missed", async () => {
      const acme = Bun.randomUUIDv7();
      const before = await listener.head();
      for (const n of range(3)) await publisher.publish(subjects.communityEvents(acme), message(acme, n));

      expect(await listener.replay(subjects.communityEvents(acme), before, 2)).toEqual({ gap: true });
      const atLimit = await listener.replay(subjects.communityEvents(acme), before, 3);
      expect(atLimit.gap ? [] : atLimit.messages.map((m) => m.event.data.n)).toEqual([0, 1, 2]);
    });

    test("replay from before the oldest kept event is a gap", async () => {
      const small = await open(3);
      undo.push(() => small.close());
      const acme = Bun.randomUUIDv7();
      const seqs: number[] = [];
      for (const n of range(5)) {
        seqs.push((await small.publisher.publish(subjects.communityEvents(acme), message(acme, n))) ?? -1);
      }

      // Only events 2, 3 and 4 are kept: after event 0 event 1 is missing, after event 1 nothing is.
      expect(await small.listener.replay(subjects.communityEvents(acme), seqs[0] ?? -1)).toEqual({
        gap: true,
      });
      const kept = await small.listener.replay(subjects.communityEvents(acme), seqs[1] ?? -1);
      expect(kept.gap ? [] : kept.messages.map((m) => m.seq)).toEqual(seqs.slice(2));
    });

    test("publish rejects an invalid envelope and delivers nothing", async () => {
      const acme = Bun.randomUUIDv7();
      const pattern = subjects.communityEvents(acme);
      const inbox = await listen(listener, "chat.events.>");
      const before = await listener.head();
      const valid = message(acme, 1);
      const invalid: Envelope[] = [
        { ...valid, type: "MessageCreated" },
        { ...valid, community_id: "acme" },
        { ...valid, timestamp: "yesterday" },
        { type: "message.created" } as Envelope,
      ];

      for (const event of invalid) await expect(publisher.publish(pattern, event)).rejects.toThrow();
      await expect(publisher.publish(subjects.presence(acme), invalid[0] as Envelope)).rejects.toThrow();
      expect(await listener.head()).toBe(before);
      await publisher.publish(pattern, valid);
      await until(inbox, 1);

      expect(inbox.events()).toEqual([valid]);
    });

    test("publish rejects a subject with spaces, wildcards or empty tokens", async () => {
      const acme = Bun.randomUUIDv7();
      const inbox = await listen(listener, ">");
      const bad = [
        "chat.events.acme corp",
        "chat.events.*",
        "chat.events.>",
        "chat..events",
        "chat.events.",
        "",
      ];

      for (const subject of bad) {
        await expect(publisher.publish(subject, message(acme, 1))).rejects.toThrow(BusError);
      }
      const sentinel = message(acme, 2);
      await publisher.publish(subjects.communityEvents(acme), sentinel);
      await until(inbox, 1);

      expect(inbox.events()).toEqual([sentinel]);
    });
  });
}

describe("the nats bus across a server restart", () => {
  let nats: PrivateNats;
  let buses: Buses;

  beforeAll(async () => {
    nats = await startPrivateNats();
    buses = await openNatsBuses({ servers: nats.url, stream: "ajet_events" });
  });

  afterAll(async () => {
    await buses?.close();
    await nats?.stop();
  });

  test("subscribers keep receiving in order without duplicates, and replay reaches across", async () => {
    const { publisher, listener } = buses;
    const acme = Bun.randomUUIDv7();
    const globex = Bun.randomUUIDv7();
    const earlier = message(globex, -1);
    await publisher.publish(subjects.communityEvents(globex), earlier);
    const bob = await listen(listener, subjects.communityEvents(acme));
    // Carol hears nothing before the restart, so she must not be handed `earlier` after it either.
    const carol = await listen(listener, subjects.communityEvents(globex));

    const seqs: Array<number | undefined> = [];
    for (const n of range(5)) {
      seqs.push(await publisher.publish(subjects.communityEvents(acme), message(acme, n)));
    }
    await until(bob, 5);
    await nats.restart();
    // A request sent into the dying connection is lost and times out after 5 s; a ping fails fast.
    await waitFor(() => publisher.ping(), 15_000, "the publisher to reconnect");
    for (const n of range(5)) {
      seqs.push(await publisher.publish(subjects.communityEvents(acme), message(acme, n + 5)));
    }
    const later = message(globex, 10);
    await publisher.publish(subjects.communityEvents(globex), later);
    await until(bob, 10);
    await until(carol, 1);
    // A sentinel after the rest: a redelivered event would arrive before it and show in the list.
    seqs.push(await publisher.publish(subjects.communityEvents(acme), message(acme, 10)));
    await until(bob, 11);

    expect(bob.events().map((e) => e.data.n)).toEqual(range(11));
    expect(bob.received.map((m) => m.seq)).toEqual(seqs);
    expect(carol.events()).toEqual([later]);
    expect(await listener.replay(subjects.communityEvents(acme), seqs[2] ?? -1)).toEqual({
      gap: false,
      messages: bob.received.slice(3),
    });
  }, 60_000);

  test("after a restart that lost the store, subscribers are told to resync and get the new stream from its first event", async () => {
    const { publisher, listener } = buses;
    const acme = Bun.randomUUIDv7();
    const bob = await listen(listener, subjects.communityEvents(acme));
    let resets = 0;
    let eventsAtReset = -1;
    listener.onReset(() => {
      resets++;
      eventsAtReset = bob.received.length;
    });
    // A handler whose owner stopped (a live hub shut down) is not called any more.
    let stoppedCalls = 0;
    const stop = listener.onReset(() => stoppedCalls++);
    stop();
    for (const n of range(30)) await publisher.publish(subjects.communityEvents(acme), message(acme, n));
    await until(bob, 30);
    await nats.restart({ wipe: true });
    await waitFor(() => publisher.ping(), 15_000, "the publisher to reconnect");
    // The new stream's seqs begin again at 1, below the 30 the old consumer had reached.
    const seqs: Array<number | undefined> = [];
    for (const n of range(3)) {
      seqs.push(await publisher.publish(subjects.communityEvents(acme), message(acme, 100 + n)));
    }
    await until(bob, 33);
    expect(seqs[0]).toBeLessThan(30);
    expect(resets).toBe(1);
    expect(stoppedCalls).toBe(0);
    expect(eventsAtReset).toBe(30);
    expect(bob.events().map((e) => e.data.n)).toEqual([...range(30), 100, 101, 102]);
    expect(bob.received.slice(30).map((m) => m.seq)).toEqual(seqs);
  }, 60_000);
});

describe("the nats bus's replays", () => {
  /** Runs `act` with a publisher and a listener on a stream of its own, removed afterwards. */
  async function withBuses(act: (buses: Buses & { stream: string }) => Promise<void>) {
    const { stream, subjectPrefix, remove } = uniqueNatsNamespace();
    const buses = await openNatsBuses({ servers: SHARED_NATS_URL, stream, subjectPrefix });
    try {
      await act({ ...buses, stream });
    } finally {
      await buses.close();
      await remove();
    }
  }

  test("leave no consumer behind on the server", () =>
    withBuses(async ({ publisher, stream }) => {
      const community = Bun.randomUUIDv7();
      const first =
        (await publisher.publish(subjects.communityEvents(community), message(community, 1))) ?? 0;
      await publisher.publish(subjects.communityEvents(community), message(community, 2));
      const consumers = () =>
        withJetStream(SHARED_NATS_URL, async (jsm) => (await jsm.streams.info(stream)).state.consumer_count);
      const before = await consumers();
      for (let i = 0; i < 3; i++) {
        const replay = await publisher.replay(subjects.communityEvents(community), first - 1);
        expect(replay.gap ? 0 : replay.messages.length).toBe(2);
      }
      expect(await consumers()).toBe(before);
    }));

  test("a resume after an event this process received is answered from what it received, not the stream", () =>
    withBuses(async ({ publisher, listener, stream }) => {
      const community = Bun.randomUUIDv7();
      const got: BusMessage[] = [];
      await listener.subscribe("chat.events.>", (m) => got.push(m));
      const seqs: number[] = [];
      for (const n of [1, 2, 3, 4])
        seqs.push((await publisher.publish(subjects.communityEvents(community), message(community, n))) ?? 0);
      await waitFor(() => expect(got).toHaveLength(4));
      // The stream forgets them; the listener, which received them, still answers.
      await withJetStream(SHARED_NATS_URL, (jsm) => jsm.streams.purge(stream));
      expect(await publisher.replay(subjects.communityEvents(community), seqs[1] ?? 0)).toEqual({
        gap: true,
      });
      const replay = await listener.replay(subjects.communityEvents(community), seqs[1] ?? 0);
      expect(replay.gap ? [] : replay.messages.map((m) => [m.seq, m.event.data.n])).toEqual([
        [seqs[2], 3],
        [seqs[3], 4],
      ]);
      // Past the limit it is a gap, as from the stream.
      expect(await listener.replay(subjects.communityEvents(community), seqs[0] ?? 0, 2)).toEqual({
        gap: true,
      });
      // From before what it received, it asks the stream (which no longer has them).
      expect(await listener.replay(subjects.communityEvents(community), (seqs[0] ?? 1) - 2)).toEqual({
        gap: true,
      });
    }));

  test("once a process stops reading the stream it answers resumes from the stream again", () =>
    withBuses(async ({ publisher, listener }) => {
      const community = Bun.randomUUIDv7();
      const got: BusMessage[] = [];
      const handler: Handler = (m) => got.push(m);
      await listener.subscribe("chat.events.>", handler);
      const first =
        (await publisher.publish(subjects.communityEvents(community), message(community, 1))) ?? 0;
      await waitFor(() => expect(got).toHaveLength(1));
      await listener.unsubscribe("chat.events.>", handler);
      // Published while it reads nothing: what it received before would miss this.
      await publisher.publish(subjects.communityEvents(community), message(community, 2));
      const replay = await listener.replay(subjects.communityEvents(community), first - 1);
      expect(replay.gap ? [] : replay.messages.map((m) => m.event.data.n)).toEqual([1, 2]);
    }));
});

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { EventBus } from "../../lib/bus/event-bus.ts";
import { createNatsBus } from "../../lib/bus/nats-bus.ts";
import { ApiClient } from "../../lib/client/api-client.ts";
import { requestUpstream } from "../../lib/http/proxy.ts";
import { createLiveHub, type LiveConnection, type LiveHub, type LiveItem } from "../../lib/live/hub.ts";
import { acmeWithSecret, type Person, startTestApi, type TestApi } from "../support/api.ts";
import { TEST_INTERNAL_SECRET } from "../support/internal.ts";
import { SHARED_NATS_URL, uniqueNatsNamespace } from "../support/nats-stream.ts";
import { waitFor } from "../support/ports.ts";

// Resuming streams on the live hub over NATS while a crowd holds streams and the API publishes, as
// the session managers of distributed mode do: the API and the hub each have their own connection
// to the shared NATS server, under a stream and subject prefix of this test's own. The stream is
// shaped like a crowd's: many subjects (each person's notifications are one), most of them ending
// before the point the readers resume from. Until the readers drop their streams, messages go to
// #general (mentioning one half of the lurkers), #secret and the readers' DMs; after it, to #general
// only, mentioning the other half and the readers (whose notification follows the message at once).
// (On such a stream NATS 2.9 miscounts what a consumer has pending.)
const LURKERS = 60;
const READERS = 12;

interface Recorder {
  conn: LiveConnection;
  items: LiveItem[];
}

describe("resuming on the live hub over NATS while a crowd keeps the bus busy", () => {
  const nats = uniqueNatsNamespace();
  let t: TestApi;
  let hubBus: EventBus;
  let hub: LiveHub;
  let alice: Person;
  let readers: Person[];
  let lurkers: Person[];
  let general: string;
  let secret: string;
  /** Each reader's DM with alice. */
  const dms = new Map<string, string>();
  const open: LiveConnection[] = [];

  const call = <T = { id: string }>(who: Person, method: string, path: string, body?: unknown) =>
    t.json<T>(who, method, path, body);
  const client = (who: Person) =>
    new ApiClient(
      (path, init) => requestUpstream({ name: "api", app: t.app, secret: TEST_INTERNAL_SECRET }, path, init),
      who.token,
    );
  const post = (channel: string, body_md: string) =>
    call(alice, "POST", `/api/channels/${channel}/messages`, { body_md });

  async function connect(who: Person, lastEventId?: number): Promise<Recorder> {
    const items: LiveItem[] = [];
    const conn = await hub.connect({
      api: client(who),
      communitySlug: "acme",
      lastEventId,
      deliver: (i) => items.push(i),
    });
    open.push(conn);
    return { conn, items };
  }
  const seqs = (r: Recorder) =>
    r.items.flatMap((i) => (i.kind === "event" && i.seq !== undefined ? [i.seq] : []));
  const messageIds = (r: Recorder) =>
    r.items.flatMap((i) =>
      i.kind === "event" && i.event.type === "message.created"
        ? [(i.event.data.message as { id: string }).id]
        : [],
    );
  const readySeq = (r: Recorder) => {
    const ready = r.items.find((i) => i.kind === "ready");
    if (ready?.kind !== "ready") throw new Error("no ready");
    return ready.seq;
  };
  /** The channels a reader sees: #general, their DM, and #secret for every other reader. */
  const seenBy = (who: Person) => [
    general,
    dms.get(who.id) as string,
    ...(readers.indexOf(who) % 2 === 0 ? [secret] : []),
  ];

  /**
   * Posts one message after another until stopped: to #general (mentioning a lurker), #secret and
   * the readers' DMs in turn; after `narrow()`, to #general only, mentioning the other lurkers and
   * the readers in turn (a mention is a message and, right after it, a notification).
   */
  function startPosting() {
    const posted: { id: string; channel: string }[] = [];
    let stopped = false;
    let mentioned = lurkers.slice(0, LURKERS / 2);
    let channels = [general, secret, ...dms.values()];
    const done = (async () => {
      for (let n = 0; !stopped; n++) {
        const channel = n % 2 === 0 ? general : (channels[(n >> 1) % channels.length] as string);
        const who = mentioned[(n >> 1) % mentioned.length] as Person;
        const m = await post(channel, channel === general ? `note ${n} for @${who.username}` : `note ${n}`);
        posted.push({ id: m.id, channel });
      }
    })();
    return {
      posted,
      narrow() {
        mentioned = lurkers
          .slice(LURKERS / 2)
          .flatMap((lurker, i) => [lurker, readers[i % READERS] as Person]);
        channels = [general];
      },
      /** Resolves once `count` more messages than now have been posted. */
      more: (count: number) => {
        const target = posted.length + count;
        return waitFor(
          () => {
            if (posted.length < target) throw new Error(`${posted.length} of ${target} posted`);
          },
          30_000,
          `${count} more posts`,
        );
      },
      stop: async () => {
        stopped = true;
        await done;
      },
    };
  }

  /** Resumes the readers' streams from their seqs at once; fails unless every one answers. */
  async function resumeAll(who: Person[], from: number[]) {
    const resumed: (Recorder | undefined)[] = who.map(() => undefined);
    const resuming = Promise.all(
      who.map(async (person, i) => {
        resumed[i] = await connect(person, from[i]);
      }),
    );
    await waitFor(
      () => {
        const waiting = resumed.filter((r) => r === undefined).length;
        if (waiting) throw new Error(`${waiting} of ${who.length} resumes have not answered`);
      },
      10_000,
      "every resume to answer",
    );
    await resuming;
    return resumed as Recorder[];
  }

  beforeAll(async () => {
    const busOptions = { servers: SHARED_NATS_URL, stream: nats.stream, subjectPrefix: nats.subjectPrefix };
    t = await startTestApi("postgres", {}, await createNatsBus({ ...busOptions, name: "api" }));
    hubBus = await createNatsBus({ ...busOptions, name: "session manager" });
    hub = await createLiveHub({ bus: hubBus });
    alice = await t.person("alice");
    ({ general, secret } = await acmeWithSecret(t, alice));
    readers = await Promise.all(Array.from({ length: READERS }, (_, i) => t.person(`reader${i + 1}`)));
    lurkers = await Promise.all(Array.from({ length: LURKERS }, (_, i) => t.person(`lurker${i + 1}`)));
    for (const who of [...readers, ...lurkers]) {
      await t.join(who, "acme");
      // In #general, as an invite leaves a new member: a public channel's messages reach its members.
      await call(who, "POST", `/api/channels/${general}/join`);
    }
    for (const who of readers.filter((_, i) => i % 2 === 0)) {
      await call(alice, "POST", `/api/channels/${secret}/members`, { user_id: who.id });
    }
    for (const who of readers)
      dms.set(who.id, (await call(alice, "POST", "/api/dm", { user_ids: [who.id] })).id);
  });

  afterAll(async () => {
    for (const c of open) c.close();
    await hub?.stop();
    await hubBus?.close();
    await t?.close();
    await nats.remove();
  });

  test("streams resumed from a few seconds back, amid publishing or in the lull after it, all get ready and exactly the events of a stream that never dropped", async () => {
    // The crowd: a stream for each lurker. Each reader holds a stream that never drops (the
    // reference) and one that drops and resumes: half of them while publishing goes on, half in
    // the lull after it.
    for (const who of lurkers) await connect(who);
    const steady = await Promise.all(readers.map((who) => connect(who)));
    const first = await Promise.all(readers.map((who) => connect(who)));
    const half = READERS / 2;
    const posting = startPosting();
    const resumed: Recorder[] = [];
    try {
      await posting.more(30);
      for (const r of first) r.conn.close();
      const from = first.map((r) => Math.max(readySeq(r), ...seqs(r)));
      posting.narrow();
      await posting.more(60);
      resumed.push(...(await resumeAll(readers.slice(0, half), from.slice(0, half))));
      await posting.more(30);
      await posting.stop();
      // The last events before the lull are everyone's.
      for (let n = 0; n < 5; n++)
        posting.posted.push({ id: (await post(general, `last ${n}`)).id, channel: general });
      resumed.push(...(await resumeAll(readers.slice(half), from.slice(half))));
    } finally {
      await posting.stop();
    }

    // Sentinels last in every channel, so everything before them has arrived where it goes.
    const sentinels = new Map<string, string>();
    for (const channel of [general, secret, ...dms.values()]) {
      sentinels.set(channel, (await post(channel, "sentinel")).id);
    }
    for (const [i, who] of readers.entries()) {
      const wanted = seenBy(who).map((c) => sentinels.get(c));
      for (const r of [steady[i] as Recorder, resumed[i] as Recorder]) {
        await waitFor(
          () => expect(messageIds(r)).toEqual(expect.arrayContaining(wanted)),
          10_000,
          "sentinels",
        );
      }
    }

    for (const [i, who] of readers.entries()) {
      const before = first[i] as Recorder;
      const after = resumed[i] as Recorder;
      // Replayed events, then `ready`; never `resync`, as nothing was missed for long.
      expect(after.items.filter((item) => item.kind === "ready" || item.kind === "resync")).toEqual([
        { kind: "ready", seq: expect.any(Number) },
      ]);
      // In order, nothing twice, nothing missing: the events of the stream that never dropped.
      const combined = [...seqs(before), ...seqs(after)];
      expect(combined).toEqual([...combined].sort((a, b) => a - b));
      expect(new Set(combined).size).toBe(combined.length);
      expect(combined).toEqual(seqs(steady[i] as Recorder).filter((s) => s > readySeq(before)));
      // Every message of the reader's channels, and none of the others'.
      const visible = new Set(seenBy(who));
      const shown = new Set([...messageIds(before), ...messageIds(after)]);
      expect(posting.posted.filter((m) => !visible.has(m.channel) && shown.has(m.id))).toEqual([]);
      expect(posting.posted.filter((m) => visible.has(m.channel) && !shown.has(m.id))).toEqual([]);
    }
  }, 90_000);
});

import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import type { Principal } from "../../lib/auth/authenticate.ts";
import { createCredentialCache, credentialsChanged } from "../../lib/auth/credential-cache.ts";
import type { EventBus } from "../../lib/bus/event-bus.ts";
import { createMemoryBus } from "../../lib/bus/memory-bus.ts";
import { publishAll } from "../../lib/bus/publish.ts";

const principal = (userId: string, credentialId: string): Principal => ({
  user: { id: userId } as Principal["user"],
  via: "session",
  credentialId,
  scopes: null,
  botCommunityId: null,
});

describe("the gateway's credential cache", () => {
  let bus: EventBus;
  beforeEach(() => {
    bus = createMemoryBus({ replayBuffer: 10 });
  });
  afterEach(() => bus.close());

  test("remembers nothing until it hears the events that would make it forget", async () => {
    const cache = createCredentialCache({ ttlMs: 5_000 });
    cache.remember("t1", principal("u1", "s1"), null, cache.mark());
    expect(cache.get("t1")).toBeUndefined();
    await cache.listen(bus);
    cache.remember("t1", principal("u1", "s1"), null, cache.mark());
    expect(cache.get("t1")?.credentialId).toBe("s1");
  });

  test("a check under way when something was forgotten is not remembered", async () => {
    const cache = createCredentialCache({ ttlMs: 5_000 });
    await cache.listen(bus);
    const mark = cache.mark();
    cache.forget({ userId: "someone-else" });
    cache.remember("t1", principal("u1", "s1"), null, mark);
    expect(cache.get("t1")).toBeUndefined();
  });

  test("an entry lives the ttl at most, and never past its credential's own expiry", async () => {
    const cache = createCredentialCache({ ttlMs: 5_000 });
    await cache.listen(bus);
    const now = 1_000_000;
    cache.remember("long", principal("u1", "s1"), null, cache.mark(), now);
    cache.remember("short", principal("u2", "s2"), now + 1_000, cache.mark(), now);
    cache.remember("gone", principal("u3", "s3"), now, cache.mark(), now);
    expect(cache.get("long", now + 4_999)).toBeDefined();
    expect(cache.get("long", now + 5_000)).toBeUndefined();
    expect(cache.get("short", now + 999)).toBeDefined();
    expect(cache.get("short", now + 1_000)).toBeUndefined();
    expect(cache.get("gone", now)).toBeUndefined();
  });

  test("drops the expired entries as it remembers new ones, not only when they are asked for", async () => {
    const cache = createCredentialCache({ ttlMs: 5_000 });
    await cache.listen(bus);
    const now = 1_000_000;
    for (const n of [1, 2, 3]) cache.remember(`t${n}`, principal(`u${n}`, `s${n}`), null, cache.mark(), now);
    cache.remember("later", principal("u4", "s4"), null, cache.mark(), now + 6_000);
    expect(cache.size).toBe(1);
  });

  test("an idle cache lets go of what expired on its own, without being asked", async () => {
    const cache = createCredentialCache({ ttlMs: 200 });
    const stop = await cache.listen(bus);
    cache.remember("t1", principal("u1", "s1"), null, cache.mark());
    expect(cache.size).toBe(1);
    // The sweep runs every second at least.
    await Bun.sleep(1_300);
    expect(cache.size).toBe(0);
    await stop();
  });

  test("a ttl of 0 remembers nothing", async () => {
    const cache = createCredentialCache({ ttlMs: 0 });
    await cache.listen(bus);
    cache.remember("t1", principal("u1", "s1"), null, cache.mark());
    expect(cache.get("t1")).toBeUndefined();
  });

  test("holds at most its bound, dropping the oldest", async () => {
    const cache = createCredentialCache({ ttlMs: 5_000, maxEntries: 3 });
    await cache.listen(bus);
    for (const n of [1, 2, 3, 4]) cache.remember(`t${n}`, principal(`u${n}`, `s${n}`), null, cache.mark());
    expect(cache.size).toBe(3);
    expect(cache.get("t1")).toBeUndefined();
    expect(cache.get("t4")).toBeDefined();
  });

  test("an event forgets one credential, or all of a person's, and nothing else", async () => {
    const cache = createCredentialCache({ ttlMs: 5_000 });
    let ended = 0;
    await cache.listen(bus, () => ended++);
    const fill = () => {
      for (const [t, u, s] of [
        ["a1", "alice", "sa1"],
        ["a2", "alice", "sa2"],
        ["b1", "bob", "sb1"],
      ] as const)
        cache.remember(t, principal(u, s), null, cache.mark());
    };
    fill();
    await publishAll(bus, [credentialsChanged({ credentialId: "sa1", ended: true })]);
    expect([cache.get("a1"), cache.get("a2"), cache.get("b1")].map(Boolean)).toEqual([false, true, true]);
    expect(ended).toBe(1);
    fill();
    await publishAll(bus, [credentialsChanged({ userId: "alice", ended: false })]);
    expect([cache.get("a1"), cache.get("a2"), cache.get("b1")].map(Boolean)).toEqual([false, false, true]);
    expect(ended).toBe(1);
  });

  test("stops hearing, and forgets everything, when it stops listening", async () => {
    const cache = createCredentialCache({ ttlMs: 5_000 });
    const stop = await cache.listen(bus);
    cache.remember("t1", principal("u1", "s1"), null, cache.mark());
    await stop();
    expect(cache.get("t1")).toBeUndefined();
    cache.remember("t1", principal("u1", "s1"), null, cache.mark());
    expect(cache.size).toBe(0);
  });
});

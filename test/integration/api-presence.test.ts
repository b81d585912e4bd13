import { afterAll, beforeAll, describe, expect, spyOn, test } from "bun:test";
import { and, eq, sql } from "drizzle-orm";
import { resultRows } from "../../lib/db/migrate.ts";
import { communityMembers, users } from "../../lib/db/schema.ts";
import { log } from "../../lib/log.ts";
import { DB_KINDS, type Person, startTestApi, type TestApi } from "../support/api.ts";
import { errorOf, jsonOf } from "../support/http.ts";
import { waitFor } from "../support/ports.ts";

interface Presence {
  user_id: string;
  online: boolean;
  last_seen_at: string | null;
}

for (const kind of DB_KINDS) {
  describe(`presence on ${kind}`, () => {
    let api: TestApi;
    let alice: Person;
    let bob: Person;
    let dave: Person;
    let erin: Person;
    const community: Record<string, string> = {};

    async function createCommunity(owner: Person, slug: string) {
      const res = await api.call(owner, "POST", "/api/communities", { name: slug, slug });
      expect(res.status).toBe(201);
      community[slug] = (await jsonOf<{ id: string }>(res)).id;
    }

    async function lastSeen(who: Person) {
      const [row] = await api.database.db
        .select({ lastSeenAt: users.lastSeenAt })
        .from(users)
        .where(eq(users.id, who.id));
      return row?.lastSeenAt ?? null;
    }

    async function presence(who: Person, ids: string[]) {
      const res = await api.call(who, "GET", `/api/presence?user_ids=${ids.join(",")}`);
      expect(res.status).toBe(200);
      return (await jsonOf<{ items: Presence[] }>(res)).items;
    }

    async function heartbeat(who: Person) {
      const res = await api.call(who, "POST", "/api/heartbeat");
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ ok: true });
    }

    beforeAll(async () => {
      api = await startTestApi(kind);
      alice = await api.person("alice");
      bob = await api.person("bob");
      dave = await api.person("dave");
      erin = await api.person("erin");
      await createCommunity(alice, "acme");
      await createCommunity(alice, "initech");
      await createCommunity(dave, "globex");
      await api.join(bob, "acme");
      // Erin and alice keep a DM after erin leaves the community they met in.
      await api.join(erin, "initech");
      expect((await api.call(alice, "POST", "/api/dm", { user_ids: [erin.id] })).status).toBe(200);
      await api.database.db
        .delete(communityMembers)
        .where(
          and(
            eq(communityMembers.userId, erin.id),
            eq(communityMembers.communityId, community.initech ?? ""),
          ),
        );
    });

    afterAll(async () => {
      await api?.close();
    });

    test("a heartbeat answers 200 at once and last_seen_at is written shortly after", async () => {
      expect(await lastSeen(bob)).toBeNull();
      const before = Date.now();
      await heartbeat(bob);
      const seen = await waitFor(async () => {
        const at = await lastSeen(bob);
        if (!at) throw new Error("last_seen_at not written yet");
        return at;
      }, 5000);
      expect(seen.getTime()).toBeGreaterThan(before - 1000);
    });

    // PGlite is one connection, so a row lock held by the test would stall the request itself.
    test.if(kind === "postgres")(
      "a heartbeat answers while its write is still blocked by a row lock",
      async () => {
        const held = Promise.withResolvers<void>();
        const locked = Promise.withResolvers<void>();
        const transaction = api.database.db.transaction(async (tx) => {
          await tx.execute(sql`select 1 from ${users} where ${users.id} = ${dave.id} for update`);
          locked.resolve();
          await held.promise;
        });
        await locked.promise;
        try {
          await heartbeat(dave);
          // The answer came while the write it started waits on the lock.
          await waitFor(async () => {
            const waiting = await api.database.db.execute(
              sql`select 1 from pg_stat_activity where datname = current_database()
                  and wait_event_type = 'Lock' and query ilike 'update "users"%'`,
            );
            if (resultRows(waiting).length === 0) throw new Error("the heartbeat's write is not waiting yet");
          }, 5000);
          expect(await lastSeen(dave)).toBeNull();
        } finally {
          held.resolve();
          await transaction;
        }
        await waitFor(async () => expect(await lastSeen(dave)).not.toBeNull(), 5000);
      },
    );

    test("a failed heartbeat write is logged, and the caller still gets 200", async () => {
      const frank = await api.person("frank");
      const { db } = api.database;
      await db.execute(sql`create function refuse_frank() returns trigger language plpgsql as $$
        begin raise exception 'refused for the test'; end $$`);
      await db.execute(sql`create trigger refuse_frank before update of last_seen_at on users
        for each row when (new.username = 'frank') execute function refuse_frank()`);
      const errors = spyOn(log, "error").mockImplementation(() => {});
      try {
        await heartbeat(frank);
        await waitFor(
          () => expect(errors).toHaveBeenCalledWith("heartbeat write failed", expect.anything()),
          5000,
        );
        expect(await lastSeen(frank)).toBeNull();
      } finally {
        errors.mockRestore();
        await db.execute(sql`drop trigger refuse_frank on users`);
        await db.execute(sql`drop function refuse_frank()`);
      }
    });

    test("someone is offline until their heartbeat and online right after it", async () => {
      const gus = await api.person("gus");
      await api.join(gus, "acme");
      expect(await presence(alice, [gus.id])).toEqual([
        { user_id: gus.id, online: false, last_seen_at: null },
      ]);
      await heartbeat(gus);
      const [item] = await waitFor(async () => {
        const items = await presence(alice, [gus.id]);
        expect(items[0]?.online).toBe(true);
        return items;
      }, 5000);
      expect(item?.last_seen_at).toBe((await lastSeen(gus))?.toISOString() ?? "missing");
    });

    test("a heartbeat older than two minutes is offline", async () => {
      await api.database.db
        .update(users)
        .set({ lastSeenAt: sql`now() - interval '3 minutes'` })
        .where(eq(users.id, bob.id));
      const [item] = await presence(alice, [bob.id]);
      expect(item).toMatchObject({ user_id: bob.id, online: false });
      expect(item?.last_seen_at).not.toBeNull();
    });

    test("only people the caller shares a community or a DM with are listed, in the order asked", async () => {
      const nobody = Bun.randomUUIDv7();
      const res = await api.call(
        alice,
        "GET",
        `/api/presence?user_ids=${[dave.id, erin.id, nobody, bob.id, alice.id].join(",")}`,
      );
      const text = await res.text();
      expect(JSON.parse(text).items.map((p: Presence) => p.user_id)).toEqual([erin.id, bob.id, alice.id]);
      // A stranger is absent exactly like an id that names nobody: nothing confirms they exist.
      expect(text).not.toContain(dave.id);
      expect(text).not.toContain(nobody);
      expect((await presence(dave, [alice.id, bob.id, dave.id])).map((p) => p.user_id)).toEqual([dave.id]);
    });

    test("malformed, missing or too many ids are a 400 naming user_ids", async () => {
      const tooMany = Array.from({ length: 201 }, () => Bun.randomUUIDv7()).join(",");
      for (const query of [
        "",
        "?user_ids=",
        "?user_ids=nope",
        `?user_ids=${bob.id},`,
        `?user_ids=${tooMany}`,
      ]) {
        const res = await api.call(alice, "GET", `/api/presence${query}`);
        expect(res.status).toBe(400);
        expect((await errorOf(res)).message).toStartWith("user_ids");
      }
      const twoHundred = Array.from({ length: 199 }, () => Bun.randomUUIDv7())
        .concat(bob.id)
        .join(",");
      expect((await api.call(alice, "GET", `/api/presence?user_ids=${twoHundred}`)).status).toBe(200);
    });

    test("a heartbeat is announced on each of the person's communities and on no other", async () => {
      const from = api.events.length;
      await heartbeat(alice);
      const announced = await waitFor(() => {
        const events = api.events.slice(from).filter((m) => m.event.type === "presence.heartbeat");
        expect(events).toHaveLength(2);
        return events;
      }, 5000);
      await api.delivered();
      const lastSeenAt = (await lastSeen(alice))?.toISOString();
      expect(announced.map((m) => m.subject).sort()).toEqual(
        [`chat.presence.${community.acme}`, `chat.presence.${community.initech}`].sort(),
      );
      for (const { subject, event } of announced) {
        expect(subject).toBe(`chat.presence.${event.community_id}`);
        expect(event).toMatchObject({
          actor_id: alice.id,
          data: { user_id: alice.id, last_seen_at: lastSeenAt },
        });
      }
      expect(api.events.slice(from).some((m) => m.subject === `chat.presence.${community.globex}`)).toBe(
        false,
      );
    });

    test("presence needs a signed-in caller", async () => {
      expect((await api.call(null, "POST", "/api/heartbeat")).status).toBe(401);
      expect((await api.call(null, "GET", `/api/presence?user_ids=${bob.id}`)).status).toBe(401);
    });
  });
}

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { and, eq, inArray, sql } from "drizzle-orm";
import type { BusMessage } from "../../lib/bus/event-bus.ts";
import { messages, notifications, scheduledJobs } from "../../lib/db/schema.ts";
import { registry } from "../../lib/metrics/metrics.ts";
import { doDeliver } from "../../lib/schedule/deliver.ts";
import { acmeWithSecret, DB_KINDS, type Person, startTestApi, type TestApi } from "../support/api.ts";
import { command, commandOk } from "../support/commands.ts";
import { once } from "../support/once.ts";
import { waitFor } from "../support/ports.ts";

interface Scheduled {
  id: string;
  kind: string;
  state: string;
  body_md: string;
  send_at: string;
  repeat: string | null;
  failed_reason: string | null;
}

/** Resolves with the first event published from now on that `test` accepts. */
function nextEvent(t: TestApi, test: (m: BusMessage) => boolean): Promise<BusMessage> {
  const seen = t.events.length;
  return waitFor(
    () => {
      const found = t.events.slice(seen).find(test);
      if (!found) throw new Error("not yet published");
      return found;
    },
    20_000,
    "the scheduled event",
  );
}

const isMessage = (body: string) => (m: BusMessage) =>
  m.event.type === "message.created" &&
  (m.event.data as { message: { body_md: string } }).message.body_md === body;
const isReminderFor = (userId: string, text: string) => (m: BusMessage) =>
  m.subject.endsWith(`notifications.${userId}`) &&
  m.event.type === "notification.created" &&
  (m.event.data as { notification: { data: { text?: string } } }).notification.data.text === text;

const inSeconds = (s: number) => new Date(Date.now() + s * 1000).toISOString();

// The job poller looks only once a minute here: whatever fires within seconds was woken by its making.
for (const kind of DB_KINDS)
  describe(`reminders and scheduled messages (${kind})`, () => {
    let t: TestApi;
    let stopScheduler: () => Promise<void>;
    let alice: Person;
    let bob: Person;
    let carol: Person;
    let acme: Awaited<ReturnType<typeof acmeWithSecret>>;
    let team: string;

    beforeAll(async () => {
      t = await startTestApi(kind, { AJET_SCHEDULER_POLL_MS: "60000", AJET_TIME_ZONE: "UTC" });
      stopScheduler = t.app.startScheduler();
      alice = await t.person("alice");
      bob = await t.person("bob");
      carol = await t.person("carol");
      acme = await acmeWithSecret(t, alice);
      await t.join(bob, "acme");
      team = (await t.json<{ id: string }>(alice, "POST", "/api/communities/acme/channels", { name: "team" }))
        .id;
      // carol is in another community only
      await t.json(carol, "POST", "/api/communities", { name: "Other", slug: "other" });
    });
    afterAll(async () => {
      await stopScheduler();
      await t.close();
    });

    const jobs = (id: string) => t.database.db.select().from(scheduledJobs).where(eq(scheduledJobs.id, id));
    // The event goes out as soon as the post or notification is written; the row is finished just after.
    const finished = (id: string) =>
      waitFor(async () => {
        const [job] = await jobs(id);
        if (!job?.doneAt) throw new Error("not finished yet");
        return job;
      });
    const messagesWith = (body: string) =>
      t.database.db.select().from(messages).where(eq(messages.bodyMd, body));

    test("/remind me to stretch in 1 second fires once, as a notification to me", async () => {
      const fired = nextEvent(t, isReminderFor(alice.id, "Reminder: stretch"));
      const reply = await commandOk(t, alice, acme.general, "/remind me to stretch in 1 second");
      expect(reply.reply_md).toContain("I will remind you “stretch”");
      const id = reply.effects[0]?.id as string;
      expect(reply.effects[0]).toMatchObject({ type: "reminder.created", id: expect.any(String) });

      const event = await fired;
      expect(event.event.data).toMatchObject({ ring: true, preview: "Reminder: stretch" });
      const rows = await t.database.db.select().from(notifications).where(eq(notifications.sourceId, id));
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ userId: alice.id, type: "system", actorId: alice.id });
      const job = await finished(id);
      expect(job.failedReason).toBeNull();
      expect(await registry.getSingleMetricAsString("ajet_scheduled_deliveries_total")).toContain(
        'ajet_scheduled_deliveries_total{kind="reminder",outcome="sent"}',
      );
      // Listed with its words; gone from the waiting list.
      const list = await t.json<{ items: { type: string; preview: string }[] }>(
        alice,
        "GET",
        "/api/notifications",
      );
      expect(list.items[0]).toMatchObject({ type: "system", preview: "Reminder: stretch" });
      expect((await t.json<{ items: Scheduled[] }>(alice, "GET", "/api/scheduled")).items).toEqual([]);
    });

    test("/remind #team standup in 1 second posts it in #team as the one who set it, once", async () => {
      const fired = nextEvent(t, isMessage("Reminder: standup"));
      await commandOk(t, alice, acme.general, "/remind #team standup in 1 second");
      const event = await fired;
      expect(event.event.channel_id).toBe(team);
      const rows = await messagesWith("Reminder: standup");
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ channelId: team, userId: alice.id });
    });

    test("/remind @bob reaches bob as a notification from alice", async () => {
      const fired = nextEvent(t, isReminderFor(bob.id, "Reminder: review the PR"));
      const reply = await commandOk(t, alice, acme.general, "/remind @bob to review the PR in 1 second");
      expect(reply.reply_md).toContain("I will remind @bob");
      await fired;
      const rows = await t.database.db
        .select()
        .from(notifications)
        .where(eq(notifications.sourceId, reply.effects[0]?.id as string));
      expect(rows.map((r) => [r.userId, r.actorId])).toEqual([[bob.id, alice.id]]);
    });

    const listed = once(async () => {
      const reply = await commandOk(t, alice, acme.general, "/remind #team standup every weekday at 9am");
      return reply.effects[0]?.id as string;
    });

    test("/remind list shows the caller's reminders with ids, and only theirs", async () => {
      const id = await listed();
      const list = await commandOk(t, alice, acme.general, "/remind list");
      expect(list.reply_md).toContain(id);
      expect(list.reply_md).toContain("#team: “standup” every weekday at 09:00");
      const bobs = await commandOk(t, bob, acme.general, "/remind list");
      expect(bobs.reply_md).toBe("You have no reminders waiting.");
      expect(bobs.reply_md).not.toContain(id);
      const [job] = await jobs(id);
      expect(job?.repeat).toBe("weekday 09:00");
      expect([1, 2, 3, 4, 5]).toContain(job?.dueAt.getUTCDay() ?? -1);
      expect(job?.dueAt.getUTCHours()).toBe(9);
    });

    test("/remind cancel stops it; someone else's id is not found", async () => {
      const id = await listed();
      const bobs = await command(t, bob, acme.general, `/remind cancel ${id}`);
      expect(bobs.status).toBe(404);
      const reply = await commandOk(t, alice, acme.general, `/remind delete ${id}`);
      expect(reply.reply_md).toBe("Cancelled: “standup”.");
      expect((await commandOk(t, alice, acme.general, "/remind list")).reply_md).not.toContain(id);
      const [job] = await jobs(id);
      expect(job?.cancelledAt).not.toBeNull();
      expect((await command(t, alice, acme.general, `/remind cancel ${id}`)).status).toBe(404);
    });

    test("a cancelled reminder never fires, though one due after it does", async () => {
      const cancelled = await commandOk(t, alice, acme.general, "/remind #team never say this in 1 second");
      await commandOk(t, alice, acme.general, `/remind cancel ${cancelled.effects[0]?.id}`);
      const later = nextEvent(t, isMessage("Reminder: say this"));
      await commandOk(t, alice, acme.general, "/remind #team say this in 2 seconds");
      // The poller takes due jobs in order: once the later one is out, the cancelled one was passed over.
      await later;
      expect(await messagesWith("Reminder: never say this")).toEqual([]);
    });

    test("reminding a channel or a person the caller may not reach is refused, and nothing is stored", async () => {
      const before = await t.database.db.select({ n: sql<number>`count(*)::int` }).from(scheduledJobs);
      const secret = await command(t, bob, acme.general, "/remind #secret peek in 1 minute");
      expect(secret).toMatchObject({ status: 404, error: { code: "unknown_channel" } });
      expect(secret.error?.message).toBe("there is no channel #secret in this community");
      const stranger = await command(t, alice, acme.general, "/remind @carol hello in 1 minute");
      expect(stranger).toMatchObject({ status: 404, error: { code: "unknown_user" } });
      const archived = (
        await t.json<{ id: string }>(alice, "POST", "/api/communities/acme/channels", { name: "old" })
      ).id;
      await t.json(alice, "POST", `/api/channels/${archived}/archive`);
      expect(await command(t, alice, acme.general, "/remind #old water in 1 minute")).toMatchObject({
        status: 410,
      });
      const noTime = await command(t, alice, acme.general, "/remind me to stretch sometime");
      expect(noTime).toMatchObject({ status: 400, error: { code: "invalid_command" } });
      expect(noTime.error?.message).toContain("could not read when");
      const after = await t.database.db.select({ n: sql<number>`count(*)::int` }).from(scheduledJobs);
      expect(after).toEqual(before);
    });

    test("a message scheduled with send_at is posted then, listed until it is", async () => {
      const fired = nextEvent(t, isMessage("ship it"));
      const res = await t.call(alice, "POST", `/api/channels/${team}/messages`, {
        body_md: "ship it",
        send_at: inSeconds(1),
      });
      expect(res.status).toBe(202);
      const job = (await res.json()) as Scheduled;
      expect(job).toMatchObject({ kind: "message", state: "pending", body_md: "ship it", repeat: null });
      expect(await messagesWith("ship it")).toEqual([]);
      await fired;
      const rows = await messagesWith("ship it");
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({
        userId: alice.id,
        channelId: team,
        clientMsgId: expect.stringContaining(job.id),
      });
      await finished(job.id);
      expect(
        (await t.json<{ items: Scheduled[] }>(alice, "GET", "/api/scheduled")).items.map((i) => i.id),
      ).not.toContain(job.id);
    });

    test("send_at in the past, malformed, or with a thread is a 400; a private channel not joined is a 404", async () => {
      const post = (who: Person, channel: string, body: Record<string, unknown>) =>
        t.call(who, "POST", `/api/channels/${channel}/messages`, { body_md: "x", ...body });
      expect((await post(alice, team, { send_at: new Date(Date.now() - 60_000).toISOString() })).status).toBe(
        400,
      );
      expect((await post(alice, team, { send_at: "tomorrow" })).status).toBe(400);
      expect(
        (await post(alice, team, { send_at: inSeconds(60), parent_id: crypto.randomUUID() })).status,
      ).toBe(400);
      expect((await post(bob, acme.secret, { send_at: inSeconds(60) })).status).toBe(404);
    });

    test("the scheduled list and cancel are the author's own", async () => {
      const job = await t.json<Scheduled>(alice, "POST", `/api/channels/${team}/messages`, {
        body_md: "later, maybe",
        send_at: inSeconds(3600),
      });
      const mine = await t.json<{ items: Scheduled[] }>(alice, "GET", "/api/scheduled?kind=message");
      expect(mine.items.map((i) => i.id)).toContain(job.id);
      const bobs = await t.json<{ items: Scheduled[] }>(bob, "GET", "/api/scheduled");
      expect(JSON.stringify(bobs)).not.toContain("later, maybe");
      expect((await t.call(bob, "DELETE", `/api/scheduled/${job.id}`)).status).toBe(404);
      const cancelled = await t.json<Scheduled>(alice, "DELETE", `/api/scheduled/${job.id}`);
      expect(cancelled.state).toBe("cancelled");
      expect((await t.call(alice, "DELETE", `/api/scheduled/${job.id}`)).status).toBe(404);
    });

    test("an author who left the channel by send time gets it marked failed with the reason, not sent", async () => {
      const room = (
        await t.json<{ id: string }>(alice, "POST", "/api/communities/acme/channels", {
          name: "room",
          visibility: "private",
        })
      ).id;
      await t.json(alice, "POST", `/api/channels/${room}/members`, { user_id: bob.id });
      const job = await t.json<Scheduled>(bob, "POST", `/api/channels/${room}/messages`, {
        body_md: "from beyond",
        send_at: inSeconds(1),
      });
      await t.json(bob, "POST", `/api/channels/${room}/leave`);
      const failed = await waitFor(async () => {
        const { items } = await t.json<{ items: Scheduled[] }>(bob, "GET", "/api/scheduled");
        const item = items.find((i) => i.id === job.id);
        if (item?.state !== "failed") throw new Error(`still ${item?.state}`);
        return item;
      }, 20_000);
      expect(failed.failed_reason).toBe("channel not found");
      expect(await messagesWith("from beyond")).toEqual([]);
      // Dismissed, it leaves the list.
      expect((await t.json<Scheduled>(bob, "DELETE", `/api/scheduled/${job.id}`)).state).toBe("dismissed");
      const { items } = await t.json<{ items: Scheduled[] }>(bob, "GET", "/api/scheduled");
      expect(items.map((i) => i.id)).not.toContain(job.id);
    });

    test("a recurring reminder fires, then waits for its next time instead of finishing", async () => {
      const reply = await commandOk(t, alice, acme.general, "/remind #team stand up every day at 5pm");
      const id = reply.effects[0]?.id as string;
      const fired = nextEvent(t, isMessage("Reminder: stand up"));
      // Its time comes: as if the clock had reached it.
      await t.database.db
        .update(scheduledJobs)
        .set({ dueAt: new Date(Date.now() - 1000) })
        .where(eq(scheduledJobs.id, id));
      await commandOk(t, alice, acme.general, "/remind me nudge the poller in 1 second");
      await fired;
      const row = await waitFor(async () => {
        const [job] = await jobs(id);
        if (!job || job.dueAt.getTime() < Date.now()) throw new Error("not moved on yet");
        return job;
      });
      expect(row.doneAt).toBeNull();
      expect(row.dueAt.getUTCHours()).toBe(17);
      expect(row.dueAt.getTime() - Date.now()).toBeLessThanOrEqual(86_400_000);
      expect(await messagesWith("Reminder: stand up")).toHaveLength(1);
      await commandOk(t, alice, acme.general, `/remind cancel ${id}`);
    });

    test("a job delivered by an instance that died before finishing it is not posted again", async () => {
      const [job] = await t.database.db
        .insert(scheduledJobs)
        .values({
          kind: "message",
          createdBy: alice.id,
          channelId: team,
          bodyMd: "posted before the crash",
          timeZone: "UTC",
          dueAt: new Date(Date.now() - 1000),
          // Claimed by a process that is gone: its lease ran out.
          leasedBy: "dead-instance",
          leaseUntil: new Date(Date.now() - 1),
        })
        .returning();
      if (!job) throw new Error("no job");
      // What that instance did before it died: the post, not the finish.
      expect((await doDeliver(t.database.db, job)).ok).toBe(true);
      const fired = nextEvent(t, isMessage("Reminder: after the crash"));
      await commandOk(t, alice, acme.general, "/remind #team after the crash in 1 second");
      await fired;
      expect((await finished(job.id)).failedReason).toBeNull();
      expect(await messagesWith("posted before the crash")).toHaveLength(1);
      const [{ n } = { n: -1 }] = await t.database.db
        .select({ n: sql<number>`count(*)::int` })
        .from(messages)
        .where(and(eq(messages.channelId, team), eq(messages.bodyMd, "posted before the crash")));
      expect(n).toBe(1);
    });

    test("finished jobs are deleted a week after they finished or were dismissed; waiting ones, failed ones not yet dismissed and recent ones stay", async () => {
      const daysAgo = (d: number) => new Date(Date.now() - d * 86_400_000);
      const job = (bodyMd: string, done: Partial<typeof scheduledJobs.$inferInsert>) => ({
        kind: "reminder" as const,
        createdBy: alice.id,
        targetUserId: alice.id,
        bodyMd,
        timeZone: "UTC",
        dueAt: daysAgo(9),
        ...done,
      });
      const rows = await t.database.db
        .insert(scheduledJobs)
        .values([
          job("sent long ago", { doneAt: daysAgo(8) }),
          job("cancelled long ago", { doneAt: daysAgo(8), cancelledAt: daysAgo(8) }),
          job("failed, dismissed long ago", {
            doneAt: daysAgo(9),
            cancelledAt: daysAgo(8),
            failedReason: "left",
          }),
          // Failed long ago but dismissed yesterday: a week from the dismissal.
          job("failed, dismissed", { doneAt: daysAgo(8), cancelledAt: daysAgo(1), failedReason: "left" }),
          job("failed, still listed", { doneAt: daysAgo(8), failedReason: "left" }),
          job("sent yesterday", { doneAt: daysAgo(1) }),
          // Due far ahead: waiting, whatever its age.
          job("waiting", { createdAt: daysAgo(30), dueAt: new Date(Date.now() + 86_400_000) }),
        ])
        .returning({ id: scheduledJobs.id, bodyMd: scheduledJobs.bodyMd });
      const ids = rows.map((r) => r.id);
      const left = async () =>
        (
          await t.database.db
            .select({ bodyMd: scheduledJobs.bodyMd })
            .from(scheduledJobs)
            .where(inArray(scheduledJobs.id, ids))
            .orderBy(scheduledJobs.bodyMd)
        ).map((r) => r.bodyMd);
      expect(await left()).toHaveLength(7);
      // An instance sweeps on its first poll.
      const another = t.app.startScheduler();
      try {
        await waitFor(async () => expect(await left()).toHaveLength(4), 10_000, "the sweep");
      } finally {
        await another();
      }
      expect(await left()).toEqual([
        "failed, dismissed",
        "failed, still listed",
        "sent yesterday",
        "waiting",
      ]);
      const listed = (await t.json<{ items: Scheduled[] }>(alice, "GET", "/api/scheduled")).items;
      const ours = new Set(rows.map((r) => r.bodyMd));
      expect(listed.map((j) => j.body_md).filter((b) => ours.has(b))).toEqual([
        "waiting",
        "failed, still listed",
      ]);
    });
  });

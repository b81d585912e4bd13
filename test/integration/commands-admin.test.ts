import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { and, count, eq } from "drizzle-orm";
import {
  auditLog,
  channelMembers,
  communityBans,
  communityMembers,
  communityMutes,
  messages,
  notifications,
} from "../../lib/db/schema.ts";
import { DB_KINDS, type Person, startTestApi, type TestApi } from "../support/api.ts";
import { command, commandOk } from "../support/commands.ts";

interface Channel {
  id: string;
  name: string;
}

describe.each(DB_KINDS)("admin slash commands on %s", (kind) => {
  let t: TestApi;
  let alice: Person; // owner
  let dave: Person; // admin
  let carol: Person; // member
  let community: string;
  let general: string;
  let random: string;
  let people = 0;

  const call = <T = Record<string, unknown>>(who: Person, method: string, path: string, body?: unknown) =>
    t.json<T>(who, method, path, body);
  /** A new member of Acme, in #general and #random. */
  const newcomer = async () => {
    const who = await t.person(`victim${++people}`);
    await t.join(who, "acme");
    await call(who, "POST", `/api/channels/${general}/join`);
    await call(who, "POST", `/api/channels/${random}/join`);
    return who;
  };
  const auditCount = async () =>
    (await t.database.db.select({ n: count() }).from(auditLog).where(eq(auditLog.communityId, community)))[0]
      ?.n ?? 0;
  const inviteCode = async () =>
    (await call<{ code: string }>(alice, "POST", "/api/communities/acme/invites", {})).code;

  beforeAll(async () => {
    t = await startTestApi(kind);
    [alice, dave, carol] = (await Promise.all(["alice", "dave", "carol"].map((n) => t.person(n)))) as [
      Person,
      Person,
      Person,
    ];
    community = (
      await call<{ id: string }>(alice, "POST", "/api/communities", { name: "Acme", slug: "acme" })
    ).id;
    await t.join(dave, "acme", "admin");
    await t.join(carol, "acme");
    general = (
      (await call<{ items: Channel[] }>(alice, "GET", "/api/communities/acme/channels")).items[0] as Channel
    ).id;
    random = (await call<Channel>(alice, "POST", "/api/communities/acme/channels", { name: "random" })).id;
  });
  afterAll(() => t.close());

  // Each row makes what its command needs and returns the command to type.
  const adminCommands: [string, () => Promise<string>][] = [
    ["ban", async () => `/ban @${(await newcomer()).username} spam`],
    [
      "unban",
      async () => {
        const v = await newcomer();
        await commandOk(t, alice, general, `/ban @${v.username}`);
        return `/unban @${v.username}`;
      },
    ],
    ["kick", async () => `/kick @${(await newcomer()).username}`],
    ["mute", async () => `/mute @${(await newcomer()).username} 10m`],
    [
      "unmute",
      async () => {
        const v = await newcomer();
        await commandOk(t, alice, general, `/mute @${v.username}`);
        return `/unmute @${v.username}`;
      },
    ],
    ["role", async () => `/role @${(await newcomer()).username} admin`],
    [
      "purge",
      async () => {
        await call(alice, "POST", `/api/channels/${random}/messages`, { body_md: "to be purged" });
        return "/purge #random 1";
      },
    ],
    ["token create", async () => `/token create bot${++people} messages:read`],
    ["token list", async () => "/token list"],
    [
      "token revoke",
      async () => {
        const made = await commandOk(t, alice, general, `/token create bot${++people}`);
        return `/token revoke ${made.effects[0]?.token_id}`;
      },
    ],
    ["webhook create", async () => "/webhook create #random Builds"],
    ["webhook list", async () => "/webhook list"],
    [
      "webhook revoke",
      async () => {
        const made = await commandOk(t, alice, general, "/webhook create #random Doomed");
        return `/webhook revoke ${made.effects[0]?.webhook_id}`;
      },
    ],
  ];
  const reads = new Set(["token list", "webhook list"]);

  describe("the role matrix", () => {
    test.each(adminCommands)("/%s is refused for a member, and nothing happens", async (name, setup) => {
      const text = await setup();
      const audits = await auditCount();
      await t.delivered();
      t.events.length = 0;
      expect(await command(t, carol, general, text)).toEqual({
        status: 403,
        error: { code: "forbidden", message: `only owners and admins can run /${name.split(" ")[0]}` },
      });
      await t.delivered();
      expect(t.events).toEqual([]);
      expect(await auditCount()).toBe(audits);
    });

    for (const [role, who] of [
      ["an admin", () => dave],
      ["the owner", () => alice],
    ] as const) {
      test.each(adminCommands)(`/%s is allowed for ${role}, audited and published`, async (name, setup) => {
        const text = await setup();
        const audits = await auditCount();
        await t.delivered();
        t.events.length = 0;
        const reply = await commandOk(t, who(), general, text);
        expect(reply.ok).toBe(true);
        await t.delivered();
        if (reads.has(name)) {
          expect(reply.effects).toEqual([]);
        } else {
          expect(await auditCount()).toBeGreaterThan(audits);
          expect(t.events.length).toBeGreaterThan(0);
          expect(reply.effects.length).toBeGreaterThan(0);
        }
      });
    }
  });

  describe("nobody moderates the owner", () => {
    test.each([
      ["/ban @alice", "the owner cannot be banned"],
      ["/kick @alice", "the owner cannot be kicked"],
      ["/mute @alice 1h", "the owner cannot be muted"],
      ["/role @alice member", "the owner's role cannot be changed"],
    ])("an admin's %p is refused", async (text, message) => {
      expect(await command(t, dave, general, text)).toEqual({
        status: 403,
        error: { code: "forbidden", message },
      });
      const [owner] = await t.database.db
        .select()
        .from(communityMembers)
        .where(and(eq(communityMembers.communityId, community), eq(communityMembers.userId, alice.id)));
      expect(owner?.role).toBe("owner");
    });

    test("nor do moderators moderate themselves", async () => {
      expect(await command(t, dave, general, "/ban @dave")).toEqual({
        status: 400,
        error: { code: "invalid_request", message: "you cannot ban yourself" },
      });
    });
  });

  test("a ban removes every membership in the community, tells them, and keeps their sessions and invites out", async () => {
    const mallory = await newcomer();
    const dm = (await commandOk(t, mallory, general, "/msg @carol psst")).effects[0]?.channel_id as string;
    await t.delivered();
    t.events.length = 0;
    const reply = await commandOk(t, dave, general, `/ban @${mallory.username} "spamming links"`);
    expect(reply).toEqual({
      ok: true,
      reply_md: `Banned @${mallory.username} (spamming links).`,
      effects: [{ type: "member.banned", community_id: community, user_id: mallory.id }],
    });
    await t.delivered();
    expect(t.events.map((e) => [e.subject, e.event.type])).toEqual([
      [`chat.events.${community}`, "member.banned"],
      [`chat.notifications.${mallory.id}`, "notification.created"],
    ]);
    const db = t.database.db;
    expect(await db.select().from(communityMembers).where(eq(communityMembers.userId, mallory.id))).toEqual(
      [],
    );
    const left = await db.select().from(channelMembers).where(eq(channelMembers.userId, mallory.id));
    expect(left.map((m) => m.channelId)).toEqual([dm]);
    const [ban] = await db.select().from(communityBans).where(eq(communityBans.userId, mallory.id));
    expect(ban).toMatchObject({ communityId: community, bannedBy: dave.id, reason: "spamming links" });
    const [told] = await db.select().from(notifications).where(eq(notifications.userId, mallory.id));
    expect(told).toMatchObject({
      type: "system",
      data: { kind: "banned", community_id: community, reason: "spamming links" },
    });
    const [audit] = await db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, "member.banned"), eq(auditLog.targetId, mallory.id)));
    expect(audit).toMatchObject({ actorId: dave.id, communityId: community });

    // The same session that worked a moment ago now reaches nothing in the community.
    expect((await t.call(mallory, "GET", "/api/communities/acme")).status).toBe(404);
    expect((await t.call(mallory, "GET", `/api/channels/${general}/messages`)).status).toBe(404);
    expect(
      (await t.call(mallory, "POST", `/api/channels/${general}/messages`, { body_md: "still here?" })).status,
    ).toBe(404);
    expect((await t.call(mallory, "GET", `/api/channels/${dm}/messages`)).status).toBe(200);
    const code = await inviteCode();
    expect((await t.call(mallory, "POST", `/api/invites/${code}/accept`)).status).toBe(403);

    expect((await commandOk(t, alice, general, `/unban @${mallory.username}`)).reply_md).toBe(
      `Unbanned @${mallory.username}; an invite lets them back in.`,
    );
    expect((await t.call(mallory, "POST", `/api/invites/${code}/accept`)).status).toBe(200);
    expect((await command(t, alice, general, `/unban @${mallory.username}`)).error).toEqual({
      code: "unknown_user",
      message: `no one named @${mallory.username} is banned from this community`,
    });
  });

  test("a kick removes them, an invite brings them back", async () => {
    const v = await newcomer();
    expect((await commandOk(t, dave, general, `/kick @${v.username}`)).reply_md).toBe(
      `Removed @${v.username} from the community.`,
    );
    expect((await t.call(v, "GET", "/api/communities/acme")).status).toBe(404);
    expect((await command(t, dave, general, `/kick @${v.username}`)).error?.code).toBe("unknown_user");
    expect((await t.call(v, "POST", `/api/invites/${await inviteCode()}/accept`)).status).toBe(200);
  });

  test("a mute sends 403 on posts until it expires or is lifted", async () => {
    const v = await newcomer();
    const post = () => t.call(v, "POST", `/api/channels/${general}/messages`, { body_md: "can I talk?" });
    const reply = await commandOk(t, dave, general, `/mute @${v.username} 2h`);
    expect(reply.reply_md).toStartWith(`Muted @${v.username} for 2h (until `);
    const muted = await post();
    expect(muted.status).toBe(403);
    expect(((await muted.json()) as { error: { message: string } }).error.message).toStartWith(
      "you are muted in this community until",
    );
    expect((await command(t, v, general, "/me tries anyway")).status).toBe(403);
    await t.database.db
      .update(communityMutes)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(communityMutes.userId, v.id));
    expect((await post()).status).toBe(201);
    await commandOk(t, dave, general, `/mute @${v.username} 1d`);
    expect((await post()).status).toBe(403);
    expect((await commandOk(t, dave, general, `/unmute @${v.username}`)).reply_md).toBe(
      `Unmuted @${v.username}.`,
    );
    expect((await post()).status).toBe(201);
    expect((await command(t, dave, general, `/unmute @${v.username}`)).status).toBe(404);
  });

  test("/role promotes and demotes, and the new admin sees admin commands in /help", async () => {
    const v = await newcomer();
    expect((await commandOk(t, dave, general, `/role @${v.username} admin`)).reply_md).toBe(
      `@${v.username} is now an admin.`,
    );
    expect((await commandOk(t, v, general, "/help")).reply_md).toContain("`/ban @user [reason]`");
    await commandOk(t, alice, general, `/role @${v.username} member`);
    expect((await command(t, v, general, "/kick @carol")).status).toBe(403);
    const [told] = await t.database.db.select().from(notifications).where(eq(notifications.userId, v.id));
    expect(told).toMatchObject({ type: "system", data: { kind: "role_changed", role: "admin" } });
  });

  test("/purge deletes the newest messages of the channel as tombstones, audited", async () => {
    const { id: ch } = await call<Channel>(alice, "POST", "/api/communities/acme/channels", {
      name: "noisy",
    });
    const sent: string[] = [];
    for (const body_md of ["keep me", "spam 1", "spam 2", "spam 3"]) {
      sent.push((await call<{ id: string }>(carol, "POST", `/api/channels/${ch}/messages`, { body_md })).id);
    }
    await call(carol, "POST", `/api/channels/${ch}/messages`, { body_md: "spam reply", parent_id: sent[3] });
    await t.delivered();
    t.events.length = 0;
    expect(await commandOk(t, dave, general, "/purge #noisy 4")).toEqual({
      ok: true,
      reply_md: "Deleted 4 messages in #noisy.",
      effects: [{ type: "messages.deleted", channel_id: ch, count: 4 }],
    });
    await t.delivered();
    expect(t.events.map((e) => e.event.type)).toEqual(Array(4).fill("message.deleted"));
    const rows = await t.database.db
      .select()
      .from(messages)
      .where(eq(messages.channelId, ch))
      .orderBy(messages.id);
    expect(rows.map((m) => [m.bodyMd, m.deletedAt !== null])).toEqual([
      ["keep me", false],
      ["spam 1", true],
      ["spam 2", true],
      ["spam 3", true],
      ["spam reply", true],
    ]);
    const [audit] = await t.database.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, "channel.purged"), eq(auditLog.targetId, ch)));
    expect(audit).toMatchObject({ actorId: dave.id, targetId: ch, data: { requested: 4, deleted: 4 } });
  });

  test("unknown people and channels are named in the error", async () => {
    expect((await command(t, dave, general, "/ban @ghost")).error).toEqual({
      code: "unknown_user",
      message: "no one named @ghost in this community",
    });
    expect((await command(t, dave, general, "/purge #nowhere")).error).toEqual({
      code: "unknown_channel",
      message: "there is no channel #nowhere in this community",
    });
  });
});

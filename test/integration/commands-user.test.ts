import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { and, eq } from "drizzle-orm";
import { channelMembers, messages, notifications } from "../../lib/db/schema.ts";
import { DB_KINDS, type Person, startTestApi, type TestApi } from "../support/api.ts";
import { command, commandOk } from "../support/commands.ts";

interface Channel {
  id: string;
  name: string;
  topic: string;
}

describe.each(DB_KINDS)("everyone's slash commands on %s", (kind) => {
  let t: TestApi;
  let alice: Person;
  let bob: Person;
  let carol: Person;
  let zed: Person;
  let general: string;
  let random: string;
  let secret: string;

  const call = <T = Record<string, unknown>>(who: Person, method: string, path: string, body?: unknown) =>
    t.json<T>(who, method, path, body);
  const isMember = async (who: Person, channelId: string) =>
    (
      await t.database.db
        .select()
        .from(channelMembers)
        .where(and(eq(channelMembers.channelId, channelId), eq(channelMembers.userId, who.id)))
    ).length === 1;

  beforeAll(async () => {
    t = await startTestApi(kind);
    [alice, bob, carol, zed] = (await Promise.all(
      ["alice", "bob", "carol", "zed"].map((n) => t.person(n)),
    )) as [Person, Person, Person, Person];
    await call(alice, "POST", "/api/communities", { name: "Acme", slug: "acme" });
    await call(zed, "POST", "/api/communities", { name: "Elsewhere", slug: "elsewhere" });
    await t.join(bob, "acme");
    await t.join(carol, "acme");
    const list = await call<{ items: Channel[] }>(alice, "GET", "/api/communities/acme/channels");
    general = (list.items[0] as Channel).id;
    random = (await call<Channel>(alice, "POST", "/api/communities/acme/channels", { name: "random" })).id;
    secret = (
      await call<Channel>(alice, "POST", "/api/communities/acme/channels", {
        name: "secret",
        visibility: "private",
      })
    ).id;
    await call(bob, "POST", `/api/channels/${general}/join`);
  });
  afterAll(() => t.close());

  test("/join #channel joins a public channel and says so", async () => {
    const reply = await commandOk(t, bob, general, "/join #random");
    expect(reply).toEqual({
      ok: true,
      reply_md: "Joined #random.",
      effects: [{ type: "channel.joined", channel_id: random }],
    });
    expect(await isMember(bob, random)).toBe(true);
    expect((await commandOk(t, bob, general, "/join random")).reply_md).toBe("You are already in #random.");
  });

  test("/join of a private channel one is not in is the same 404 as a missing one", async () => {
    const hidden = await command(t, bob, general, "/join #secret");
    const missing = await command(t, bob, general, "/join #nowhere");
    expect(hidden).toEqual({
      status: 404,
      error: { code: "unknown_channel", message: "there is no channel #secret in this community" },
    });
    expect(missing.error?.message).toBe("there is no channel #nowhere in this community");
    expect(await isMember(bob, secret)).toBe(false);
  });

  test("/leave leaves the channel it is typed in", async () => {
    await commandOk(t, carol, general, "/join #random");
    expect(await commandOk(t, carol, random, "/leave")).toEqual({
      ok: true,
      reply_md: "Left #random.",
      effects: [{ type: "channel.left", channel_id: random }],
    });
    expect(await isMember(carol, random)).toBe(false);
  });

  test("/topic sets and clears the topic and publishes channel.updated", async () => {
    await t.delivered();
    t.events.length = 0;
    expect((await commandOk(t, bob, general, '/topic Ship it "today"')).reply_md).toBe(
      'Topic of #general set to: Ship it "today"',
    );
    await t.delivered();
    expect(t.events.map((e) => e.event.type)).toEqual(["channel.updated"]);
    expect((await call<Channel>(bob, "GET", `/api/channels/${general}`)).topic).toBe('Ship it "today"');
    await commandOk(t, bob, general, '/topic ""');
    expect((await call<Channel>(bob, "GET", `/api/channels/${general}`)).topic).toBe("");
  });

  test("/msg @user opens the DM and posts into it, notifying them", async () => {
    const reply = await commandOk(t, bob, general, "/msg @carol lunch at *noon*?");
    expect(reply.reply_md).toBe("Sent to @carol.");
    const [effect] = reply.effects;
    expect(effect?.type).toBe("message.posted");
    const [row] = await t.database.db
      .select()
      .from(messages)
      .where(eq(messages.id, effect?.message_id as string));
    expect(row?.bodyMd).toBe("lunch at *noon*?");
    const dms = await call<{ items: { id: string }[] }>(carol, "GET", "/api/dm");
    expect(dms.items.map((d) => d.id)).toContain(effect?.channel_id as string);
    const told = await t.database.db
      .select()
      .from(notifications)
      .where(eq(notifications.sourceId, row?.id as string));
    expect(told.map((n) => [n.userId, n.type])).toEqual([[carol.id, "dm"]]);
  });

  test("/dm @a @b opens the group DM of exactly those people, posts the text, and the same command finds it again", async () => {
    const reply = await commandOk(t, alice, general, "/dm @bob @carol standup moved to 10");
    expect(reply.reply_md).toBe("Sent to @bob, @carol.");
    const opened = reply.effects.find((e) => e.type === "dm.opened")?.channel_id as string;
    const posted = reply.effects.find((e) => e.type === "message.posted")?.message_id as string;
    const members = await t.database.db
      .select({ userId: channelMembers.userId })
      .from(channelMembers)
      .where(eq(channelMembers.channelId, opened));
    expect(members.map((m) => m.userId).sort()).toEqual([alice.id, bob.id, carol.id].sort());
    const told = await t.database.db.select().from(notifications).where(eq(notifications.sourceId, posted));
    expect(told.map((n) => n.userId).sort()).toEqual([bob.id, carol.id].sort());
    const again = await commandOk(t, alice, general, "/dm @carol @bob");
    expect(again).toEqual({
      ok: true,
      reply_md: "Opened your conversation with @carol, @bob.",
      effects: [{ type: "dm.opened", channel_id: opened }],
    });
  });

  test("/dm needs at least one @user and refuses someone outside the community", async () => {
    expect((await command(t, alice, general, "/dm hello")).error?.code).toBe("invalid_command");
    expect(await command(t, alice, general, "/dm @bob @zed hi")).toEqual({
      status: 404,
      error: { code: "unknown_user", message: "no one named @zed in this community" },
    });
  });

  test("/msg to someone outside the community names them as unknown", async () => {
    expect(await command(t, bob, general, "/msg @zed hi")).toEqual({
      status: 404,
      error: { code: "unknown_user", message: "no one named @zed in this community" },
    });
    expect(await command(t, bob, general, "/msg @nobody hi")).toEqual({
      status: 404,
      error: { code: "unknown_user", message: "no one named @nobody in this community" },
    });
  });

  test("/invite adds a community member to a private channel, and only its members may", async () => {
    const reply = await commandOk(t, alice, secret, "/invite @carol");
    expect(reply).toEqual({
      ok: true,
      reply_md: "Added @carol to #secret.",
      effects: [{ type: "channel.member_added", channel_id: secret, user_id: carol.id }],
    });
    expect(await isMember(carol, secret)).toBe(true);
    expect((await commandOk(t, alice, general, "/invite @carol #secret")).reply_md).toBe(
      "@carol is already in #secret.",
    );
    expect((await command(t, bob, general, "/invite @bob #secret")).status).toBe(404);
    expect((await command(t, alice, secret, "/invite @zed")).error?.code).toBe("unknown_user");
  });

  test("/me posts an italic action line under the caller's name", async () => {
    const reply = await commandOk(t, bob, general, "/me waves at *everyone*_");
    expect(reply.reply_md).toBe("");
    const [row] = await t.database.db
      .select()
      .from(messages)
      .where(eq(messages.id, reply.effects[0]?.message_id as string));
    expect(row).toMatchObject({ bodyMd: "_bob waves at \\*everyone\\*\\__", userId: bob.id });
  });

  test("/help lists only what the caller's role may run; /help <command> explains one", async () => {
    const member = (await commandOk(t, bob, general, "/help")).reply_md;
    const owner = (await commandOk(t, alice, general, "/help")).reply_md;
    // A name followed by a space or the closing backtick: `/mute` is not `/mute-channel`.
    const lists = (text: string, name: string) => new RegExp(`\`/${name}[ \`]`).test(text);
    const everyone = [
      "join",
      "leave",
      "topic",
      "msg",
      "dm",
      "invite",
      "me",
      "mute-channel",
      "notify",
      "dnd",
      "help",
    ];
    for (const name of everyone) {
      expect(lists(member, name)).toBe(true);
      expect(lists(owner, name)).toBe(true);
    }
    const admins = [
      "ban",
      "unban",
      "kick",
      "mute",
      "unmute",
      "role",
      "purge",
      "archive",
      "unarchive",
      "token",
      "webhook",
    ];
    for (const name of admins) {
      expect(lists(member, name)).toBe(false);
      expect(lists(owner, name)).toBe(true);
    }
    expect((await commandOk(t, bob, general, "/help mute")).reply_md).toBe(
      [
        "**/mute** — Stop someone posting in this community for a while (owners and admins only)",
        "- `/mute @user [duration]`",
        "",
        "Durations: `10m`, `2h`, `1d`, `1w` or combined like `1h30m`; the default is 1h, the longest 365d. Muting again replaces the expiry. The owner cannot be muted.",
      ].join("\n"),
    );
    expect(await command(t, bob, general, "/help nope")).toEqual({
      status: 400,
      error: {
        code: "unknown_command",
        message: "there is no /nope command; /help lists the ones you can run",
      },
    });
  });

  test("malformed input answers 400 with the usage, never a stack trace", async () => {
    expect(await command(t, bob, general, "/mute")).toEqual({
      status: 400,
      error: { code: "invalid_command", message: "missing @user\nusage: /mute @user [duration]" },
    });
    expect(await command(t, bob, general, '/join "#random')).toEqual({
      status: 400,
      error: {
        code: "invalid_command",
        message: 'the quote " opened at character 7 is never closed\nusage: /join #channel',
      },
    });
    expect((await command(t, bob, general, "/me \u0007")).error?.message).toBe(
      "a command cannot contain control characters",
    );
    // NUL is refused with the body it came in, before any command is read.
    expect((await command(t, bob, general, "/me \u0000")).error?.message).toBe(
      "text: must not contain NUL characters",
    );
    expect((await command(t, bob, general, "/frob")).error?.code).toBe("unknown_command");
    const huge = await command(t, bob, general, `/me ${"x".repeat(50_000)}`);
    expect(huge.status).toBe(400);
    expect(huge.error?.message).toStartWith("text:");
    const noBody = await t.call(bob, "POST", "/api/commands", { text: "/help" });
    expect(noBody.status).toBe(400);
  });

  test("a command in a channel one cannot read is a 404, like any other channel route", async () => {
    expect((await command(t, zed, general, "/help")).status).toBe(404);
    expect((await command(t, bob, secret, "/help")).status).toBe(404);
  });

  test("in a DM, /me and /msg work and community commands say where they belong", async () => {
    const dm = (await commandOk(t, bob, general, "/msg @alice hello")).effects[0]?.channel_id as string;
    expect((await commandOk(t, alice, dm, "/me nods")).effects[0]?.type).toBe("message.posted");
    expect((await commandOk(t, alice, dm, "/msg @carol from a DM")).reply_md).toBe("Sent to @carol.");
    expect(await command(t, alice, dm, "/join #random")).toEqual({
      status: 400,
      error: { code: "invalid_request", message: "/join works in a community's channels, not in a DM" },
    });
    expect(await command(t, alice, dm, "/ban @bob")).toEqual({
      status: 400,
      error: { code: "invalid_request", message: "run /ban in a channel of the community" },
    });
    expect((await command(t, alice, dm, "/leave")).status).toBe(400);
  });

  test("unauthenticated callers get 401", async () => {
    const res = await t.call(null, "POST", "/api/commands", { channel_id: general, text: "/help" });
    expect(res.status).toBe(401);
  });
});

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type ChatPerson, type ChatServer, startChatServer } from "../support/chat-server.ts";
import { as, type CliOptions, jsonLines, plainLines, runCli } from "../support/terminal.ts";

// The conversation commands of the CLI against a real `bun run start`: group DMs, notification
// preferences, pins and saved items, links and profiles.
describe("the ajet-chat CLI's conversation commands", () => {
  let chat: ChatServer;
  let alice: ChatPerson;
  let bob: ChatPerson;
  let carol: ChatPerson;

  const ok = async (who: ChatPerson, args: string[], options: CliOptions = {}) => {
    const result = await runCli(args, { ...options, env: { ...as(chat, who), ...options.env } });
    if (result.code !== 0) throw new Error(`ajet-chat ${args.join(" ")} → ${result.code}: ${result.stderr}`);
    expect(result.stderr).toBe("");
    return result.stdout;
  };
  const json = async <T = Record<string, unknown>>(who: ChatPerson, args: string[]) =>
    jsonLines<T>(await ok(who, [...args, "--json"]));
  const fails = async (who: ChatPerson, args: string[]) => {
    const result = await runCli(args, { env: as(chat, who) });
    expect(result.stdout).toBe("");
    return { code: result.code, stderr: result.stderr };
  };

  beforeAll(async () => {
    chat = await startChatServer();
    alice = chat.owner;
    bob = await chat.invite("bob");
    carol = await chat.invite("carol");
  });
  afterAll(() => chat.stop());

  test("dm @a @b text starts a group DM with both; naming them again finds the same one", async () => {
    const [sent] = await json<{ id: string; channel_id: string }>(alice, [
      "dm",
      "@bob",
      "@carol",
      "lunch",
      "today?",
    ]);
    const [opened] = await json<{ id: string; members: { username: string }[] }>(alice, [
      "dm",
      "@carol",
      "@bob",
    ]);
    expect(opened?.id).toBe(sent?.channel_id as string);
    expect(opened?.members.map((m) => m.username).sort()).toEqual(["alice", "bob", "carol"]);
    const carolDms = plainLines(await ok(carol, ["dms"]));
    expect(carolDms.map((l) => l[0])).toContain("@alice,@bob");
    const read = plainLines(await ok(carol, ["read", sent?.channel_id as string]));
    expect(read.at(-1)?.join(" ")).toContain("lunch today?");
  });

  test("dm without anyone named, or with a stranger, fails with one line and no conversation", async () => {
    const none = await fails(alice, ["dm", "hello"]);
    expect(none).toEqual({ code: 1, stderr: "ajet-chat: missing @user: name the people to talk with\n" });
    const stranger = await fails(alice, ["dm", "@bob", "@nobody", "hi"]);
    expect(stranger.code).toBe(3);
    expect(stranger.stderr).toBe("ajet-chat: no member @nobody in acme\n");
  });

  test("notify sets a channel's level and mute; notifications --why says which rule fired", async () => {
    const [set] = await json<{ notify: string; muted: boolean }>(bob, ["notify", "#general", "all"]);
    expect(set).toMatchObject({ notify: "all", muted: false });
    expect(plainLines(await ok(bob, ["notify", "#general", "mute"]))[0]).toEqual([
      "#general",
      "all",
      "muted",
    ]);
    await ok(alice, ["send", "#general", "hello everyone"]);
    await ok(alice, ["send", "#general", "@carol see this"]);
    const bobs = await json<{ why: string; reason: string; preview: string }>(bob, [
      "notifications",
      "--why",
    ]);
    expect(bobs.find((n) => n.preview === "hello everyone")).toMatchObject({
      reason: "all",
      why: "this channel notifies you of every message",
    });
    const carols = plainLines(await ok(carol, ["notifications", "--why"]));
    expect(carols.find((l) => l.includes("@carol see this"))?.at(-1)).toBe("you were mentioned");
    const [general] = await json<{ muted: boolean; unread_count: number }>(bob, ["channels"]);
    expect(general).toMatchObject({ muted: true, unread_count: 0 });
    const bad = await fails(bob, ["notify", "#general", "loud"]);
    expect(bad.code).toBe(1);
  });

  test("dnd sets do-not-disturb for a while and off ends it", async () => {
    const [on] = await json<{ dnd_until: string | null }>(carol, ["dnd", "2h"]);
    expect(Date.parse(on?.dnd_until ?? "")).toBeGreaterThan(Date.now() + 119 * 60_000);
    expect(plainLines(await ok(carol, ["dnd", "off"]))).toEqual([["off"]]);
    expect((await fails(carol, ["dnd", "forever"])).code).toBe(1);
  });

  test("pin, pins, save, saved and unpin work on message ids, in plain lines and --json", async () => {
    const id = (await ok(alice, ["send", "#general", "release notes live", "-q"])).trim();
    expect(plainLines(await ok(bob, ["pin", id]))).toEqual([[id, "pinned"]]);
    const [pinned] = await json<{ message: { id: string }; pinned_by: string }>(carol, ["pins", "#general"]);
    expect(pinned).toMatchObject({ message: { id }, pinned_by: bob.id });
    expect(plainLines(await ok(carol, ["pins", "#general"]))[0]?.[0]).toBe(id);
    await ok(carol, ["save", id]);
    expect((await json<{ message: { id: string } }>(carol, ["saved"])).map((i) => i.message.id)).toEqual([
      id,
    ]);
    expect(await json(bob, ["saved"])).toEqual([]);
    await ok(bob, ["unpin", id]);
    expect(await json(carol, ["pins", "#general"])).toEqual([]);
    expect((await fails(carol, ["pin", "not-an-id"])).code).toBe(1);
  });

  test("link prints a message's permalink only to someone who can read it; whois shows a member's profile", async () => {
    const id = (await ok(alice, ["send", "#general", "link me", "-q"])).trim();
    expect((await ok(bob, ["link", id])).trim()).toBe(`${chat.base}/m/${id}`);
    const dm = (await ok(alice, ["send", "@carol", "just us", "-q"])).trim();
    const outsider = await fails(bob, ["link", dm]);
    expect(outsider.code).toBe(3);
    expect(outsider.stderr).not.toContain("just us");

    await ok(carol, ["dnd", "1h"]);
    const [profile] = await json<{ username: string; dnd_until: string | null }>(bob, ["whois", "@carol"]);
    expect(profile).toMatchObject({ username: "carol", dnd_until: expect.any(String) });
    expect(plainLines(await ok(bob, ["whois", "@alice"]))[0]?.slice(0, 2)).toEqual(["@alice", "alice"]);
    expect((await fails(bob, ["whois", "@nobody"])).code).toBe(3);
  });
});

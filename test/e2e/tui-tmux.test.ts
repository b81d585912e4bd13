import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import type { MessageJson } from "../../lib/client/views.ts";
import type { ChatPerson, ChatServer } from "../support/chat-server.ts";
import { waitFor } from "../support/ports.ts";
import { startTeam } from "../support/team.ts";
import { startTmux, type Tmux } from "../support/terminal.ts";

// The TUI as a person uses it: in tmux, keys sent with send-keys, the screen read with capture-pane.
// Each test opens its own TUI on what it posted itself, so any one of them runs alone.
describe("the TUI in tmux", () => {
  let chat: ChatServer;
  let alice: ChatPerson;
  let bob: ChatPerson;
  let random = "";
  let term: Tmux | undefined;
  const say = (who: ChatPerson, body_md: string) =>
    chat.api<MessageJson>(who, "POST", `/api/channels/${random}/messages`, { body_md });
  const messagesOf = (who: ChatPerson, channel: string) =>
    chat.api<{ items: MessageJson[] }>(who, "GET", `/api/channels/${channel}/messages`).then((p) => p.items);

  /** Alice's TUI in a fresh tmux at 100×30, started from a shell and showing #general. */
  async function openTui() {
    const opened = startTmux({
      width: 100,
      height: 30,
      env: { AJET_SERVER: chat.base, AJET_TOKEN: alice.token, XDG_CONFIG_HOME: "/nonexistent" },
    });
    term = opened;
    opened.keys("PS1='shell$ '; bun bin/ajet-chat.ts", "Enter");
    return { term: opened, first: await opened.shows("#general  Everyone, everything") };
  }
  /** Alice's TUI moved on to #random (the channel after #general), showing `text` there. */
  async function tuiInRandom(text: string) {
    const { term } = await openTui();
    term.keys("C-n");
    await term.shows(/│ #random/);
    await term.shows(text);
    return term;
  }

  beforeAll(async () => {
    const team = await startTeam(["random"]);
    ({ server: chat, alice, bob } = team);
    random = team.id("random");
  });
  afterEach(() => {
    term?.kill();
    term = undefined;
  });
  afterAll(async () => {
    await chat.stop();
  });

  test("signs in with a token and shows the community, its channels and #general", async () => {
    const { first } = await openTui();
    expect(first).toContain(" Acme");
    expect(first).toMatch(/# random/);
    expect(first).toContain("? help");
  });

  test("switches channel, sends, and sees another person's message arrive", async () => {
    const { term } = await openTui();
    term.keys("C-n");
    await term.shows(/│ #random/);
    term.type("hello from the tui");
    term.keys("Enter");
    await term.shows("hello from the tui");
    await waitFor(async () => {
      const items = await messagesOf(alice, random);
      if (!items.some((m) => m.body_md === "hello from the tui")) throw new Error("not posted yet");
    });
    await say(bob, "bob says **hi**");
    await term.shows("bob says hi");
  });

  test("opens a thread on the newest message and replies in it", async () => {
    const root = await say(bob, "who has the release notes?");
    const term = await tuiInRandom("who has the release notes?");
    term.keys("C-t");
    await term.shows("Thread  Esc closes");
    term.type("a threaded reply");
    term.keys("Enter");
    await term.shows("a threaded reply");
    await term.shows("↳ 1 reply");
    const replies = await chat.api<{ items: MessageJson[] }>(bob, "GET", `/api/messages/${root.id}/replies`);
    expect(replies.items.map((m) => m.body_md)).toEqual(["a threaded reply"]);
    term.keys("Escape");
    await term.hides("Thread  Esc closes");
  });

  test("reacts to the newest message and runs a slash command", async () => {
    const root = await say(bob, "launch is on Monday");
    const term = await tuiInRandom("launch is on Monday");
    term.type("+:tada:");
    term.keys("Enter");
    await term.shows("🎉 1");
    const [newest] = await messagesOf(bob, random);
    expect(newest?.id).toBe(root.id);
    expect(newest?.reactions).toEqual([expect.objectContaining({ emoji: "🎉", count: 1 })]);

    term.type("/topic Launch week");
    term.keys("Enter");
    await term.shows("#random  Launch week");
    const channel = await chat.api<{ topic: string }>(bob, "GET", `/api/channels/${random}`);
    expect(channel.topic).toBe("Launch week");
  });

  test("resizes to 80×24 and keeps every part on screen", async () => {
    await chat.api(alice, "POST", "/api/commands", { channel_id: random, text: "/topic Small screens" });
    await say(bob, "seen on a small screen");
    const term = await tuiInRandom("seen on a small screen");
    term.run("resize-window", "-t", term.session, "-x", "80", "-y", "24");
    const small = await term.shows(/^ acme · #random.*\? help\s*$/m);
    const rows = small.split("\n").filter((l, i, all) => i < all.length - 1 || l !== "");
    expect(rows).toHaveLength(24);
    expect(rows.every((r) => Bun.stringWidth(r) <= 80)).toBe(true);
    expect(rows[0]).toContain("#random  Small screens");
    expect(rows[22]).toMatch(/^>/);
    expect(small).toContain("seen on a small screen");
  });

  test("quits cleanly, leaving a normal shell", async () => {
    const { term } = await openTui();
    term.keys("C-c");
    await term.shows(/^shell\$\s*$/m);
    term.keys("echo tui-exit-$?", "Enter");
    const after = await term.shows("tui-exit-0");
    expect(after).not.toContain("│");
  });
});

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { MessageJson } from "../../lib/client/views.ts";
import { type ChatPerson, type ChatServer, startChatServer } from "../support/chat-server.ts";
import { waitFor } from "../support/ports.ts";
import { startTmux, type Tmux } from "../support/terminal.ts";

// The TUI as a person uses it: in tmux, keys sent with send-keys, the screen read with capture-pane.
describe("the TUI in tmux", () => {
  let chat: ChatServer;
  let alice: ChatPerson;
  let bob: ChatPerson;
  let random = "";
  let term: Tmux;
  const messagesOf = (who: ChatPerson, channel: string) =>
    chat.api<{ items: MessageJson[] }>(who, "GET", `/api/channels/${channel}/messages`).then((p) => p.items);

  beforeAll(async () => {
    chat = await startChatServer();
    alice = chat.owner;
    bob = await chat.invite("bob");
    ({ id: random } = await chat.api<{ id: string }>(alice, "POST", "/api/communities/acme/channels", {
      name: "random",
    }));
    await chat.api(bob, "POST", `/api/channels/${random}/join`);
    term = startTmux({
      width: 100,
      height: 30,
      env: { AJET_SERVER: chat.base, AJET_TOKEN: alice.token, XDG_CONFIG_HOME: "/nonexistent" },
    });
  });
  afterAll(async () => {
    term?.kill();
    await chat.stop();
  });

  test("signs in with a token and shows the community, its channels and #general", async () => {
    term.keys("PS1='shell$ '; bun bin/ajet-chat.ts", "Enter");
    const first = await term.shows("#general  Everyone, everything");
    expect(first).toContain(" Acme");
    expect(first).toMatch(/# random/);
    expect(first).toContain("? help");
  });

  test("switches channel, sends, and sees another person's message arrive", async () => {
    term.keys("C-n");
    await term.shows(/│ #random/);
    term.type("hello from the tui");
    term.keys("Enter");
    await term.shows("hello from the tui");
    await waitFor(async () => {
      const items = await messagesOf(alice, random);
      if (!items.some((m) => m.body_md === "hello from the tui")) throw new Error("not posted yet");
    });
    await chat.api(bob, "POST", `/api/channels/${random}/messages`, { body_md: "bob says **hi**" });
    await term.shows("bob says hi");
  });

  test("opens a thread on the newest message and replies in it", async () => {
    term.keys("C-t");
    await term.shows("Thread  Esc closes");
    term.type("a threaded reply");
    term.keys("Enter");
    await term.shows("a threaded reply");
    await term.shows("↳ 1 reply");
    const [root] = await messagesOf(bob, random);
    const replies = await chat.api<{ items: MessageJson[] }>(bob, "GET", `/api/messages/${root?.id}/replies`);
    expect(replies.items.map((m) => m.body_md)).toEqual(["a threaded reply"]);
    term.keys("Escape");
    await term.hides("Thread  Esc closes");
  });

  test("reacts to the newest message and runs a slash command", async () => {
    term.type("+:tada:");
    term.keys("Enter");
    await term.shows("🎉 1");
    const [root] = await messagesOf(bob, random);
    expect(root?.reactions).toEqual([expect.objectContaining({ emoji: "🎉", count: 1 })]);

    term.type("/topic Launch week");
    term.keys("Enter");
    await term.shows("#random  Launch week");
    const channel = await chat.api<{ topic: string }>(bob, "GET", `/api/channels/${random}`);
    expect(channel.topic).toBe("Launch week");
  });

  test("resizes to 80×24 and keeps every part on screen", async () => {
    term.run("resize-window", "-t", term.session, "-x", "80", "-y", "24");
    const small = await term.shows(/^ acme · #random.*\? help\s*$/m);
    const rows = small.split("\n").filter((l, i, all) => i < all.length - 1 || l !== "");
    expect(rows).toHaveLength(24);
    expect(rows.every((r) => Bun.stringWidth(r) <= 80)).toBe(true);
    expect(rows[0]).toContain("#random  Launch week");
    expect(rows[22]).toMatch(/^>/);
    expect(small).toContain("bob says hi");
  });

  test("quits cleanly, leaving a normal shell", async () => {
    term.keys("C-c");
    await term.shows(/^shell\$\s*$/m);
    term.keys("echo tui-exit-$?", "Enter");
    const after = await term.shows("tui-exit-0");
    expect(after).not.toContain("│");
  });
});

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type ChatPerson, type ChatServer, startChatServer } from "../support/chat-server.ts";
import { waitFor } from "../support/ports.ts";
import { startTmux, type Tmux } from "../support/terminal.ts";

// Group DMs, pins, saved items and muting from the TUI, in tmux.
describe("the TUI's conversation keys in tmux", () => {
  let chat: ChatServer;
  let alice: ChatPerson;
  let bob: ChatPerson;
  let carol: ChatPerson;
  let term: Tmux;
  let general = "";

  beforeAll(async () => {
    chat = await startChatServer();
    alice = chat.owner;
    bob = await chat.invite("bob");
    carol = await chat.invite("carol");
    const channels = await chat.api<{ items: { id: string }[] }>(
      alice,
      "GET",
      "/api/communities/acme/channels",
    );
    general = channels.items[0]?.id ?? "";
    await chat.api(bob, "POST", `/api/channels/${general}/join`);
    term = startTmux({
      width: 100,
      height: 30,
      env: { AJET_SERVER: chat.base, AJET_TOKEN: alice.token, XDG_CONFIG_HOME: "/nonexistent" },
    });
    term.keys("bun bin/ajet-chat.ts", "Enter");
    await term.shows("#general  Everyone, everything");
  });
  afterAll(async () => {
    term?.kill();
    await chat?.stop();
  });

  test("/dm @bob @carol with text opens the group DM and posts there", async () => {
    term.keys("/dm @bob @carol lunch plans?", "Enter");
    await term.shows(/│ @bob, carol/);
    await term.shows("lunch plans?");
    const dms = await chat.api<{ items: { members: { username: string }[] }[] }>(carol, "GET", "/api/dm");
    expect(dms.items[0]?.members.map((m) => m.username).sort()).toEqual(["alice", "bob", "carol"]);
    term.keys("C-n");
    await term.shows("#general  Everyone, everything");
  });

  test("Alt-P pins the newest message, Alt-I lists the pins, Alt-S saves and Alt-V lists the saved", async () => {
    await chat.api(bob, "POST", `/api/channels/${general}/messages`, { body_md: "pin-worthy news" });
    await term.shows("pin-worthy news");
    term.keys("M-p");
    await term.shows("pinned to the channel");
    term.keys("M-i");
    const pins = await term.shows("Pinned in #general");
    expect(pins).toContain("pin-worthy news");
    term.keys("Escape");
    await term.hides("Pinned in #general");
    term.keys("M-s");
    await term.shows("saved (Alt-V lists them)");
    term.keys("M-v");
    expect(await term.shows(/ Saved +Esc returns/)).toContain("pin-worthy news");
    term.keys("Escape");
    await term.shows("#general  Everyone, everything");
    await waitFor(async () => {
      const saved = await chat.api<{ items: unknown[] }>(alice, "GET", "/api/saved");
      expect(saved.items).toHaveLength(1);
    });
  });

  test("Ctrl-X mutes the shown channel: the server keeps it muted, and Ctrl-X again unmutes", async () => {
    term.keys("C-x");
    await term.shows("muted: no unread weight");
    const muted = await chat.api<{ muted: boolean }>(alice, "GET", `/api/channels/${general}`);
    expect(muted.muted).toBe(true);
    term.keys("C-x");
    await term.shows("unmuted");
    expect((await chat.api<{ muted: boolean }>(alice, "GET", `/api/channels/${general}`)).muted).toBe(false);
  });
});

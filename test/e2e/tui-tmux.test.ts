import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { MessageJson } from "../../lib/client/views.ts";
import { type ChatPerson, type ChatServer, startChatServer } from "../support/chat-server.ts";
import { waitFor } from "../support/ports.ts";
import { repoRoot } from "../support/process.ts";

// The TUI as a person uses it: in tmux, keys sent with send-keys, the screen read with capture-pane.
describe("the TUI in tmux", () => {
  let chat: ChatServer;
  let alice: ChatPerson;
  let bob: ChatPerson;
  let random = "";
  // A tmux server of this test's own, so nothing else's sessions are touched.
  const socket = `ajet-tui-${process.pid}`;
  const session = "chat";

  const tmux = (...args: string[]) => {
    const run = Bun.spawnSync(["tmux", "-L", socket, ...args], { stdout: "pipe", stderr: "pipe" });
    if (run.exitCode !== 0) throw new Error(`tmux ${args.join(" ")}: ${run.stderr.toString()}`);
    return run.stdout.toString();
  };
  const screen = () => tmux("capture-pane", "-p", "-t", session);
  const keys = (...k: string[]) => tmux("send-keys", "-t", session, ...k);
  const type = (text: string) => tmux("send-keys", "-t", session, "-l", text);
  const shows = (check: string | RegExp, timeoutMs = 10_000) =>
    waitFor(
      () => {
        const now = screen();
        const found = typeof check === "string" ? now.includes(check) : check.test(now);
        if (!found) throw new Error(`the screen does not show ${check}:\n${now}`);
        return now;
      },
      timeoutMs,
      String(check),
    );
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
    tmux(
      "new-session",
      "-d",
      "-s",
      session,
      "-x",
      "100",
      "-y",
      "30",
      "-e",
      `AJET_SERVER=${chat.base}`,
      "-e",
      `AJET_TOKEN=${alice.token}`,
      "-e",
      "XDG_CONFIG_HOME=/nonexistent",
      "-c",
      repoRoot,
      "bash --norc --noprofile",
    );
  });
  afterAll(async () => {
    Bun.spawnSync(["tmux", "-L", socket, "kill-server"]);
    await chat.stop();
  });

  test("signs in with a token and shows the community, its channels and #general", async () => {
    keys("PS1='shell$ '; bun bin/ajet-chat.ts", "Enter");
    const first = await shows("#general  Everyone, everything");
    expect(first).toContain(" Acme");
    expect(first).toMatch(/# random/);
    expect(first).toContain("? help");
  });

  test("switches channel, sends, and sees another person's message arrive", async () => {
    keys("C-n");
    await shows(/│ #random/);
    type("hello from the tui");
    keys("Enter");
    await shows("hello from the tui");
    await waitFor(async () => {
      const items = await messagesOf(alice, random);
      if (!items.some((m) => m.body_md === "hello from the tui")) throw new Error("not posted yet");
    });
    await chat.api(bob, "POST", `/api/channels/${random}/messages`, { body_md: "bob says **hi**" });
    await shows("bob says hi");
  });

  test("opens a thread on the newest message and replies in it", async () => {
    keys("C-t");
    await shows("Thread  Esc closes");
    type("a threaded reply");
    keys("Enter");
    await shows("a threaded reply");
    await shows("↳ 1 reply");
    const [root] = await messagesOf(bob, random);
    const replies = await chat.api<{ items: MessageJson[] }>(bob, "GET", `/api/messages/${root?.id}/replies`);
    expect(replies.items.map((m) => m.body_md)).toEqual(["a threaded reply"]);
    keys("Escape");
    await waitFor(() => {
      if (screen().includes("Thread  Esc closes")) throw new Error("thread still open");
    });
  });

  test("reacts to the newest message and runs a slash command", async () => {
    type("+:tada:");
    keys("Enter");
    await shows("🎉 1");
    const [root] = await messagesOf(bob, random);
    expect(root?.reactions).toEqual([expect.objectContaining({ emoji: "🎉", count: 1 })]);

    type("/topic Launch week");
    keys("Enter");
    await shows("#random  Launch week");
    const channel = await chat.api<{ topic: string }>(bob, "GET", `/api/channels/${random}`);
    expect(channel.topic).toBe("Launch week");
  });

  test("resizes to 80×24 and keeps every part on screen", async () => {
    tmux("resize-window", "-t", session, "-x", "80", "-y", "24");
    const small = await shows(/^ acme · #random.*\? help\s*$/m);
    const rows = small.split("\n").filter((l, i, all) => i < all.length - 1 || l !== "");
    expect(rows).toHaveLength(24);
    expect(rows.every((r) => Bun.stringWidth(r) <= 80)).toBe(true);
    expect(rows[0]).toContain("#random  Launch week");
    expect(rows[22]).toMatch(/^>/);
    expect(small).toContain("bob says hi");
  });

  test("quits cleanly, leaving a normal shell", async () => {
    keys("C-c");
    await shows(/^shell\$\s*$/m);
    keys("echo tui-exit-$?", "Enter");
    const after = await shows("tui-exit-0");
    expect(after).not.toContain("│");
  });
});
